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
