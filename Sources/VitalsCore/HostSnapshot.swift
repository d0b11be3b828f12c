/// Everything one sampling cycle measured about the host. Families a sampler could not read are
/// nil, with the reason in `samplers`.
public struct HostSnapshot: Sendable, Codable, Equatable {
    /// Seconds since the Unix epoch when the cycle started (for display only; logic uses the
    /// monotonic clock).
    public var timestamp: Double
    /// Sequence number of the cycle, counting from 1 at agent start.
    public var cycle: UInt64
    public var cpu: CPUStats?
    public var memory: MemoryStats?
    public var disks: [DiskStats]?
    public var fileHandles: FileHandleStats?
    public var load: LoadStats?
    public var pressure: PressureStats?
    /// How each sampler fared in this cycle.
    public var samplers: [SamplerReport]

    public init(timestamp: Double, cycle: UInt64) {
        self.timestamp = timestamp
        self.cycle = cycle
        self.samplers = []
    }

    enum CodingKeys: String, CodingKey {
        case timestamp, cycle, cpu, memory, disks, load, pressure, samplers
        case fileHandles = "file_handles"
    }
}

/// The outcome of one sampler in one cycle.
public struct SamplerReport: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case ok
        case noData = "no_data"
        case failed
    }
    public var name: String
    public var outcome: Outcome
    /// Wall time the sampler took, in microseconds.
    public var durationMicros: Int64
    /// What went wrong, naming the file and the reason; nil when it succeeded.
    public var error: String?

    public init(name: String, outcome: Outcome, durationMicros: Int64, error: String? = nil) {
        self.name = name
        self.outcome = outcome
        self.durationMicros = durationMicros
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case name, outcome, error
        case durationMicros = "duration_us"
    }
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

/// Memory and swap.
public struct MemoryStats: Sendable, Codable, Equatable {
    public var totalBytes: Double
    public var availableBytes: Double
    /// (MemTotal - MemAvailable) / MemTotal, in percent.
    public var usedPercent: Double
    /// True when the kernel has no MemAvailable and it was estimated as
    /// MemFree + Buffers + Cached + SReclaimable.
    public var availableEstimated: Bool
    public var swapTotalBytes: Double
    /// Swap used percent; `.notApplicable` on a host without swap.
    public var swapUsedPercent: Reading
    /// Pages swapped in per second over the last interval; unknown on the first sample.
    public var swapInPagesPerSecond: Reading
    /// The kernel's cumulative OOM-kill counter (/proc/vmstat oom_kill), when the kernel has one.
    public var oomKills: Double?
    /// OOM kills since the previous sample; unknown on the first sample.
    public var oomKillsDelta: Reading

    public init(
        totalBytes: Double, availableBytes: Double, availableEstimated: Bool, swapTotalBytes: Double,
        swapUsedPercent: Reading, swapInPagesPerSecond: Reading, oomKills: Double?, oomKillsDelta: Reading
    ) {
        self.totalBytes = totalBytes
        self.availableBytes = availableBytes
        self.usedPercent = totalBytes > 0 ? (totalBytes - availableBytes) / totalBytes * 100 : 0
        self.availableEstimated = availableEstimated
        self.swapTotalBytes = swapTotalBytes
        self.swapUsedPercent = swapUsedPercent
        self.swapInPagesPerSecond = swapInPagesPerSecond
        self.oomKills = oomKills
        self.oomKillsDelta = oomKillsDelta
    }

    enum CodingKeys: String, CodingKey {
        case totalBytes = "total_bytes"
        case availableBytes = "available_bytes"
        case usedPercent = "used_percent"
        case availableEstimated = "available_estimated"
        case swapTotalBytes = "swap_total_bytes"
        case swapUsedPercent = "swap_used_percent"
        case swapInPagesPerSecond = "swap_in_pages_per_second"
        case oomKills = "oom_kills"
        case oomKillsDelta = "oom_kills_delta"
    }
}

/// Space and inodes of one mounted filesystem.
public struct DiskStats: Sendable, Codable, Equatable {
    public var mountPoint: String
    public var device: String
    public var fsType: String
    /// Used percent with df's semantics: used / (used + available to unprivileged users).
    public var usedPercent: Reading
    public var sizeBytes: Double?
    public var usedBytes: Double?
    /// Bytes available to unprivileged users (df's "Avail").
    public var freeBytes: Double?
    /// Blocks reserved for root, in bytes.
    public var reservedBytes: Double?
    /// Inode used percent; `.notApplicable` where the filesystem has no inode limit (btrfs).
    public var inodesUsedPercent: Reading
    public var inodesTotal: Double?

    public init(mountPoint: String, device: String, fsType: String, usedPercent: Reading, inodesUsedPercent: Reading) {
        self.mountPoint = mountPoint
        self.device = device
        self.fsType = fsType
        self.usedPercent = usedPercent
        self.inodesUsedPercent = inodesUsedPercent
    }

