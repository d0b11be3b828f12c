import VitalsCore
import VitalsProcFS

/// Load averages from /proc/loadavg. The per-core figures divide by the online cores the CPU
/// sampler counted in the same cycle (`HostSnapshot.finish`).
public struct LoadSampler: Sampler {
    public let name = "load"
    private let proc: ProcFSHandle
    private let files = KeptFiles()

    public init(proc: ProcFSHandle) { self.proc = proc }

    public func sample(at instant: ContinuousClock.Instant) async throws -> SamplerOutput {
        let l = try files.read(proc.procfs, "loadavg") { b in try LoadAvg(bytes: b) }
        return .family(\.load, LoadStats(load1: l.load1, load5: l.load5, load15: l.load15, cores: 1))
    }
}
