/// The per-unit family, in one room (issue 18): what each systemd unit with its own cgroup v2
/// directory uses (CPU, memory, IO, pressure), the per-unit checks, the lines in /metrics, and the
/// culprits the host-level messages name. Its sampler, which reads the cgroup files, is
/// `UnitSampler` (VitalsSamplers); the family is listed in `HostSnapshot.families`.
public enum UnitFamily: MetricFamily {
    public static let checks: [BuiltinCheck] = [.unitMemory, .unitOOMKills]

    /// `unit_memory` for every unit with a memory limit, `unit_oom_kills` for every leaf unit
    /// whose cgroup has counted an OOM kill. Without cgroup v2 both are one not-applicable observation.
    public static func observations(_ s: HostSnapshot, failure: (String) -> Reading) -> [Observation] {
        guard let u = s.units else {
            return checks.map { Observation($0, reading: failure("units"), subject: "units", quantity: "", unit: "") }
        }
        guard u.available else {
            let why = "not applicable: \(u.reason ?? "no cgroup v2 hierarchy")"
            return checks.map { Observation($0, reading: .notApplicable(why), subject: "units", quantity: "", unit: "") }
        }
        var out: [Observation] = []
        for unit in u.units {
            if let used = unit.memoryBytes, let limit = unit.memoryLimitBytes, limit > 0 {
                out.append(
                    Observation(
                        .unitMemory, resource: unit.unit, reading: .value(used / limit * 100), subject: "\(unit.unit) memory",
                        quantity: "of its limit", unit: "%",
                        detail: "\(Units.formatBytes(used)) of \(unit.memoryLimitKind ?? "MemoryMax") \(Units.formatBytes(limit))"))
            }
            // memory.events counts the units below too: only leaf units, so one kill is one alert.
            if unit.leaf, let total = unit.oomKills, total > 0 {
                let delta = unit.oomKillsDelta
                out.append(
                    Observation(
                        .unitOOMKills, resource: unit.unit,
                        reading: delta.map { .value($0) } ?? .unknown("first sample: needs two readings"),
                        subject: "\(unit.unit) OOM kills", quantity: "since last sample", unit: "",
                        detail: "\(Units.formatNumber(total)) since the unit's cgroup was made"))
            }
        }
        return out
    }

    public static func metrics(_ s: HostSnapshot, into p: inout PrometheusText) {
        guard let u = s.units, u.available else { return }
        p.family("vitals_units", .gauge, "Systemd units with their own cgroup that vitals follows.")
        p.sample("vitals_units", [], Double(u.units.count))
        p.family("vitals_units_untracked", .gauge, "Units beyond units.max, not followed.")
        p.sample("vitals_units_untracked", [], Double(u.untracked))
        p.family("vitals_unit_cpu_percent", .gauge, "CPU time the unit used over the last interval, % of the host (cpu.stat).")
        p.family("vitals_unit_cpu_seconds_total", .counter, "CPU time the unit's cgroup has used (cpu.stat usage_usec).")
        p.family("vitals_unit_memory_bytes", .gauge, "Memory charged to the unit (memory.current).")
        p.family("vitals_unit_memory_limit_bytes", .gauge, "The unit's memory limit (memory.max, else memory.high).")
        p.family("vitals_unit_oom_kills_total", .counter, "Processes the OOM killer killed in the unit (memory.events oom_kill).")
        p.family("vitals_unit_io_bytes_per_second", .gauge, "Bytes the unit read or wrote per second (io.stat).")
        p.family("vitals_unit_io_operations_per_second", .gauge, "IO operations of the unit per second (io.stat rios + wios).")
        p.family("vitals_unit_pressure_avg60_percent", .gauge, "Share of time the unit's tasks stalled, some avg60 (*.pressure).")
        for unit in u.units {
            let l = [("unit", unit.unit)]
            if let v = unit.cpuPercent { p.sample("vitals_unit_cpu_percent", l, v) }
            if let v = unit.cpuMicros { p.sample("vitals_unit_cpu_seconds_total", l, v / 1_000_000) }
            if let v = unit.memoryBytes { p.sample("vitals_unit_memory_bytes", l, v) }
            if let v = unit.memoryLimitBytes { p.sample("vitals_unit_memory_limit_bytes", l, v) }
            if let v = unit.oomKills { p.sample("vitals_unit_oom_kills_total", l, v) }
            if let v = unit.ioReadBytesPerSecond { p.sample("vitals_unit_io_bytes_per_second", l + [("direction", "read")], v) }
            if let v = unit.ioWriteBytesPerSecond { p.sample("vitals_unit_io_bytes_per_second", l + [("direction", "write")], v) }
            if let v = unit.ioOpsPerSecond { p.sample("vitals_unit_io_operations_per_second", l, v) }
            for (resource, v) in [("cpu", unit.cpuPressure), ("memory", unit.memoryPressure), ("io", unit.ioPressure)] {
                if let v { p.sample("vitals_unit_pressure_avg60_percent", l + [("resource", resource)], v) }
            }
        }
    }

