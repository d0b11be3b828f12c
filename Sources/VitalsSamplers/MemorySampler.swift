import Synchronization
public import VitalsCore
public import VitalsProcFS

/// Memory and swap from /proc/meminfo, swap-in rate and OOM kills from /proc/vmstat.
public final class MemorySampler: Sampler {
    public let name = "memory"
    private let proc: ProcFSHandle
    private let previous = Mutex<(VMStat, ContinuousClock.Instant)?>(nil)
    private let files = KeptFiles()
    private let vmstat: CycleVMStat

    /// `vmstat` is shared with the units sampler: one read of /proc/vmstat a cycle.
    public init(proc: ProcFSHandle, vmstat: CycleVMStat = CycleVMStat()) {
        self.proc = proc
        self.vmstat = vmstat
    }

    public func sample(at instant: ContinuousClock.Instant) async throws -> SamplerOutput {
        let fs = proc.procfs
        let mem = try files.read(fs, "meminfo") { b in try MemInfo(bytes: b) }
        let vm = try vmstat.read(fs, at: instant)
        let old = previous.withLock { p in
            defer { p = (vm, instant) }
            return p
        }
        return .family(\.memory, Self.stats(mem, vm, previous: old.map { ($0.0, $0.1.duration(to: instant)) }))
    }

    /// Builds the figures from one reading and, for rates, the previous vmstat and the time since (pure).
    public static func stats(_ mem: MemInfo, _ vm: VMStat, previous: (VMStat, Duration)?) -> MemoryStats {
        let avail = mem.available
        let swap: Reading =
            mem.swapTotal > 0
            ? .value((mem.swapTotal - mem.swapFree) / mem.swapTotal * 100)
            : .notApplicable("not applicable: no swap configured")
        var swapIn = Reading.unknown("first sample: rate needs two readings")
        var oomDelta = Reading.unknown("first sample: needs two readings")
        if let (old, elapsed) = previous {
            let seconds = elapsed.seconds
            if seconds > 0 {
                swapIn = .value(vm.pswpin >= old.pswpin ? Double(vm.pswpin - old.pswpin) / seconds : 0)
            }
            if let now = vm.oomKill {
                oomDelta = .value(now >= (old.oomKill ?? now) ? Double(now - (old.oomKill ?? now)) : 0)
            }
        }
        return MemoryStats(
            totalBytes: mem.total, availableBytes: avail.bytes, availableEstimated: avail.estimated,
            swapTotalBytes: mem.swapTotal, swapUsedPercent: swap, swapInPagesPerSecond: swapIn,
            oomKills: vm.oomKill.map { Double($0) }, oomKillsDelta: oomDelta)
    }
}
