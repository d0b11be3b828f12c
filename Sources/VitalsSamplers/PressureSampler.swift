import VitalsCore
import VitalsProcFS

/// PSI from /proc/pressure/{cpu,memory,io}; "not available" on kernels without it.
public struct PressureSampler: Sampler {
    public let name = "pressure"
    private let proc: ProcFSHandle

    public init(proc: ProcFSHandle) { self.proc = proc }

    public func sample(at instant: ContinuousClock.Instant) async throws -> SamplerOutput {
        let fs = proc.procfs
        guard fs.exists("pressure") else { return .family(\.pressure, PressureStats(available: false)) }
        func read(_ name: String) throws -> PressureResource? {
            let rel = "pressure/" + name
            guard fs.exists(rel) else { return nil }
            return try PressureResource(parsing: fs.text(rel), file: fs.path(rel))
        }
        do {
            return .family(\.pressure, PressureStats(available: true, cpu: try read("cpu"), memory: try read("memory"), io: try read("io")))
        } catch let e as VitalsError where Syscalls.isNotSupported(e) {
            // EOPNOTSUPP: the files exist but PSI is switched off (psi=0 on the kernel command line).
            return .family(\.pressure, PressureStats(available: false))
        }
    }
}