    enum CodingKeys: String, CodingKey {
        case device
        case mountPoint = "mount_point"
        case fsType = "fs_type"
        case usedPercent = "used_percent"
        case sizeBytes = "size_bytes"
        case usedBytes = "used_bytes"
        case freeBytes = "free_bytes"
        case reservedBytes = "reserved_bytes"
        case inodesUsedPercent = "inodes_used_percent"
        case inodesTotal = "inodes_total"
    }
}

/// File handles: system-wide and the processes closest to their own limit.
public struct FileHandleStats: Sendable, Codable, Equatable {
    public var allocated: Double
    public var maximum: Double
    public var usedPercent: Double
    /// Processes with the highest open-fds / soft RLIMIT_NOFILE ratio, highest first.
    public var topProcesses: [ProcessFDs]
    /// vitals' own open descriptors.
    public var ownOpen: Int
    /// Processes whose fds could not be read (permission), so the top list may be partial.
    public var unreadableProcesses: Int
    /// False when the per-process scan is off (`file_handles.top_processes: 0`); nil means on.
    public var processScan: Bool?

    public init(
        allocated: Double, maximum: Double, topProcesses: [ProcessFDs], ownOpen: Int, unreadableProcesses: Int
    ) {
        self.allocated = allocated
        self.maximum = maximum
        self.usedPercent = maximum > 0 ? allocated / maximum * 100 : 0
        self.topProcesses = topProcesses
        self.ownOpen = ownOpen
        self.unreadableProcesses = unreadableProcesses
    }

    enum CodingKeys: String, CodingKey {
        case allocated, maximum
        case usedPercent = "used_percent"
        case topProcesses = "top_processes"
        case ownOpen = "own_open"
        case unreadableProcesses = "unreadable_processes"
        case processScan = "process_scan"
    }
}

/// One process's open descriptors against its soft limit.
public struct ProcessFDs: Sendable, Codable, Equatable {
    public var pid: Int32
    public var name: String
    public var open: Int
    public var limit: Double
    public var usedPercent: Double

    public init(pid: Int32, name: String, open: Int, limit: Double) {
        self.pid = pid
        self.name = name
        self.open = open
        self.limit = limit
        self.usedPercent = limit > 0 && limit.isFinite ? Double(open) / limit * 100 : 0
    }

    enum CodingKeys: String, CodingKey {
        case pid, name, open, limit
        case usedPercent = "used_percent"
    }
}

/// Load averages, raw and divided by the online core count.
public struct LoadStats: Sendable, Codable, Equatable {
    public var load1, load5, load15: Double
    /// Cores the per-core figures divide by (online cores, at least 1).
    public var cores: Int
    public var perCore1: Double { load1 / Double(cores) }
    public var perCore5: Double { load5 / Double(cores) }
    public var perCore15: Double { load15 / Double(cores) }

    public init(load1: Double, load5: Double, load15: Double, cores: Int) {
        self.load1 = load1
        self.load5 = load5
        self.load15 = load15
        self.cores = max(1, cores)
    }

    enum CodingKeys: String, CodingKey { case load1, load5, load15, cores, perCore1, perCore5, perCore15 }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(load1, forKey: .load1)
        try c.encode(load5, forKey: .load5)
        try c.encode(load15, forKey: .load15)
        try c.encode(cores, forKey: .cores)
        try c.encode(perCore1, forKey: .perCore1)
        try c.encode(perCore5, forKey: .perCore5)
        try c.encode(perCore15, forKey: .perCore15)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            load1: try c.decode(Double.self, forKey: .load1), load5: try c.decode(Double.self, forKey: .load5),
            load15: try c.decode(Double.self, forKey: .load15), cores: try c.decode(Int.self, forKey: .cores))
    }
}

/// Pressure stall information for cpu, memory and io; `available` is false where the kernel has
/// no /proc/pressure.
public struct PressureStats: Sendable, Codable, Equatable {
    public var available: Bool
    public var cpu: PressureResource?
    public var memory: PressureResource?
    public var io: PressureResource?

    public init(available: Bool, cpu: PressureResource? = nil, memory: PressureResource? = nil, io: PressureResource? = nil) {
        self.available = available
        self.cpu = cpu
        self.memory = memory
        self.io = io
    }
}

/// The `some` and `full` lines of one /proc/pressure file.
public struct PressureResource: Sendable, Codable, Equatable {
    public var some: PressureLine
    /// Absent for cpu on kernels before 5.13.
    public var full: PressureLine?

    public init(some: PressureLine, full: PressureLine?) {
        self.some = some
        self.full = full
    }
}

/// Share of time stalled, in percent, averaged over 10, 60 and 300 s; `total` in microseconds.
public struct PressureLine: Sendable, Codable, Equatable {
    public var avg10, avg60, avg300: Double
    public var totalMicros: Double

    public init(avg10: Double, avg60: Double, avg300: Double, totalMicros: Double) {
        self.avg10 = avg10
        self.avg60 = avg60
        self.avg300 = avg300
        self.totalMicros = totalMicros
    }

    enum CodingKeys: String, CodingKey {
        case avg10, avg60, avg300
        case totalMicros = "total_us"
    }
}
