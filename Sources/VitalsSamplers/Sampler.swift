public import VitalsCore

/// What one sampler contributes to a snapshot.
public enum SamplerOutput: Sendable {
    case cpu(CPUStats)
    case memory(MemoryStats)
    case disks([DiskStats])
    case fileHandles(FileHandleStats)
    case load(LoadStats)
    case pressure(PressureStats)
    /// Nothing to report this cycle; not a failure.
    case noData
}

/// One metric family. `sample(at:)` reads its files and returns the family's figures; a thrown
/// error names the file and what was wrong with it. Samplers that compute rates keep the previous
/// reading themselves.
public protocol Sampler: Sendable {
    /// A short stable name: "cpu", "memory", "disk", "file_handles", "load", "pressure".
    var name: String { get }
    /// Takes one sample; `instant` is the cycle's monotonic time (for rates).
    func sample(at instant: ContinuousClock.Instant) async throws -> SamplerOutput
    /// Takes up a new configuration after a reload (most samplers have nothing to change).
    func apply(_ config: Config)
}

extension Sampler {
    public func apply(_ config: Config) {}
}

/// The standard samplers, in the order a cycle runs them.
public func standardSamplers(config: Config, proc: ProcFSHandle, statvfs: StatvfsWorker = StatvfsWorker()) -> [any Sampler] {
    [
        CPUSampler(proc: proc),
        MemorySampler(proc: proc),
        LoadSampler(proc: proc),
        PressureSampler(proc: proc),
        FileHandleSampler(proc: proc, top: config.fileHandles.topProcesses),
        DiskSampler(proc: proc, config: config, worker: statvfs),
    ]
}
