import VitalsCore
import VitalsProcFS

/// PSI from /proc/pressure/{cpu,memory,io}; "not available" on kernels without it.
public struct PressureSampler: Sampler {
    public let name = "pressure"
    private let proc: ProcFSHandle
    private let files = KeptFiles()

    public init(proc: ProcFSHandle) { self.proc = proc }

    public func sample(at instant: ContinuousClock.Instant) async throws -> SamplerOutput {
        let fs = proc.procfs
        do {
            let cpu = try resource(fs, "cpu")
            let memory = try resource(fs, "memory")
            let io = try resource(fs, "io")
            // No file at all: a kernel without PSI (before 4.20, or CONFIG_PSI off).
            guard cpu != nil || memory != nil || io != nil else { return .family(\.pressure, PressureStats(available: false)) }
            return .family(\.pressure, PressureStats(available: true, cpu: cpu, memory: memory, io: io))
        } catch let e as VitalsError where Syscalls.isNotSupported(e) {
            // EOPNOTSUPP: the files exist but PSI is switched off (psi=0 on the kernel command line).
            return .family(\.pressure, PressureStats(available: false))
        }
    }

    /// One pressure file, nil when the kernel does not have it.
    private func resource(_ fs: ProcFS, _ name: String) throws -> PressureResource? {
        let rel = "pressure/" + name
        let file = fs.path(rel)
        do {
            return try files.read(fs, rel) { try PressureResource(bytes: $0, file: file) }
        } catch let e as VitalsError where Syscalls.isNotFound(e) {
            return nil
        }
    }
}
