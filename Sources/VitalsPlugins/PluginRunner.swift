import CSpawn
public import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// Resource limits a plugin runs under.
public struct PluginLimits: Sendable, Equatable {
    /// CPU seconds (RLIMIT_CPU; the kernel sends SIGXCPU, then SIGKILL).
    public var cpuSeconds: Int = 30
    /// Address space (RLIMIT_AS).
    public var addressSpace: Int = 1 << 30
    /// Open files (RLIMIT_NOFILE).
    public var openFiles: Int = 256
    /// Largest file it may write (RLIMIT_FSIZE).
    public var fileSize: Int = 64 << 20
    /// Processes it may start, beyond the tasks its user already has (RLIMIT_NPROC counts every
    /// task of the user): a fork bomb stops here, and the agent's own threads keep room under
    /// the unit's TasksMax= (issue 14: one made 1000 processes per run).
    public var processes: Int = 32

    public init() {}
}

/// One plugin execution to carry out.
public struct PluginInvocation: Sendable {
    public var argv: [String]
    /// The whole environment the plugin sees.
    public var environment: [String: String]
    public var timeout: Duration
    /// After SIGTERM to the group at the timeout, SIGKILL follows after this.
    public var killGrace: Duration = .seconds(1)
    public var limits = PluginLimits()
    /// Run as this user and group; nil keeps the agent's.
    public var user: (uid: UInt32, gid: UInt32)?
    /// A directory the plugin cannot write.
    public var workingDirectory = "/"

    public init(argv: [String], environment: [String: String], timeout: Duration, user: (uid: UInt32, gid: UInt32)? = nil) {
        self.argv = argv
        self.environment = environment
        self.timeout = timeout
        self.user = user
    }
}

/// What one execution produced.
public struct PluginRun: Sendable {
    /// The plugin's process id (0 when it did not start); it has been reaped when `run` returns.
    public var pid: Int32 = 0
    public var exit: PluginExit
    /// The first `PluginRunner.outputCap` bytes of stdout.
    public var stdout: [UInt8]
    /// Bytes of stdout beyond the cap, read and dropped.
    public var truncatedBytes: Int
    /// The first KiB of stderr (the protocol ignores it; it helps explain an unknown).
    public var stderr: [UInt8]
    public var duration: Duration

    /// The run read as the monitoring-plugins protocol; for an unknown state, stderr's first line
    /// joins the message when stdout said nothing.
    public var result: PluginResult {
        var r = PluginOutput.parse(stdout, exit: exit, truncatedBytes: truncatedBytes)
        if r.severity == .unknown, stdout.isEmpty, let line = PluginOutput.parse(stderr, exit: .exited(0)).message.split(separator: "\n").first,
            line != "(no output)"
        {
            r.message += "; stderr: \(line)"
        }
        return r
    }
}

/// Runs one plugin to completion on the calling thread (blocking; the scheduler calls it from its
/// own threads, never from the event loop or the sampling loop).
///
/// The plugin gets a process group of its own, stdin from /dev/null, a clean environment, the
/// limits, no capabilities and no way to gain any, and `/` as its working directory. Its stdout is
/// read as it comes: the first 8 KiB are kept, the rest is drained and counted, so 100 MB of
/// output costs no memory. At the timeout the whole group gets SIGTERM, then SIGKILL after the
/// grace; the plugin is always reaped, and the pipes are closed even when an escaped grandchild
/// still holds them.
public enum PluginRunner {
    /// Nagios' MAX_PLUGIN_OUTPUT_LENGTH.
    public static let outputCap = 8192
    static let stderrCap = 1024

