import Synchronization
public import VitalsCore
public import VitalsProcFS

/// CPU usage per mode, total and per core, from two readings of /proc/stat. The first sample is
/// unknown; a core that comes online is unknown for one sample; when cores come or go the total is
/// summed over the cores present in both readings, so hotplug does not skew it.
public final class CPUSampler: Sampler {
    public let name = "cpu"
    private let proc: ProcFSHandle
    private let previous = Mutex<ProcStat?>(nil)
    private let files = KeptFiles()

    public init(proc: ProcFSHandle) { self.proc = proc }

    public func sample(at instant: ContinuousClock.Instant) async throws -> SamplerOutput {
        let stat = try files.read(proc.procfs, "stat") { b in try ProcStat(bytes: b) }
        let old = previous.withLock { p in
            defer { p = stat }
            return p
        }
        return .family(\.cpu, Self.usage(from: old, to: stat))
    }

    /// The usage between two readings (pure).
    public static func usage(from old: ProcStat?, to new: ProcStat) -> CPUStats {
        guard let old else {
            return CPUStats(
                onlineCores: new.cores.count, total: nil, cores: new.cores.map { CoreUsage(cpu: $0.cpu, modes: nil) },
                unknownReason: "first sample: usage needs two readings")
        }
        let before = Dictionary(old.cores.map { ($0.cpu, $0.times) }, uniquingKeysWith: { a, _ in a })
        var cores: [CoreUsage] = []
        var sumNew = CPUTimes()
        var sumOld = CPUTimes()
        for (cpu, times) in new.cores {
            guard let prev = before[cpu] else {
                cores.append(CoreUsage(cpu: cpu, modes: nil))
                continue
            }
            sumNew = sumNew + times
            sumOld = sumOld + prev
            cores.append(CoreUsage(cpu: cpu, modes: times.percent(since: prev)))
        }
        let sameCores = old.cores.map(\.cpu) == new.cores.map(\.cpu)
        let total = sameCores ? new.total.percent(since: old.total) : sumNew.percent(since: sumOld)
        return CPUStats(
            onlineCores: new.cores.count, total: total, cores: cores,
            unknownReason: total == nil ? "no CPU time passed between samples" : nil)
    }
}
