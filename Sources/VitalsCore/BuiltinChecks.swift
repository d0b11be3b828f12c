/// The checks vitals evaluates on every host, with the defaults an operator gets on a fresh install.
///
/// Defaults follow the anchors (shared/reference/anchors.md): Netdata's ram/swap/inode levels and
/// clear points, the node_exporter mixin's file-descriptor levels, Netdata/Zabbix-style free-space
/// floors for disks so a big disk does not page at a percentage with hundreds of GB free.
public enum BuiltinCheck: String, Sendable, CaseIterable {
    case cpu, memory, swap
    case swapIn = "swap_in"
    case oomKills = "oom_kills"
    case disk, inodes
    case fileHandles = "file_handles"
    case processFDs = "process_fds"
    case load
    case pressureCPU = "pressure_cpu"
    case pressureMemory = "pressure_memory"
    case pressureIO = "pressure_io"

    /// One line for docs and `config show`: what the value is.
    public var summary: String {
        switch self {
        case .cpu: "CPU busy % of all cores (100 - idle - iowait)"
        case .memory: "memory used %: (MemTotal - MemAvailable) / MemTotal"
        case .swap: "swap used % (not applicable without swap)"
        case .swapIn: "pages swapped in per second (off by default; set levels to enable)"
        case .oomKills: "OOM kills since the previous sample (warning holds 30m after the last kill)"
        case .disk: "disk space used % per mount, df semantics; a level also needs free space below its floor"
        case .inodes: "inodes used % per mount (filesystems with an inode limit)"
        case .fileHandles: "system-wide file handles allocated % of fs.file-max"
        case .processFDs: "open fds % of RLIMIT_NOFILE of the process closest to its limit"
        case .load: "15-minute load average per online core"
        case .pressureCPU: "PSI cpu some avg60 (% of time tasks waited for CPU)"
        case .pressureMemory: "PSI memory full avg60 (% of time all tasks stalled on memory)"
        case .pressureIO: "PSI io full avg60 (% of time all tasks stalled on io)"
        }
    }

    /// The default thresholds.
    public var defaultSpec: ThresholdSpec {
        let gib = 1_073_741_824.0
        switch self {
        case .cpu:
            return ThresholdSpec(
                warning: Level(trigger: 90, clear: 80), critical: Level(trigger: 98, clear: 90),
                raiseAfter: .duration(.seconds(300)), clearAfter: .duration(.seconds(120)))
        case .memory, .swap:
            return ThresholdSpec(
                warning: Level(trigger: 90, clear: 80), critical: Level(trigger: 98, clear: 90),
                raiseAfter: .samples(3), clearAfter: .samples(3))
        case .swapIn:
            return ThresholdSpec()
        case .oomKills:
            return ThresholdSpec(warning: Level(trigger: 0, clear: 0), clearAfter: .duration(.seconds(1800)))
        case .disk:
            return ThresholdSpec(
                warning: Level(trigger: 90, clear: 85, freeBelow: 20 * gib),
                critical: Level(trigger: 95, clear: 92, freeBelow: 5 * gib), raiseAfter: .samples(2),
                clearAfter: .samples(2))
        case .inodes:
            return ThresholdSpec(
                warning: Level(trigger: 90, clear: 80), critical: Level(trigger: 98, clear: 90), raiseAfter: .samples(2),
                clearAfter: .samples(2))
        case .fileHandles:
            return ThresholdSpec(
                warning: Level(trigger: 80, clear: 70), critical: Level(trigger: 90, clear: 85), raiseAfter: .samples(3),
                clearAfter: .samples(3))
        case .processFDs:
            return ThresholdSpec(
                warning: Level(trigger: 90, clear: 80), critical: Level(trigger: 98, clear: 95), raiseAfter: .samples(3),
                clearAfter: .samples(3))
        case .load:
            return ThresholdSpec(warning: Level(trigger: 2, clear: 1.75))
        case .pressureCPU:
            return ThresholdSpec(warning: Level(trigger: 80, clear: 60), raiseAfter: .samples(3), clearAfter: .samples(3))
        case .pressureMemory:
            return ThresholdSpec(
                warning: Level(trigger: 10, clear: 5), critical: Level(trigger: 25, clear: 15), raiseAfter: .samples(2),
                clearAfter: .samples(3))
        case .pressureIO:
            return ThresholdSpec(
                warning: Level(trigger: 20, clear: 10), critical: Level(trigger: 50, clear: 30), raiseAfter: .samples(3),
                clearAfter: .samples(3))
        }
    }

    /// Whether per-mount overrides (`thresholds.<check>.mounts`) apply.
    public var perMount: Bool { self == .disk || self == .inodes }
}

