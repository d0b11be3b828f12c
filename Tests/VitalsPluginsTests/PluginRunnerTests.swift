import Foundation
import Testing
import VitalsCore
import VitalsTestSupport

@testable import VitalsPlugins

/// The plugin runner against Debian's real monitoring-plugins and against scripts that misbehave.
@Suite(.offThePool) struct PluginRunnerTests {
    static let plugins = "/usr/lib/nagios/plugins"
    static let env = ["PATH": "/usr/bin:/bin", "LC_ALL": "C"]

    /// A directory for test scripts, removed by the caller.
    static func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-plugins-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return dir
    }

    /// Writes an executable shell script.
    static func script(_ dir: String, _ name: String, _ body: String, mode: Int = 0o755) throws -> String {
        let path = "\(dir)/\(name)"
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    static func run(_ argv: [String], timeout: Duration = .seconds(10), env: [String: String] = env) -> PluginRun {
        PluginRunner.run(PluginInvocation(argv: argv, environment: env, timeout: timeout))
    }

    // MARK: the real plugins

    @Test func realPluginsGiveTheirStatesAndPerfdata() throws {
        let load = Self.run(["\(Self.plugins)/check_load", "-w", "1000,1000,1000", "-c", "2000,2000,2000"]).result
        #expect(load.severity == .ok && load.message.hasPrefix("LOAD OK"), "\(load.message)")
        #expect(load.perfData.map(\.label) == ["load1", "load5", "load15"])
        #expect(load.perfData[0].critical == PluginRange(start: 0, end: 2000))

        let busy = Self.run(["\(Self.plugins)/check_load", "-w", "0,0,0", "-c", "1000,1000,1000"]).result
        #expect(busy.severity == .warning || busy.severity == .ok, "a load of exactly 0 is not above 0")

        for (code, severity) in [(0, Severity.ok), (1, .warning), (2, .critical), (3, .unknown)] {
            let r = Self.run(["\(Self.plugins)/check_dummy", "\(code)", "text \(code)"]).result
            #expect(r.severity == severity)
            #expect(r.message.hasSuffix("text \(code)"), "\(r.message)")
        }
        let bad = Self.run(["\(Self.plugins)/check_dummy", "7"]).result
        #expect(bad.severity == .unknown)

        let users = Self.run(["\(Self.plugins)/check_users", "-w", "1000", "-c", "2000"]).result
        #expect(users.severity == .ok && users.perfData.first?.label == "users", "\(users.message)")

        let procs = Self.run(["\(Self.plugins)/check_procs", "-w", "100000", "-c", "200000"]).result
        #expect(procs.severity == .ok && procs.perfData.first?.label == "procs", "\(procs.message)")
        let missing = Self.run(["\(Self.plugins)/check_procs", "-C", "vitals-no-such-daemon", "-c", "1:"]).result
        #expect(missing.severity == .critical, "\(missing.message)")

        let disk = Self.run(["\(Self.plugins)/check_disk", "-w", "0%", "-c", "0%", "-p", "/"]).result
        #expect(disk.severity == .ok, "\(disk.message)")
        #expect(disk.perfData.first?.label == "/" && disk.perfData.first?.unit == "B", "\(disk.perfData)")

        let swap = Self.run(["\(Self.plugins)/check_swap", "-n", "ok", "-w", "1%", "-c", "1%"]).result
        #expect(swap.severity == .ok, "\(swap.message)")

        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(FileManager.default.createFile(atPath: dir + "/fresh.log", contents: Data("x".utf8)))
        let age = Self.run(["\(Self.plugins)/check_file_age", "-w", "60", "-c", "120", "-f", dir + "/fresh.log"]).result
        #expect(age.severity == .ok, "\(age.message)")
        let gone = Self.run(["\(Self.plugins)/check_file_age", "-w", "60", "-c", "120", "-f", dir + "/missing.log"]).result
        #expect(gone.severity == .critical, "\(gone.message)")
    }

    // MARK: misbehaviour

    @Test func aHangingPluginWithAGrandchildHoldingItsStdoutIsKilledAtItsTimeout() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = try Self.script(dir, "hang", "sleep 300 &\necho \"grandchild $!\"\nsleep 300")
        let run = Self.run([p], timeout: .seconds(1))
        #expect(run.exit == .timedOut(.seconds(1)))
        #expect(run.result.severity == .unknown)
        #expect(
            run.result.message.hasPrefix("timed out after 1s; the plugin and its children were killed; output: grandchild "), "\(run.result.message)")
        #expect(run.duration < .seconds(5), "SIGTERM at 1 s reaches the whole group; took \(run.duration)")
        let grandchild = try #require(Int32(run.result.message.split(separator: " ").last ?? ""))
        // Reaped by us (the plugin) and by init (the grandchild): no process and no zombie left.
        var gone = false
        for _ in 0..<50 where !gone {
            gone = kill(grandchild, 0) != 0 && errno == ESRCH
            if !gone { usleep(100_000) }
        }
        #expect(gone, "grandchild \(grandchild) still exists: \((try? String(contentsOfFile: "/proc/\(grandchild)/stat", encoding: .utf8)) ?? "")")
        #expect(kill(run.pid, 0) != 0 && errno == ESRCH, "the plugin itself was reaped")
    }

    @Test func aHundredMegabytesOfOutputKeepEightKilobytes() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = try Self.script(dir, "flood", "echo 'FLOOD OK - lots|bytes=100000000B'\nhead -c 100000000 /dev/zero | tr '\\000' x\nexit 0")
        let run = Self.run([p], timeout: .seconds(60))
        #expect(run.exit == .exited(0))
        #expect(run.stdout.count == PluginRunner.outputCap)
        #expect(run.stdout.count + run.truncatedBytes == 100_000_000 + "FLOOD OK - lots|bytes=100000000B\n".utf8.count)
        let r = run.result
        #expect(r.severity == .ok)
        #expect(r.message.hasPrefix("FLOOD OK - lots [output truncated: "), "\(r.message.prefix(80))")
        #expect(r.perfData.first?.value == 100_000_000)
    }

    @Test func binaryGarbageOnStdoutIsReadSafely() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = try Self.script(dir, "garbage", "head -c 4096 /dev/urandom\nexit 1")
        let r = Self.run([p]).result
        #expect(r.severity == .warning)
        #expect(!r.message.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\t") || (0x7F...0x9F).contains($0.value) })
    }

    @Test func exitCodesSignalsAndStartFailuresAreUnknownWithTheReason() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let seven = Self.run([try Self.script(dir, "seven", "echo hello\nexit 7")]).result
        #expect(seven.severity == .unknown && seven.message.hasPrefix("exit code 7 is outside the plugin protocol"))
        let segv = Self.run([try Self.script(dir, "segv", "kill -SEGV $$")])
        #expect(segv.exit == .signaled(SIGSEGV))
        #expect(segv.result.message.hasPrefix("killed by signal 11 (SIGSEGV)"))
        let missing = Self.run([dir + "/nope"])
        #expect(missing.exit == .notStarted("\(dir)/nope does not exist (or its interpreter does not): No such file or directory"))
        let plain = try Self.script(dir, "plain", "exit 0", mode: 0o644)
        // Without any x bit execve refuses even root.
        #expect(Self.run([plain]).result.message.contains("is not executable"))
        let relative = Self.run(["check_load"])
        #expect(relative.result.message.hasPrefix("the command must start with an absolute path"))
        let stderrOnly = Self.run([try Self.script(dir, "err", "echo 'usage: bad option' >&2\nexit 3")]).result
        #expect(stderrOnly.message == "(no output); stderr: usage: bad option")
    }

    @Test func thePluginGetsACleanEnvironmentNoStdinItsOwnGroupAndItsLimits() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = try Self.script(
            dir, "inspect",
            """
            cat
            echo "OK - env=$(env | sort | tr '\\n' ,) cwd=$(pwd) nofile=$(ulimit -n) pgid=$(ps -o pgid= -p $$ | tr -d ' ') pid=$$ \
            caps=$(grep CapAmb /proc/self/status | tr -d '\\t')"
            """)
        let r = Self.run([p], env: ["PATH": "/usr/bin:/bin", "ONLY": "this"]).result
        #expect(r.severity == .ok, "\(r.message)")
        #expect(r.message.contains("env=ONLY=this,PATH=/usr/bin:/bin,PWD=/,"), "\(r.message)")
        #expect(r.message.contains("cwd=/ "))
        #expect(r.message.contains("nofile=256"))
        #expect(r.message.contains("caps=CapAmb:0000000000000000"))
        let pgid = r.message.split(separator: " ").first { $0.hasPrefix("pgid=") }?.dropFirst(5)
        let pid = r.message.split(separator: " ").first { $0.hasPrefix("pid=") }?.dropFirst(4)
        #expect(pgid != nil && pgid == pid, "its own process group: \(r.message)")
    }

    @Test(.enabled(if: getuid() == 0, "needs root: only root can run a plugin as another user"))
    func asRootItRunsAsTheUserItIsGiven() throws {
        let r = PluginRunner.run(PluginInvocation(argv: ["/usr/bin/id", "-u"], environment: Self.env, timeout: .seconds(5), user: (65534, 65534)))
        #expect(r.result.message == "65534")
    }

    // MARK: security

    @Test func debiansPluginsPassThePathCheck() throws {
        #expect(PluginSecurity.problem(with: "\(Self.plugins)/check_load") == nil, "Debian's plugins pass")
    }

    @Test(.enabled(if: getuid() == 0, "needs root: the refusals are about files root owns, and chown to another user"))
    func aPluginOthersCouldChangeIsRefusedWithThePathAndTheFix() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = try Self.script(dir, "groupw", "echo OK", mode: 0o775)
        #expect(PluginSecurity.problem(with: p) == "the plugin \(p) is writable by its group; refused (fix: chmod go-w \(p))")
        let refused = CheckExecutor.run(CheckDefinition(name: "g", command: [p], timeout: .seconds(1)), environment: [:]).result
        #expect(refused.severity == .unknown && refused.cause == .refused, "\(refused)")
        // A plugin whose own output says "refused" is a report, not a refusal.
        let says = try Self.script(dir, "says", "echo 'CONNECTION refused'; exit 3", mode: 0o755)
        #expect(CheckExecutor.run(CheckDefinition(name: "s", command: [says], timeout: .seconds(5)), environment: [:]).result.cause == .reported)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: p)
        #expect(PluginSecurity.problem(with: p) == nil, "a root-owned sticky /tmp above is fine")
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir)
        #expect(PluginSecurity.problem(with: p) == "directory \(dir) is writable by others; refused (fix: chmod go-w \(dir))")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir)
        chown(p, 65534, 65534)
        #expect(PluginSecurity.problem(with: p) == "the plugin \(p) belongs to uid 65534, not root; refused (fix: chown root \(p))")
        #expect(PluginSecurity.problem(with: dir + "/missing")?.hasPrefix("\(dir)/missing cannot be found") == true)
    }

    /// Issue 14: a symlink owned by nobody in a sticky world-writable directory, pointing at a
    /// root-owned script, passed (only the resolved path was checked) and could be swapped between
    /// the check and the exec. The path as executed is checked, symlinks included.
    @Test(.enabled(if: getuid() == 0, "needs root: the symlink must belong to another user"))
    func aSymlinkOthersOwnIsRefusedEvenInAStickyDirectory() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let safe = dir + "/safe"
        try FileManager.default.createDirectory(atPath: safe, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let real = try Self.script(safe, "real", "echo OK", mode: 0o755)
        let shared = dir + "/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        chmod(shared, 0o1777)
        let link = shared + "/check"
        symlink(real, link)
        #expect(PluginSecurity.problem(with: link) == nil, "a root-owned symlink in a sticky directory is safe")
        lchown(link, 65534, 65534)
        #expect(PluginSecurity.problem(with: link) == "symlink \(link) belongs to uid 65534, not root; refused (fix: chown -h root \(link))")
        // A root-owned symlink through a directory others can write is refused at that directory.
        let open = dir + "/open"
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: true)
        chmod(open, 0o777)
        symlink(real, open + "/check")
        #expect(PluginSecurity.problem(with: open + "/check") == "directory \(open) is writable by others; refused (fix: chmod go-w \(open))")
        // Relative targets and .. resolve as the kernel does.
        symlink("../safe/real", shared + "/rel")
        #expect(PluginSecurity.problem(with: shared + "/rel") == nil)
        #expect(PluginSecurity.problem(with: safe) == "\(safe) is a directory, not a plugin")
    }

    /// A fork bomb stops at the process limit instead of filling the host (or the unit's TasksMax).
    @Test func aForkBombStopsAtTheProcessLimit() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let marker = "33\(Int.random(in: 100...999))"
        let p = try Self.script(
            dir, "bomb",
            "trap 'echo OK; jobs -p' EXIT\ni=0\nwhile [ $i -lt 300 ]; do sleep \(marker) >/dev/null 2>&1 & i=$((i+1)); done 2>/dev/null")
        // As root the limit does not bind root itself (CAP_SYS_RESOURCE): run as an unprivileged
        // user, as the agent does. Not nobody: the limit counts every process of the user, and
        // other tests run their plugins as nobody at the same time.
        var inv = PluginInvocation(argv: [p], environment: Self.env, timeout: .seconds(20), user: getuid() == 0 ? (64_999, 64_999) : nil)
        inv.limits.processes = 40
        let r = PluginRunner.run(inv)
        // The shell lists the background jobs it could start (a builtin: no fork needed) when it
        // exits, which dash does at the first fork the limit refuses.
        let started = r.result.longOutput.count
        #expect(
            r.result.message == "OK" && started >= 1 && started <= 45,
            "jobs the bomb could start: \(started); \(r.result.message) \(r.exit) \(String(decoding: r.stderr, as: UTF8.self))")
        // The run's leftovers: here no containment runs (the agent's; see HostileInputTests). A
        // child that was mid-fork when its group was killed can still exec its sleep afterwards,
        // so sweep until none has been seen for a while (one such orphan outlived a run).
        var quiet = 0
        for _ in 0..<100 where quiet < 5 {
            let left = Self.processes(named: "sleep \(marker)")
            for line in left { kill(Int32(line.split(separator: ":")[0]) ?? 0, SIGKILL) }
            quiet = left.isEmpty ? quiet + 1 : 0
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Command lines of live processes containing `text`.
    static func processes(named text: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let cmd = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            guard cmd.contains(text), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                !stat.contains(") Z ")
            else { return nil }
            return "\(pid): \(cmd)"
        }
    }
}