    public static func run(_ inv: PluginInvocation) -> PluginRun {
        let clock = ContinuousClock()
        let start = clock.now
        func notStarted(_ why: String) -> PluginRun {
            PluginRun(exit: .notStarted(why), stdout: [], truncatedBytes: 0, stderr: [], duration: start.duration(to: clock.now))
        }
        guard let path = inv.argv.first, path.hasPrefix("/") else {
            return notStarted("the command must start with an absolute path, e.g. [/usr/lib/nagios/plugins/check_load, -w, 4]")
        }
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        guard vitals_pipe_cloexec(&out) == 0 else { return notStarted("cannot create a pipe: \(String(cString: strerror(errno)))") }
        guard vitals_pipe_cloexec(&err) == 0 else {
            close(out[0])
            close(out[1])
            return notStarted("cannot create a pipe: \(String(cString: strerror(errno)))")
        }

        let pid = RunContainment.shared.launch { run in
            var marked = inv
            marked.environment["VITALS_RUN"] = "\(run)"
            return spawn(marked, path: path, stdout: out[1], stderr: err[1])
        }
        close(out[1])
        close(err[1])
        guard case .success(let child) = pid else {
            close(out[0])
            close(err[0])
            if case .failure(let why) = pid { return notStarted(why.text) }
            return notStarted("cannot start \(path)")
        }
        // Reaped below; then whatever the run left behind is killed (setsid'd descendants included).
        defer { RunContainment.shared.ended(child) }

        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        stdout.reserveCapacity(outputCap)
        var dropped = 0
        var scratch = [UInt8](repeating: 0, count: 65536)
        // stdout, stderr, and (where the kernel has pidfds) the process itself: poll wakes up
        // for output and for the exit alike.
        let pidfd = vitals_pidfd_open(child)
        var fds = [
            pollfd(fd: out[0], events: Int16(POLLIN), revents: 0), pollfd(fd: err[0], events: Int16(POLLIN), revents: 0),
            pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0),
        ]
        defer { if pidfd >= 0 { close(pidfd) } }
        let deadline = start.advanced(by: inv.timeout)
        var status: Int32 = 0
        var exited = false
        var timedOut = false
        var killAt: ContinuousClock.Instant?
        var backoff: Int32 = 1

        /// Reads what is there; returns false at EOF.
        func drain(_ i: Int) -> Bool {
            let n = read(fds[i].fd, &scratch, scratch.count)
            if n < 0 { return errno == EINTR || errno == EAGAIN }
            if n == 0 { return false }
            if i == 0 {
                let keep = min(n, outputCap - stdout.count)
                if keep > 0 { stdout.append(contentsOf: scratch[0..<keep]) }
                dropped += n - keep
            } else {
                let keep = min(n, stderrCap - stderr.count)
                if keep > 0 { stderr.append(contentsOf: scratch[0..<keep]) }
            }
            return true
        }
        func closePipes() {
            for i in 0..<2 where fds[i].fd >= 0 {
                close(fds[i].fd)
                fds[i].fd = -1
            }
        }

        while true {
            let now = clock.now
            if !exited, waitpid(child, &status, WNOHANG) == child {
                exited = true
                fds[2].fd = -1  // nothing more to hear from the pidfd (closed by the defer)
            }
            let pipesOpen = fds[0].fd >= 0 || fds[1].fd >= 0
            if exited && !pipesOpen { break }
            if !timedOut && now >= deadline {
                timedOut = true
                kill(-child, SIGTERM)
                killAt = now.advanced(by: inv.killGrace)
            }
            if let k = killAt, now >= k {
                kill(-child, SIGKILL)
                killAt = nil
                if !exited {
                    while waitpid(child, &status, 0) < 0 && errno == EINTR {}
                    exited = true
                }
                // Whoever still holds the pipes after SIGKILL to the group has left it: stop reading.
                closePipes()
                break
            }
            let next = killAt ?? deadline
            var waitMs = max(1, Int32(min(1e9, now.duration(to: next).seconds * 1000)))
            if !exited && pidfd < 0 {
                // No pidfd: look at the child again soon, backing off from 1 ms to 50 ms.
                waitMs = min(waitMs, backoff)
                backoff = min(backoff * 2, 50)
            }
            let ready = poll(&fds, nfds_t(fds.count), waitMs)
            if ready < 0 && errno != EINTR { break }
            for i in 0..<2 where fds[i].fd >= 0 && fds[i].revents != 0 {
                if !drain(i) {
                    close(fds[i].fd)
                    fds[i].fd = -1
                }
                fds[i].revents = 0
            }
            fds[2].revents = 0
        }
        closePipes()
        if !exited { while waitpid(child, &status, 0) < 0 && errno == EINTR {} }

