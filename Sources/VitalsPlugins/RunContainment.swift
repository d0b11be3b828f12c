import CSpawn
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps every process a plugin run started from outliving the run (issue 14: a plugin running
/// `setsid sleep 300 &` left one orphan per run, which outlived the agent).
///
/// The process running plugins becomes a child subreaper (`PR_SET_CHILD_SUBREAPER`): whatever a
/// plugin leaves behind, in its process group or not (`setsid`, double forks), is reparented to it
/// instead of to init. After every run, `sweep` looks at the process's own children
/// (`/proc/self/task/*/children`: a few small files, no scan of /proc). A child that is not the
/// main process of a running plugin is an orphan; it was started during some run, and it is
/// killed (with SIGKILL) once no run that was already running when it started is still running,
/// so a run's helpers live as long as the run and no longer. Each run's environment carries
/// `VITALS_RUN=<n>`, which its descendants inherit: an orphan whose environment names a run that
/// has ended is killed at once even while other runs go on (the start-time rule decides only where
/// the environment cannot be read or was cleared). Orphans' own children are reparented in turn
/// and caught by the next round. Dead orphans are reaped.
public final class RunContainment: Sendable {
    /// The one instance: the subreaper setting belongs to the whole process.
    public static let shared = RunContainment()

    private struct State {
        var enabled = false
        /// Main pid of each running plugin: its start time in clock ticks since boot and its run.
        var running: [Int32: (start: UInt64, run: UInt64)] = [:]
        var nextRun: UInt64 = 1
        var killed: UInt64 = 0
    }

    private let state = Mutex(State())

    /// How many orphans were killed since the start.
    public var killedOrphans: UInt64 { state.withLock { $0.killed } }

    /// Becomes a child subreaper (once) and starts containing runs; false when the kernel refused.
    /// Only a process whose children are all plugin runs may call this (the agent, `vitals check`):
    /// the sweep kills and reaps every other child it finds.
    @discardableResult
    public func enable() -> Bool {
        state.withLock { s in
            if !s.enabled { s.enabled = vitals_set_child_subreaper() == 0 }
            return s.enabled
        }
    }

    /// Starts a plugin's main process with `spawn` (given the run's number for `VITALS_RUN`;
    /// returns its pid) and records it, both under the lock, so no sweep on another thread takes
    /// the new process for an orphan.
    func launch<E: Error>(_ spawn: (UInt64) -> Result<Int32, E>) -> Result<Int32, E> {
        state.withLock { s in
            let run = s.nextRun
            s.nextRun += 1
            let r = spawn(run)
            if s.enabled, case .success(let pid) = r { s.running[pid] = (Self.startTime(of: pid) ?? 0, run) }
            return r
        }
    }

    /// A plugin's main process was reaped: what its run left behind goes.
    func ended(_ pid: Int32) {
        state.withLock { _ = $0.running.removeValue(forKey: pid) }
        sweep()
    }

    /// Kills and reaps the orphans no running plugin can own; repeats while it finds some (their
    /// own children are reparented here as they die), at most 16 rounds.
    public func sweep() {
        state.withLock { s in
            guard s.enabled else { return }
            for round in 0..<16 {
                var acted = false
                for pid in Self.children() where s.running[pid] == nil {
                    guard let (stateChar, start) = Self.stat(of: pid) else { continue }
                    if stateChar == UInt8(ascii: "Z") {
                        var status: Int32 = 0
                        _ = waitpid(pid, &status, WNOHANG)
                        continue
                    }
                    if let run = Self.run(of: pid) {
                        // Its run is still going: it lives as long as the run.
                        if s.running.values.contains(where: { $0.run == run }) { continue }
                    } else if s.running.values.contains(where: { $0.start <= start }) {
                        // No mark: a run still running that began before it may own it.
                        continue
                    }
                    kill(pid, SIGKILL)
                    s.killed += 1
                    acted = true
                    // Reaped here when it dies at once; one stuck in the kernel (state D) is
                    // reaped by a later sweep instead of holding this one.
                    var status: Int32 = 0
                    for _ in 0..<50 where waitpid(pid, &status, WNOHANG) == 0 { usleep(1000) }
                }
                if !acted { break }
                if round > 0 { usleep(1000) }
            }
        }
    }

    /// The direct children of this process, from every thread's children list.
    static func children() -> [Int32] {
        var out: [Int32] = []
        for tid in numericEntries("/proc/self/task") {
            for token in read("/proc/self/task/\(tid)/children").split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }) {
                if let pid = Int32(String(decoding: token, as: UTF8.self)) { out.append(pid) }
            }
        }
        return out
    }

    /// The numeric names in a /proc directory (pids, thread ids).
    static func numericEntries(_ path: String) -> [Int32] {
        var out: [Int32] = []
        guard let dir = opendir(path) else { return out }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let n = Int32(name) { out.append(n) }
        }
        return out
    }

    /// State letter and start time (clock ticks since boot) from /proc/PID/stat.
    static func stat(of pid: Int32) -> (UInt8, UInt64)? {
        let bytes = read("/proc/\(pid)/stat")
        // The command may contain spaces and parentheses: fields start after the last ')'.
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] is the state (field 3); the start time is field 22, fields[19].
        guard fields.count > 19, let first = fields[0].first,
            let start = UInt64(String(decoding: fields[19], as: UTF8.self))
        else { return nil }
        return (first, start)
    }

    static func startTime(of pid: Int32) -> UInt64? { stat(of: pid)?.1 }

    /// The run named by `VITALS_RUN=` in the process's environment (readable for processes of
    /// the agent's own user, or by root), nil when unreadable or absent.
    static func run(of pid: Int32) -> UInt64? {
        let env = read("/proc/\(pid)/environ")
        let key = Array("VITALS_RUN=".utf8)
        for entry in env.split(separator: 0) where entry.starts(with: key) {
            return UInt64(String(decoding: entry.dropFirst(key.count), as: UTF8.self))
        }
        return nil
    }

    /// A small /proc file, read to its end (they have no size).
    static func read(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while out.count < 1 << 20 {
            let n = Glibc.read(fd, &buf, buf.count)
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }
}
