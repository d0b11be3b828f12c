import Synchronization
public import VitalsCore
import VitalsProcFS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What each systemd unit uses, from its cgroup v2 directory (`units.cgroup_root`, no root
/// needed). The units are found by `CgroupTree` (walked again only when inotify says a unit came
/// or went); every cycle reads each unit's cpu.stat and memory.current (kept open, one `pread`
/// each), and every `detailPeriod` its limits, events, io.stat and pressure, whose figures are
/// carried between. On a host without cgroup v2 the family is not applicable, with the reason.
public final class UnitSampler: Sampler {
    public let name = "units"
    /// How often the slower files (limits, memory.events, io.stat, pressure) are read.
    public static let detailPeriod: Duration = .seconds(10)
    private let settings: Mutex<UnitsConfig>
    private let cpuCount: Int
    private let proc: ProcFSHandle?
    private let state = Mutex(State())

    private struct State {
        var root = ""
        var tree: CgroupTree?
        var lastDetails: ContinuousClock.Instant?
        var previous: [String: Previous] = [:]
        var oomKills: UInt64?
        /// CPU ticks of the processes in the busiest units at the last cycle, for their shares.
        var processTicks: [Int32: (ticks: UInt64, at: ContinuousClock.Instant)] = [:]
    }

    /// Units using at least this share of the host's CPU get their busiest processes named.
    public static let processShare = 5.0
    /// At most this many units, and this many processes per unit, are looked into.
    public static let processUnits = 3
    public static let processesPerUnit = 64

    private let vmstat: CycleVMStat

    /// A unit's last figures: for rates, and the slower ones carried between detail reads.
    private struct Previous {
        var cpuMicros: UInt64
        var at: ContinuousClock.Instant
        var details: CgroupUnit.Reading?
        var detailsAt: ContinuousClock.Instant?
        var io: (read: Double, write: Double, ops: Double)?
    }

    /// `cpuCount` is the number of online CPUs the CPU share is taken of (the host's by default).
    /// With `proc`, the kernel's OOM-kill counter (/proc/vmstat) is read every cycle, and a kill
    /// makes this cycle read every unit's memory.events, so the unit is named in the same cycle as
    /// the host's `oom_kills`; `vmstat` shares that read with the memory sampler.
    public init(config: UnitsConfig, cpuCount: Int? = nil, proc: ProcFSHandle? = nil, vmstat: CycleVMStat = CycleVMStat()) {
        self.vmstat = vmstat
        settings = Mutex(config)
        self.cpuCount = max(1, cpuCount ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        self.proc = proc
    }

    public func apply(_ config: Config) { settings.withLock { $0 = config.units } }

    public func sample(at instant: ContinuousClock.Instant) async throws -> SamplerOutput {
        let config = settings.withLock { $0 }
        return try state.withLock { s throws -> SamplerOutput in
            guard config.enabled else {
                s = State()
                return .family(\.units, UnitStats(available: false, reason: "units.enabled is false", root: config.cgroupRoot))
            }
            if s.root != config.cgroupRoot || s.tree == nil {
                s = State()
                s.root = config.cgroupRoot
                guard let mount = CgroupTree.locate(root: config.cgroupRoot) else {
                    return .family(
                        \.units,
                        UnitStats(
                            available: false,
                            reason:
                                "no cgroup v2 hierarchy at \(config.cgroupRoot) or \(config.cgroupRoot)/unified (cgroup v1 only, or a container without cgroups)",
                            root: config.cgroupRoot))
                }
                s.tree = CgroupTree(mount: mount)
            }
            let tree = s.tree!
            try tree.refresh(max: config.max, exclude: config.exclude, now: instant)
            var details = s.lastDetails.map { $0.duration(to: instant) >= Self.detailPeriod - .milliseconds(500) } ?? true
            if let proc, let kills = (try? vmstat.read(proc.procfs, at: instant))?.oomKill {
                if let old = s.oomKills, kills != old { details = true }
                s.oomKills = kills
            }
            if details { s.lastDetails = instant }
            var usages: [UnitUsage] = []
            var next: [String: Previous] = [:]
            next.reserveCapacity(tree.units.count)
            for unit in tree.units {
                let old = s.previous[unit.path]
                // A unit seen for the first time gets its details at once.
                guard let r = try? unit.read(details: details || old == nil) else { continue }  // stopped since the walk
                let (usage, kept) = Self.usage(unit, r, old, at: instant, cpuCount: cpuCount)
                usages.append(usage)
                next[unit.path] = kept
            }
            s.previous = next
            if let proc { Self.nameProcesses(&usages, tree: tree, proc: proc.procfs, state: &s, at: instant, cpuCount: cpuCount) }
            usages.sort { ($0.cpuPercent ?? -1, $1.unit) > ($1.cpuPercent ?? -1, $0.unit) }
            return .family(\.units, UnitStats(available: true, root: tree.mount, units: usages, untracked: tree.untracked))
        }
    }

    /// The busiest processes inside the busiest leaf units (at least `processShare` of the host):
    /// cgroup.procs, then /proc/PID/stat of each, against the ticks of the last cycle. Costs
    /// nothing on a host where no unit is that busy; a process seen for the first time has no
    /// share until the next cycle.
    private static func nameProcesses(
        _ usages: inout [UnitUsage], tree: CgroupTree, proc: ProcFS, state s: inout State, at instant: ContinuousClock.Instant, cpuCount: Int
    ) {
        let busy = usages.indices.filter { usages[$0].leaf && (usages[$0].cpuPercent ?? 0) >= processShare }
            .sorted { (usages[$0].cpuPercent ?? 0) > (usages[$1].cpuPercent ?? 0) }.prefix(processUnits)
        var ticks: [Int32: (ticks: UInt64, at: ContinuousClock.Instant)] = [:]
        guard !busy.isEmpty else {
            s.processTicks = [:]
            return
        }
        let hz = Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
        var buffer: [UInt8] = []
        for i in busy {
            guard let unit = tree.units.first(where: { $0.path == usages[i].cgroup }) else { continue }
            var list: [UnitProcess] = []
            for pid in unit.pids(limit: processesPerUnit) {
                guard let n = try? Syscalls.readFile(proc.path("\(pid)/stat"), into: &buffer, maxBytes: 4096),
                    let (name, t) = ProcessCPU.parse(buffer[..<n])
                else { continue }
                ticks[pid] = (t, instant)
                guard let old = s.processTicks[pid], t >= old.ticks else { continue }
                let elapsed = old.at.duration(to: instant).seconds
                guard elapsed > 0 else { continue }
                let share = Double(t - old.ticks) / hz / elapsed / Double(cpuCount) * 100
                if share >= 0.5 { list.append(UnitProcess(pid: pid, name: name, cpuPercent: min(100, share))) }
            }
            list.sort { $0.cpuPercent != $1.cpuPercent ? $0.cpuPercent > $1.cpuPercent : $0.pid < $1.pid }
            usages[i].topProcesses = list.isEmpty ? nil : Array(list.prefix(5))
        }
        s.processTicks = ticks
    }

    /// One unit's figures from this read and the previous one (pure but for the types).
    private static func usage(
        _ unit: CgroupUnit, _ r: CgroupUnit.Reading, _ old: Previous?, at instant: ContinuousClock.Instant, cpuCount: Int
    ) -> (UnitUsage, Previous) {
        var u = UnitUsage(unit: unit.name, cgroup: unit.path, leaf: unit.leaf)
        let cpu = r.cpuMicros ?? 0
        u.cpuMicros = r.cpuMicros.map { Double($0) }
        u.memoryBytes = r.memoryBytes.map { Double($0) }
        if let old {
            let elapsed = old.at.duration(to: instant).seconds
            if elapsed > 0 {
                let used = cpu >= old.cpuMicros ? Double(cpu - old.cpuMicros) : 0
                u.cpuPercent = min(100, used / (elapsed * 1_000_000 * Double(cpuCount)) * 100)
            }
        }
        var kept = Previous(cpuMicros: cpu, at: instant, details: old?.details, detailsAt: old?.detailsAt, io: old?.io)
        if r.detailed {
            // A detail read: rates against the previous detail read.
            if let o = old?.details, let at = old?.detailsAt {
                let elapsed = at.duration(to: instant).seconds
                if elapsed > 0, let a = o.io, let b = r.io {
                    kept.io = (
                        Double(b.readBytes >= a.readBytes ? b.readBytes - a.readBytes : 0) / elapsed,
                        Double(b.writeBytes >= a.writeBytes ? b.writeBytes - a.writeBytes : 0) / elapsed,
                        Double(b.operations >= a.operations ? b.operations - a.operations : 0) / elapsed
                    )
                }
                if let a = o.oomKills, let b = r.oomKills { u.oomKillsDelta = Double(b >= a ? b - a : b) }
            }
            kept.details = r
            kept.detailsAt = instant
        } else if kept.details?.oomKills != nil {
            u.oomKillsDelta = 0
        }
        if let d = kept.details {
            if let m = d.memoryMax {
                u.memoryLimitBytes = Double(m)
                u.memoryLimitKind = "MemoryMax"
            } else if let h = d.memoryHigh {
                u.memoryLimitBytes = Double(h)
                u.memoryLimitKind = "MemoryHigh"
            }
            u.swapBytes = d.swapBytes.map { Double($0) }
            u.oomKills = d.oomKills.map { Double($0) }
            u.cpuPressure = d.cpuPressure
            u.memoryPressure = d.memoryPressure
            u.ioPressure = d.ioPressure
        }
        if let io = kept.io {
            u.ioReadBytesPerSecond = io.read
            u.ioWriteBytesPerSecond = io.write
            u.ioOpsPerSecond = io.ops
        }
        return (u, kept)
    }
}
