/// The cpu family, in one room (issue 16): its figures, the observations its built-in
/// checks evaluate, and its lines in /metrics. Its sampler, which reads the files, is
/// `CPUSampler` (VitalsSamplers); the family is listed in `HostSnapshot.families`.
public enum CPUFamily: MetricFamily {
    public static let checks: [BuiltinCheck] = [.cpu]

    /// Observations for CPU usage per mode, total and per core (/proc/stat).
    public static func observations(_ s: HostSnapshot, failure: (String) -> Reading) -> [Observation] {
        var out: [Observation] = []
        out.append(
            Observation(
                .cpu, reading: s.cpu?.busy ?? failure("cpu"), subject: "cpu", quantity: "busy", unit: "%",
                detail: UnitFamily.culpritText(for: .cpu, in: s)))
        return out
    }

    public static func metrics(_ s: HostSnapshot, into p: inout PrometheusText) {
        if let cpu = s.cpu {
            p.family("vitals_cpu_usage_percent", .gauge, "Share of CPU time per mode over the last interval, all cores.")
            p.family("vitals_cpu_core_usage_percent", .gauge, "Share of CPU time per mode over the last interval, per core.")
            if let t = cpu.total { for (mode, v) in modes(t) { p.sample("vitals_cpu_usage_percent", [("mode", mode)], v) } }
            for core in cpu.cores {
                guard let m = core.modes else { continue }
                for (mode, v) in modes(m) { p.sample("vitals_cpu_core_usage_percent", [("cpu", "\(core.cpu)"), ("mode", mode)], v) }
            }
            p.family("vitals_cpu_online_cores", .gauge, "Online CPU cores.")
            p.sample("vitals_cpu_online_cores", [], Double(cpu.onlineCores))
        }
    }

    static func modes(_ m: CPUModes) -> [(String, Double)] {
        [
            ("user", m.user), ("nice", m.nice), ("system", m.system), ("idle", m.idle), ("iowait", m.iowait), ("irq", m.irq), ("softirq", m.softirq),
            ("steal", m.steal), ("guest", m.guest), ("guest_nice", m.guestNice),
        ]
    }
}

extension BuiltinCheck {
    public static let cpu = BuiltinCheck(
        "cpu", summary: "CPU busy % of all cores (100 - idle - iowait)",
        defaultSpec: ThresholdSpec(
            warning: Level(trigger: 90, clear: 80), critical: Level(trigger: 98, clear: 90),
            raiseAfter: .duration(.seconds(300)), clearAfter: .duration(.seconds(120))))
}

/// Time shares of the CPU modes, in percent of the interval (they add up to 100, except that
/// `guest` and `guestNice` are already contained in `user` and `nice`, as the kernel counts them).
public struct CPUModes: Sendable, Codable, Equatable {
    public var user, nice, system, idle, iowait, irq, softirq, steal, guest, guestNice: Double

    public init(
        user: Double = 0, nice: Double = 0, system: Double = 0, idle: Double = 0, iowait: Double = 0,
        irq: Double = 0, softirq: Double = 0, steal: Double = 0, guest: Double = 0, guestNice: Double = 0
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

    /// Percent of the interval the CPU was busy: everything except idle and iowait (the
    /// node_exporter mixin's definition).
    public var busy: Double { max(0, min(100, 100 - idle - iowait)) }

    enum CodingKeys: String, CodingKey {
        case user, nice, system, idle, iowait, irq, softirq, steal, guest
        case guestNice = "guest_nice"
    }
}

/// CPU usage over the last interval, total and per core.
public struct CPUStats: Sendable, Codable, Equatable {
    /// Cores online in this sample.
    public var onlineCores: Int
    /// All modes over all cores; nil on the first sample (see `unknownReason`).
    public var total: CPUModes?
    /// Per online core, by the kernel's CPU number.
    public var cores: [CoreUsage]
    /// Why `total` is missing, e.g. "first sample: usage needs two readings".
    public var unknownReason: String?

    public init(onlineCores: Int, total: CPUModes?, cores: [CoreUsage], unknownReason: String? = nil) {
        self.onlineCores = onlineCores
        self.total = total
        self.cores = cores
        self.unknownReason = unknownReason
    }

    /// Total busy percent as a reading.
    public var busy: Reading {
        if let total { return .value(total.busy) }
        return .unknown(unknownReason ?? "no CPU sample")
    }

    enum CodingKeys: String, CodingKey {
        case total, cores
        case onlineCores = "online_cores"
        case unknownReason = "unknown_reason"
    }
}

/// One core's modes over the interval; `modes` is nil when the core just came online.
public struct CoreUsage: Sendable, Codable, Equatable {
    public var cpu: Int
    public var modes: CPUModes?

    public init(cpu: Int, modes: CPUModes?) {
        self.cpu = cpu
        self.modes = modes
    }
}
