import Synchronization
public import VitalsCore
import VitalsProcFS

/// File handles: system-wide allocated/max from /proc/sys/fs/file-nr, the processes closest to
/// their RLIMIT_NOFILE, and vitals' own count.
///
/// Every process is scanned once per `file_handles.scan_interval` (30 s by default, or every
/// cycle when the sampling interval is longer) by `ProcessScanner`, at one `fstatat` per process
/// with limits cached; in the cycles between, only the top processes are counted again, so their
/// figures stay current while the cost of the full scan, which grows with the host, is paid
/// less often. A process that nears its limit is found within one scan interval.
public final class FileHandleSampler: Sampler {
    public let name = "file_handles"
    private let proc: ProcFSHandle
    private let settings: Mutex<FileHandleConfig>
    private let state = Mutex(State())

    private struct State {
        var root = ""
        var scanner: ProcessScanner?
        var fileNR: KeptFile?
        var lastScan: ContinuousClock.Instant?
        var top: [ProcessFDs] = []
        var unreadable = 0
    }

    public init(proc: ProcFSHandle, config: FileHandleConfig) {
        self.proc = proc
        self.settings = Mutex(config)
    }

    /// A sampler that scans every cycle (tests).
    public convenience init(proc: ProcFSHandle, top: Int) {
        var c = FileHandleConfig()
        c.topProcesses = top
        c.scanInterval = .zero
        self.init(proc: proc, config: c)
    }

    public func apply(_ config: Config) {
        settings.withLock { $0 = config.fileHandles }
        state.withLock { $0.lastScan = nil }
    }

    public func sample(at instant: ContinuousClock.Instant) async throws -> SamplerOutput {
        let fs = proc.procfs
        let config = settings.withLock { $0 }
        return try state.withLock { s throws -> SamplerOutput in
            if s.root != fs.root || s.scanner == nil || s.fileNR == nil {
                s = State()
                s.root = fs.root
                s.scanner = ProcessScanner(root: fs.root)
                s.fileNR = KeptFile(fs.path("sys/fs/file-nr"))
            }
            let nr = try s.fileNR!.read { try FileNR(bytes: $0) }
            let scanner = s.scanner!
            let limit = config.topProcesses
            if limit > 0 {
                // 500 ms of slack: a scan due at this tick is not put off a whole cycle by jitter.
                var due = s.lastScan.map { $0.duration(to: instant) >= config.scanInterval - .milliseconds(500) } ?? true
                if !due {
                    let again = scanner.remeasure(s.top)
                    // Every process of the last top list has exited (a busy host's short-lived
                    // ones): scan now rather than report none, which would make process_fds unknown.
                    if again.isEmpty && !s.top.isEmpty { due = true } else { s.top = again }
                }
                if due {
                    let (found, summary) = try scanner.scan(top: limit)
                    s.top = scanner.names(found)
                    s.unreadable = summary.unreadable
                    s.lastScan = instant
                }
            } else {
                s.top = []
            }
            var stats = FileHandleStats(
                allocated: Double(nr.allocated), maximum: Double(nr.maximum), topProcesses: s.top,
                ownOpen: scanner.ownCount(), unreadableProcesses: s.unreadable)
            if limit == 0 { stats.processScan = false }
            stats.fdCountMethod = scanner.method?.rawValue
            return .family(\.fileHandles, stats)
        }
    }
}
