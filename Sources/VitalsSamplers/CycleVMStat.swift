import Synchronization
public import VitalsCore
public import VitalsProcFS

/// /proc/vmstat read once per cycle for every sampler that needs it: the memory sampler (swap-in
/// rate, OOM kills) and the units sampler (an OOM kill brings the units' details forward). The
/// kernel builds its 180 lines anew on each read; one read and one parse a cycle instead of two
/// (issue 17).
public final class CycleVMStat: Sendable {
    private let files = KeptFiles()
    private let last = Mutex<(root: String, at: ContinuousClock.Instant, reading: VMStat)?>(nil)

    public init() {}

    /// The reading for the cycle at `instant`: taken now by the first caller, kept for the others.
    public func read(_ fs: ProcFS, at instant: ContinuousClock.Instant) throws -> VMStat {
        if let l = last.withLock({ $0 }), l.at == instant, l.root == fs.root { return l.reading }
        let vm = try files.read(fs, "vmstat") { b in try VMStat(bytes: b) }
        last.withLock { $0 = (fs.root, instant, vm) }
        return vm
    }
}
