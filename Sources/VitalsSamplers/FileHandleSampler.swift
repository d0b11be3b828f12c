import Synchronization
public import VitalsCore
import VitalsProcFS

/// File handles: system-wide allocated/max from /proc/sys/fs/file-nr, the processes closest to
/// their RLIMIT_NOFILE (open entries of /proc/PID/fd against /proc/PID/limits), and vitals' own count.
/// Processes whose fd directory is not readable (other users' when not root) are counted, not guessed.
public final class FileHandleSampler: Sampler {
    public let name = "file_handles"
    private let proc: ProcFSHandle
    private let top: Mutex<Int>
    private let buffer = Mutex<[UInt8]>([])

    public init(proc: ProcFSHandle, top: Int) {
        self.proc = proc
        self.top = Mutex(top)
    }

    public func apply(_ config: Config) { top.withLock { $0 = config.fileHandles.topProcesses } }

    public func sample(at instant: ContinuousClock.Instant) async throws -> SamplerOutput {
        let fs = proc.procfs
        let nr = try FileNR(parsing: fs.text("sys/fs/file-nr"))
        let limit = top.withLock { $0 }
        var candidates: [ProcessFDs] = []
        var unreadable = 0
        if limit > 0 {
            let pids = try Syscalls.listNumericEntries(fs.root)
            buffer.withLock { buf in
                for pid in pids {
                    let open: Int
                    do {
                        open = try Syscalls.countEntries(fs.path("\(pid)/fd"))
                    } catch let e as VitalsError {
                        if Syscalls.isPermissionError(e) { unreadable += 1 }
                        continue
                    } catch {
                        continue
                    }
                    guard let bytes = try? fs.bytes("\(pid)/limits", buffer: &buf),
                        let lim = try? OpenFilesLimit(bytes: bytes)
                    else { continue }
                    candidates.append(ProcessFDs(pid: pid, name: "", open: open, limit: lim.soft))
                }
            }
        }
        candidates.sort { ($0.usedPercent, $0.open) > ($1.usedPercent, $1.open) }
        var topList = Array(candidates.prefix(limit))
        for i in topList.indices {
            let comm = (try? fs.text("\(topList[i].pid)/comm")) ?? "?"
            topList[i].name = String(comm.split(separator: "\n").first ?? "?")
        }
        let own = (try? Syscalls.countEntries(fs.path("self/fd"))) ?? 0
        var stats = FileHandleStats(
            allocated: Double(nr.allocated), maximum: Double(nr.maximum), topProcesses: topList, ownOpen: own,
            unreadableProcesses: unreadable)
        if limit == 0 { stats.processScan = false }
        return .family(\.fileHandles, stats)
    }
}
