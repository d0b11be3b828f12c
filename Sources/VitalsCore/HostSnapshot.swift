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
    /// What each systemd unit uses (cgroup v2); nil when the sampler failed.
    public var units: UnitStats?
    /// How each sampler fared in this cycle.
    public var samplers: [SamplerReport]

    public init(timestamp: Double, cycle: UInt64) {
        self.timestamp = timestamp
        self.cycle = cycle
        self.samplers = []
    }

    enum CodingKeys: String, CodingKey {
        case timestamp, cycle, cpu, memory, disks, load, pressure, units, samplers
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