extension HostSnapshot {
    /// Everything the built-in checks evaluate, derived from this snapshot. A family that could not
    /// be sampled yields `unknown` observations carrying the sampler's error.
    public func observations() -> [Observation] {
        var out: [Observation] = []
        func failure(_ sampler: String) -> Reading {
            .unknown(samplers.first(where: { $0.name == sampler })?.error ?? "\(sampler) sampler produced no data")
        }

        out.append(Observation(check: "cpu", reading: cpu?.busy ?? failure("cpu"), subject: "cpu", quantity: "busy", unit: "%"))

        if let m = memory {
            out.append(
                Observation(
                    check: "memory", reading: .value(m.usedPercent), subject: "memory", quantity: "used", unit: "%",
                    detail: "\(Units.formatBytes(m.availableBytes)) available"))
            out.append(Observation(check: "swap", reading: m.swapUsedPercent, subject: "swap", quantity: "used", unit: "%"))
            out.append(
                Observation(check: "swap_in", reading: m.swapInPagesPerSecond, subject: "swap-in", quantity: "pages/s", unit: ""))
            out.append(
                Observation(
                    check: "oom_kills",
                    reading: m.oomKills == nil ? .notApplicable("kernel has no oom_kill counter") : m.oomKillsDelta,
                    subject: "OOM kills", quantity: "since last sample", unit: ""))
        } else {
            for (check, subject) in [("memory", "memory"), ("swap", "swap"), ("swap_in", "swap-in"), ("oom_kills", "OOM kills")] {
                out.append(Observation(check: check, reading: failure("memory"), subject: subject, quantity: "", unit: ""))
            }
        }

        for d in disks ?? [] {
            out.append(
                Observation(
                    check: "disk", resource: d.mountPoint, reading: d.usedPercent, freeBytes: d.freeBytes,
                    subject: "disk \(d.mountPoint)", quantity: "used", unit: "%",
                    detail: d.freeBytes.map { "\(Units.formatBytes($0)) free" }))
            out.append(
                Observation(
                    check: "inodes", resource: d.mountPoint, reading: d.inodesUsedPercent,
                    subject: "inodes \(d.mountPoint)", quantity: "used", unit: "%"))
        }

        if let f = fileHandles {
            out.append(
                Observation(
                    check: "file_handles", reading: .value(f.usedPercent), subject: "file handles", quantity: "used",
                    unit: "%",
                    detail: "\(Units.formatNumber(f.allocated)) of \(Units.formatNumber(f.maximum))"))
            if let top = f.topProcesses.first {
                out.append(
                    Observation(
                        check: "process_fds", reading: .value(top.usedPercent),
                        subject: "process \(top.name) (pid \(top.pid)) fds", quantity: "of its limit", unit: "%",
                        detail: "\(top.open) of \(Units.formatNumber(top.limit)) open"))
            } else if f.processScan == false {
                out.append(
                    Observation(
                        check: "process_fds",
                        reading: .notApplicable("not applicable: the per-process scan is off (file_handles.top_processes: 0)"),
                        subject: "process fds", quantity: "", unit: "%"))
            } else {
                out.append(
                    Observation(
                        check: "process_fds",
                        reading: .unknown(
                            "no process fd counts readable (\(f.unreadableProcesses) processes refused: run as root or with CAP_DAC_READ_SEARCH)"),
                        subject: "process fds", quantity: "", unit: "%"))
            }
        } else {
            out.append(Observation(check: "file_handles", reading: failure("file_handles"), subject: "file handles", quantity: "", unit: "%"))
            out.append(Observation(check: "process_fds", reading: failure("file_handles"), subject: "process fds", quantity: "", unit: "%"))
        }

        if let l = load {
            out.append(
                Observation(
                    check: "load", reading: .value(l.perCore15), subject: "load", quantity: "per core (15 min)", unit: "",
                    detail: "load \(Units.formatNumber(l.load1)) \(Units.formatNumber(l.load5)) \(Units.formatNumber(l.load15)) on \(l.cores) cores"))
        } else {
            out.append(Observation(check: "load", reading: failure("load"), subject: "load", quantity: "", unit: ""))
        }

        let psi: [(String, String, (PressureStats) -> Double?)] = [
            ("pressure_cpu", "cpu pressure (some avg60)", { $0.cpu?.some.avg60 }),
            ("pressure_memory", "memory pressure (full avg60)", { $0.memory?.full?.avg60 }),
            ("pressure_io", "io pressure (full avg60)", { $0.io?.full?.avg60 }),
        ]
        for (check, subject, pick) in psi {
            let reading: Reading
            if let p = pressure {
                if !p.available {
                    reading = .notApplicable("not available: kernel without /proc/pressure (PSI)")
                } else if let v = pick(p) {
                    reading = .value(v)
                } else {
                    reading = .unknown("line missing in /proc/pressure")
                }
            } else {
                reading = failure("pressure")
            }
            out.append(Observation(check: check, reading: reading, subject: subject, quantity: "stalled", unit: "%"))
        }
        return out
    }
}