    // MARK: culprits

    /// How many units a message names at most.
    public static let culpritCount = 3

    /// The units that account for a host-level check's value, largest first: for cpu their share
    /// of the host's CPU, for memory and swap their share of the host's memory or swap, for the
    /// pressure checks their own stall share. Only leaf units (not slices, not a user manager with
    /// units inside), and only those with a visible share (at least 1 % of the host, or 1 % stalled).
    public static func culprits(for check: BuiltinCheck, in s: HostSnapshot) -> [Culprit] {
        guard let u = s.units, u.available else { return [] }
        let pick: (UnitUsage) -> Double?
        let unitText: String
        switch check {
        case .cpu:
            pick = { $0.cpuPercent }
            unitText = "%"
        case .memory:
            guard let total = s.memory?.totalBytes, total > 0 else { return [] }
            pick = { $0.memoryBytes.map { $0 / total * 100 } }
            unitText = "%"
        case .swap:
            guard let total = s.memory?.swapTotalBytes, total > 0 else { return [] }
            pick = { $0.swapBytes.map { $0 / total * 100 } }
            unitText = "%"
        case .pressureCPU:
            pick = { $0.cpuPressure }
            unitText = "% stalled"
        case .pressureMemory:
            pick = { $0.memoryPressure }
            unitText = "% stalled"
        case .pressureIO:
            pick = { $0.ioPressure }
            unitText = "% stalled"
        case .oomKills:
            // The units whose memory.events counted the kills of this cycle.
            var killed: [Culprit] = []
            for unit in u.units where unit.leaf {
                if let d = unit.oomKillsDelta, d > 0 { killed.append(Culprit(unit: unit.unit, value: d, unitText: d == 1 ? " kill" : " kills")) }
            }
            return Array(killed.sorted { $0.value != $1.value ? $0.value > $1.value : $0.unit < $1.unit }.prefix(culpritCount))
        default:
            return []
        }
        var ranked: [Culprit] = []
        for unit in u.units where unit.leaf {
            guard let v = pick(unit), v >= 1 else { continue }
            let processes = check == .cpu ? unit.topProcesses.map { Array($0.prefix(2)) } : nil
            ranked.append(Culprit(unit: unit.unit, value: v, unitText: unitText, processes: processes))
        }
        ranked.sort { $0.value != $1.value ? $0.value > $1.value : $0.unit < $1.unit }
        return Array(ranked.prefix(culpritCount))
    }

    /// "postgresql.service 71%, backup.service 22%", or nil when no unit stands out.
    public static func culpritText(for check: BuiltinCheck, in s: HostSnapshot) -> String? {
        let c = culprits(for: check, in: s)
        return c.isEmpty ? nil : c.map(\.description).joined(separator: ", ")
    }
}

/// A unit named as the cause of a host-level value, with its own share.
public struct Culprit: Sendable, Codable, Equatable, CustomStringConvertible {
    public var unit: String
    /// The unit's share (percent of the host, or percent stalled).
    public var value: Double
    /// How the value reads: "%" or "% stalled".
    public var unitText: String
    /// For CPU: the unit's busiest processes ("postgres (pid 812) 40%").
    public var processes: [UnitProcess]?

    public init(unit: String, value: Double, unitText: String, processes: [UnitProcess]? = nil) {
        self.unit = unit
        self.value = value
        self.unitText = unitText
        self.processes = processes
    }

    /// "postgresql.service 71%", or with its processes "postgresql.service 71% (postgres (pid 812) 40%)".
    public var description: String {
        let base = "\(unit) \(Units.formatDecimal(value, places: 0))\(unitText)"
        guard let p = processes, !p.isEmpty else { return base }
        return base + " (" + p.map(\.description).joined(separator: ", ") + ")"
    }

    enum CodingKeys: String, CodingKey {
        case unit, value, processes
        case unitText = "value_unit"
    }
}

