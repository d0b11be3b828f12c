public import VitalsCore

/// Cumulative CPU time per mode, in clock ticks (USER_HZ), as one `cpu` line of /proc/stat has it.
public struct CPUTimes: Sendable, Equatable {
    public var user, nice, system, idle, iowait, irq, softirq, steal, guest, guestNice: UInt64

    public init(
        user: UInt64 = 0, nice: UInt64 = 0, system: UInt64 = 0, idle: UInt64 = 0, iowait: UInt64 = 0, irq: UInt64 = 0,
        softirq: UInt64 = 0, steal: UInt64 = 0, guest: UInt64 = 0, guestNice: UInt64 = 0
    ) {
        self.user = user
        self.nice = nice
        self.system = system
        self.idle = idle
        self.iowait = iowait
        self.irq = irq
        self.softirq = softirq
        self.steal = steal
        self.guest = guest
        self.guestNice = guestNice
    }

    /// All time the kernel accounted; guest and guest_nice are already inside user and nice.
    public var total: UInt64 { user &+ nice &+ system &+ idle &+ iowait &+ irq &+ softirq &+ steal }

    /// Percent of the interval per mode between an earlier reading and this one, or nil when no
    /// time passed. A counter that went backwards (iowait does on some kernels, a core that was
    /// offline restarts its counters) counts as 0 for that mode instead of skewing the others.
    public func percent(since old: CPUTimes) -> CPUModes? {
        func d(_ new: UInt64, _ old: UInt64) -> Double { new >= old ? Double(new - old) : 0 }
        let parts = [
            d(user, old.user), d(nice, old.nice), d(system, old.system), d(idle, old.idle), d(iowait, old.iowait),
            d(irq, old.irq), d(softirq, old.softirq), d(steal, old.steal),
        ]
        let sum = parts.reduce(0, +)
        guard sum > 0 else { return nil }
        let p = { (v: Double) in v / sum * 100 }
        return CPUModes(
            user: p(parts[0]), nice: p(parts[1]), system: p(parts[2]), idle: p(parts[3]), iowait: p(parts[4]),
            irq: p(parts[5]), softirq: p(parts[6]), steal: p(parts[7]), guest: p(d(guest, old.guest)),
            guestNice: p(d(guestNice, old.guestNice)))
    }

    /// Sum of two readings (to total the cores present in both of two samples).
    public static func + (a: CPUTimes, b: CPUTimes) -> CPUTimes {
        CPUTimes(
            user: a.user &+ b.user, nice: a.nice &+ b.nice, system: a.system &+ b.system, idle: a.idle &+ b.idle,
            iowait: a.iowait &+ b.iowait, irq: a.irq &+ b.irq, softirq: a.softirq &+ b.softirq, steal: a.steal &+ b.steal,
            guest: a.guest &+ b.guest, guestNice: a.guestNice &+ b.guestNice)
    }
}

/// The CPU lines of /proc/stat: the aggregate and one per online core. Offline cores have no line.
public struct ProcStat: Sendable, Equatable {
    public var total: CPUTimes
    /// Per online core, by CPU number, in file order.
    public var cores: [(cpu: Int, times: CPUTimes)]

    /// Parses /proc/stat text; throws when the aggregate `cpu` line is missing or malformed.
    public init(parsing text: String) throws(VitalsError) { try self.init(bytes: Array(text.utf8)[...]) }

    /// Parses /proc/stat bytes (read into a reused buffer: no String per cycle).
    public init(bytes: ArraySlice<UInt8>) throws(VitalsError) {
        var total: CPUTimes?
        var cores: [(cpu: Int, times: CPUTimes)] = []
        for line in Scan.lines(bytes) where Scan.hasPrefix(line, "cpu") {
            let f = Scan.fields(line)
            guard f.count >= 5 else { throw .parse("/proc/stat", "cpu line has \(f.count - 1) fields, expected at least 4") }
            var v = [UInt64](repeating: 0, count: 10)
            for i in 1..<min(f.count, 11) {
                guard let n = Scan.uint(f[f.startIndex + i]) else {
                    throw .parse("/proc/stat", "field \(i) of \(Scan.string(f[f.startIndex])) is not a number: \(Scan.string(f[f.startIndex + i]))")
                }
                v[i - 1] = n
            }
            let t = CPUTimes(
                user: v[0], nice: v[1], system: v[2], idle: v[3], iowait: v[4], irq: v[5], softirq: v[6], steal: v[7],
                guest: v[8], guestNice: v[9])
            let name = f[f.startIndex]
            if name.count == 3 {
                total = t
            } else if let id = Scan.uint(name.dropFirst(3)) {
                cores.append((Int(id), t))
            }
        }
        guard let total else { throw .parse("/proc/stat", "no aggregate cpu line") }
        self.total = total
        self.cores = cores
    }

    public static func == (a: ProcStat, b: ProcStat) -> Bool {
        a.total == b.total && a.cores.map(\.cpu) == b.cores.map(\.cpu) && a.cores.map(\.times) == b.cores.map(\.times)
    }
}
