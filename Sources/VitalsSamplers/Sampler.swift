public import VitalsCore

/// What one sampler contributes to a snapshot: its family's figures, written at the family's
/// place in the snapshot (issue 16: a new family adds no case here and no branch to the cycle),
/// or nothing this cycle.
public struct SamplerOutput: Sendable {
    private let write: @Sendable (inout HostSnapshot) -> Void
    /// False for "nothing to report this cycle" (not a failure).
    public let hasData: Bool

    /// The family's figures, for `path` of the snapshot: `.family(\.cpu, stats)`.
    public static func family<T: Sendable>(_ path: WritableKeyPath<HostSnapshot, T?>, _ value: T) -> SamplerOutput {
        // A key path to a stored property is an immutable value; the compiler cannot see that.
        nonisolated(unsafe) let path = path
        return SamplerOutput(write: { $0[keyPath: path] = value }, hasData: true)
    }

    /// Nothing to report this cycle; not a failure.
    public static let noData = SamplerOutput(write: { _ in }, hasData: false)

    /// Writes the figures into `snapshot`.
    public func apply(to snapshot: inout HostSnapshot) { write(&snapshot) }
}

/// One metric family. `sample(at:)` reads its files and returns the family's figures; a thrown
/// error names the file and what was wrong with it. Samplers that compute rates keep the previous
/// reading themselves.
public protocol Sampler: Sendable {
    /// A short stable name: "cpu", "memory", "disk", "file_handles", "load", "pressure", "units".
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
    let vmstat = CycleVMStat()
    return [
        CPUSampler(proc: proc),
        MemorySampler(proc: proc, vmstat: vmstat),
        LoadSampler(proc: proc),
        PressureSampler(proc: proc),
        FileHandleSampler(proc: proc, config: config.fileHandles),
        DiskSampler(proc: proc, config: config, worker: statvfs),
        UnitSampler(config: config.units, proc: proc, vmstat: vmstat),
    ]
}