extension BuiltinCheck {
    public static let unitMemory = BuiltinCheck(
        "unit_memory",
        summary: "a unit's memory.current % of its own limit (MemoryMax, else MemoryHigh; only units with a limit)",
        defaultSpec: ThresholdSpec(
            warning: Level(trigger: 90, clear: 85), critical: Level(trigger: 98, clear: 95),
            raiseAfter: .samples(3), clearAfter: .samples(3)),
        perUnit: true)
    public static let unitOOMKills = BuiltinCheck(
        "unit_oom_kills", summary: "OOM kills in a unit since the previous sample (warning holds 30m after the last kill)",
        defaultSpec: ThresholdSpec(warning: Level(trigger: 0, clear: 0), clearAfter: .duration(.seconds(1800))),
        isPercent: false, perUnit: true)
}

/// What the systemd units use, from their cgroup v2 directories. `available` is false on a host
/// without a cgroup v2 hierarchy (cgroup v1 only, a container without it), with the reason.
public struct UnitStats: Sendable, Codable, Equatable {
    public var available: Bool
    /// Why the family does not apply, when it does not.
    public var reason: String?
    /// The cgroup v2 mount read ("/sys/fs/cgroup", "/sys/fs/cgroup/unified" on a hybrid host).
    public var root: String
    /// The units, largest CPU share first.
    public var units: [UnitUsage]
    /// Units beyond `units.max`, not followed.
    public var untracked: Int

    public init(available: Bool, reason: String? = nil, root: String, units: [UnitUsage] = [], untracked: Int = 0) {
        self.available = available
        self.reason = reason
        self.root = root
        self.units = units
        self.untracked = untracked
    }
}

/// One unit's resources. A figure is nil where its cgroup file is missing (a controller not
/// enabled for the unit) or, for rates, on the unit's first sample.
public struct UnitUsage: Sendable, Codable, Equatable {
    /// The unit's name ("nginx.service"), or its cgroup path where two units share a name (a
    /// system unit and a user manager's unit both called app.service).
    public var unit: String
    /// The cgroup path below the mount ("system.slice/nginx.service").
    public var cgroup: String
    /// True when no unit is below it (services and scopes; not slices or user managers with units).
    public var leaf: Bool
    /// CPU used over the last interval, in percent of the host's CPU time (all cores = 100).
    public var cpuPercent: Double?
    /// Cumulative CPU time (cpu.stat usage_usec).
    public var cpuMicros: Double?
    public var memoryBytes: Double?
    /// memory.max, else memory.high; nil when neither is set.
    public var memoryLimitBytes: Double?
    /// "MemoryMax" or "MemoryHigh": which limit `memoryLimitBytes` is.
    public var memoryLimitKind: String?
    public var swapBytes: Double?
    /// memory.events oom_kill, cumulative since the cgroup was made.
    public var oomKills: Double?
    /// OOM kills since the previous read of memory.events.
    public var oomKillsDelta: Double?
    public var ioReadBytesPerSecond: Double?
    public var ioWriteBytesPerSecond: Double?
    public var ioOpsPerSecond: Double?
    /// some avg60 of cpu.pressure, memory.pressure, io.pressure.
    public var cpuPressure: Double?
    public var memoryPressure: Double?
    public var ioPressure: Double?
    /// For a unit using at least 5 % of the host's CPU: its busiest processes, largest first.
    public var topProcesses: [UnitProcess]?

    public init(unit: String, cgroup: String, leaf: Bool) {
        self.unit = unit
        self.cgroup = cgroup
        self.leaf = leaf
    }

    enum CodingKeys: String, CodingKey {
        case unit, cgroup, leaf
        case cpuPercent = "cpu_percent"
        case cpuMicros = "cpu_usec"
        case memoryBytes = "memory_bytes"
        case memoryLimitBytes = "memory_limit_bytes"
        case memoryLimitKind = "memory_limit"
        case swapBytes = "swap_bytes"
        case oomKills = "oom_kills"
        case oomKillsDelta = "oom_kills_delta"
        case ioReadBytesPerSecond = "io_read_bytes_per_second"
        case ioWriteBytesPerSecond = "io_write_bytes_per_second"
        case ioOpsPerSecond = "io_ops_per_second"
        case cpuPressure = "cpu_pressure_avg60"
        case memoryPressure = "memory_pressure_avg60"
        case ioPressure = "io_pressure_avg60"
        case topProcesses = "top_processes"
    }
}

/// A process inside a busy unit, with its share of the host's CPU over the last interval.
public struct UnitProcess: Sendable, Codable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var name: String
    public var cpuPercent: Double

    public init(pid: Int32, name: String, cpuPercent: Double) {
        self.pid = pid
        self.name = name
        self.cpuPercent = cpuPercent
    }

    /// "postgres (pid 812) 40%".
    public var description: String { "\(name) (pid \(pid)) \(Units.formatDecimal(cpuPercent, places: 0))%" }

    enum CodingKeys: String, CodingKey {
        case pid, name
        case cpuPercent = "cpu_percent"
    }
}