        let exit: PluginExit
        if timedOut {
            exit = .timedOut(inv.timeout)
        } else if status & 0x7F == 0 {
            exit = .exited((status >> 8) & 0xFF)
        } else {
            exit = .signaled(status & 0x7F)
        }
        return PluginRun(
            pid: child, exit: exit, stdout: stdout, truncatedBytes: dropped, stderr: stderr, duration: start.duration(to: clock.now))
    }

    private static func spawn(_ inv: PluginInvocation, path: String, stdout: Int32, stderr: Int32) -> Result<pid_t, SpawnError> {
        // C strings that live until the child has executed (vfork: the parent waits for that).
        let argv = inv.argv.map { strdup($0) } + [nil]
        let envp = inv.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var failedStep: UnsafePointer<CChar>?
        // ETXTBSY: someone holds the file open for writing (a package upgrade replacing it, or
        // another process's child between fork and exec that inherited such a descriptor). It
        // passes within milliseconds; try again a few times before calling it a failure.
        var attempt = 0
        var pid: pid_t = 0
        repeat {
            if attempt > 0 { usleep(UInt32(5_000 * attempt)) }
            attempt += 1
            pid = spawnOnce(inv, path: path, argv: argv, envp: envp, stdout: stdout, stderr: stderr, failedStep: &failedStep)
        } while pid == -ETXTBSY && attempt < 5
        guard pid > 0 else {
            let step = failedStep.map { String(cString: $0) } ?? "spawn"
            let e = -pid
            let reason = String(cString: strerror(e))
            let hint: String
            switch (step, e) {
            case ("execve", ENOENT): hint = "\(path) does not exist (or its interpreter does not)"
            case ("execve", EACCES): hint = "\(path) is not executable by the plugin user"
            case ("execve", ENOEXEC): hint = "\(path) is not a program (a script needs a #! line)"
            default: hint = "\(step) failed for \(path)"
            }
            return .failure(SpawnError(text: "\(hint): \(reason)"))
        }
        return .success(pid)
    }

    private static func spawnOnce(
        _ inv: PluginInvocation, path: String, argv: [UnsafeMutablePointer<CChar>?], envp: [UnsafeMutablePointer<CChar>?], stdout: Int32,
        stderr: Int32, failedStep: inout UnsafePointer<CChar>?
    ) -> pid_t {
        var step: UnsafePointer<CChar>?
        defer { failedStep = step }
        return path.withCString { cPath in
            inv.workingDirectory.withCString { cwd in
                argv.withUnsafeBufferPointer { a in
                    envp.withUnsafeBufferPointer { e in
                        var o = vitals_spawn_options()
                        o.path = cPath
                        o.argv = UnsafePointer(a.baseAddress)
                        o.envp = UnsafePointer(e.baseAddress)
                        o.cwd = cwd
                        o.stdout_fd = stdout
                        o.stderr_fd = stderr
                        o.cpu_seconds = Int64(inv.limits.cpuSeconds)
                        o.address_space = Int64(inv.limits.addressSpace)
                        o.open_files = Int64(inv.limits.openFiles)
                        o.file_size = Int64(inv.limits.fileSize)
                        o.processes = Int64(inv.limits.processes + Self.tasks(ofUser: inv.user?.uid ?? geteuid()))
                        if let u = inv.user {
                            o.change_user = 1
                            o.uid = u.uid
                            o.gid = u.gid
                        }
                        return vitals_spawn(&o, &step)
                    }
                }
            }
        }
    }

    /// How many tasks the user has now, the base of RLIMIT_NPROC: this process's threads when the
    /// plugin runs as the agent's own user, else the user's processes (one stat of /proc/PID
    /// each: its owner is the process's user; no file is read).
    static func tasks(ofUser uid: UInt32) -> Int {
        if uid == geteuid() {
            let status = String(decoding: RunContainment.read("/proc/self/status"), as: UTF8.self)
            for line in status.split(separator: "\n") where line.hasPrefix("Threads:") {
                return Int(line.dropFirst(8).drop(while: { $0 == " " || $0 == "\t" })) ?? 16
            }
            return 16
        }
        var st = stat()
        return RunContainment.numericEntries("/proc").count { stat("/proc/\($0)", &st) == 0 && st.st_uid == uid }
    }

    struct SpawnError: Error {
        var text: String
    }
}

extension PluginInvocation {
    /// The search path plugins see.
    public static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// How a configured check runs: its argv and timeout, an environment of PATH, LC_ALL=C (the
    /// protocol's text is parsed) and the allow-listed variables from `agentEnvironment`, as its
    /// user: the one configured, else `nobody` when the agent is root. Throws when that user does
    /// not exist.
    public init(_ check: CheckDefinition, agentEnvironment: [String: String]) throws(VitalsError) {
        var env = ["PATH": Self.path, "LC_ALL": "C"]
        for name in check.environment { if let v = agentEnvironment[name] { env[name] = v } }
        self.init(argv: check.command, environment: env, timeout: check.timeout)
        try runAs(check.user, what: "check \(check.name)", source: check.source)
    }

    /// Sets the user to run as: `name`, else `nobody` when the agent is root (else the agent's
    /// own). Throws, naming `what` and where to fix it, when that user does not exist.
    public mutating func runAs(_ name: String?, what: String, source: String) throws(VitalsError) {
        guard let name = name ?? (geteuid() == 0 ? "nobody" : nil) else { return }
        guard let pw = getpwnam(name) else {
            throw VitalsError(.config, "\(what): no user named \(name) to run it as; create it or set user: in \(source)")
        }
        if pw.pointee.pw_uid != geteuid() { user = (pw.pointee.pw_uid, pw.pointee.pw_gid) }
    }
}
