import Foundation
import Testing
import VitalsTestKit
import VitalsTestSupport

/// Issue 14 reproductions against the real agent: each ends in a clear error or a bounded, correct
/// result, and the agent keeps sampling on time.
@Suite(.offThePool) struct HostileInputTests {
    func cli(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try runVitals(args) }

    /// `alertname=~(.*)*(.*)*(.*)*1` hung the event loop and the alert path for minutes, across
    /// restarts. Now it is accepted, runs in linear time, and a catch-all in disguise is refused.
    @Test func aCatastrophicRegexSilenceNeitherHangsNorStopsSampling() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let proc = try copyFixture("debian12", to: dir)
        try "interval: 1s\nthresholds:\n  load:\n    warning: 0.00001\n".write(toFile: dir + "/v.yaml", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(arguments: ["--config", dir + "/v.yaml", "--procfs-root", proc], dir: dir)
        defer { _ = agent.stop() }
        _ = try agent.waitForCycles(1)
        let sock = ["--socket", agent.socket]
        let evil = try cli(["silence", "add", "--match", "alertname=~(.*)*(.*)*(.*)*1", "--for", "1h", "--comment", "hostile"] + sock)
        #expect(evil.status == 0, "\(evil.out)\(evil.err)")
        let before = try #require(try agent.get(true)["cycles"] as? Int)
        _ = try agent.waitForCycles(before + 3, timeout: 10)
        let disguised = try cli(["silence", "add", "--match", "alertname=~.+", "--for", "1h", "--comment", "all"] + sock)
        #expect(disguised.status == 1 && disguised.err.contains("match every alert"), "\(disguised.err)")
        let notNot = try cli(["silence", "add", "--match", "check!~^$", "--for", "1h", "--comment", "all"] + sock)
        #expect(notNot.status == 1 && notNot.err.contains("match every alert"), "\(notNot.err)")
        // Restarted with the silence on disk: it loads and the agent samples.
        #expect(agent.stop() == 0)
        let again = try AgentProcess(arguments: ["--config", dir + "/v.yaml", "--procfs-root", proc], dir: dir)
        defer { _ = again.stop() }
        _ = try again.waitForCycles(3, timeout: 15)
        #expect(try cli(["silence", "list"] + ["--socket", again.socket]).out.contains("(.*)*(.*)*(.*)*1"))
    }

    /// A reload with a duration too large for the clock, or nesting deep enough to exhaust a stack,
    /// is refused with the key, and the agent keeps its configuration and keeps sampling.
    @Test func hostileReloadsAreRefusedAndTheAgentLives() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = dir + "/v.yaml"
        try "interval: 1s\n".write(toFile: config, atomically: true, encoding: .utf8)
        let agent = try AgentProcess(arguments: ["--config", config], dir: dir)
        defer { _ = agent.stop() }
        _ = try agent.waitForCycles(1)
        for (text, expected) in [
            ("interval: 1s\nalerts: {resolve_hold: 99999999999999999h}\n", "alerts.resolve_hold: expected a duration from 1s to 366d"),
            (
                "interval: 1s\nx: " + String(repeating: "[", count: 40_000) + String(repeating: "]", count: 40_000) + "\n",
                "nested more than 64 levels deep"
            ),
        ] {
            try text.write(toFile: config, atomically: true, encoding: .utf8)
            agent.signal(SIGHUP)
            var error: String?
            for _ in 0..<100 {
                if let e = (try? agent.get(true))?["last_reload_error"] as? String, e.contains(expected) {
                    error = e
                    break
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            #expect(error != nil, "refused with \(expected): \(agent.stderrText().suffix(600))")
            #expect(agent.process.isRunning)
            let cycles = try #require(try agent.get(true)["cycles"] as? Int)
            _ = try agent.waitForCycles(cycles + 2, timeout: 10)
        }
        // A directory given as --config is refused, naming it, and nothing starts.
        let r = try cli(["config", "check", dir])
        #expect(r.status == 1 && r.err.contains("\(dir):0:0: is a directory, not a configuration file"), "\(r.err)")
        // A huge interval in the environment: an error, not a trap.
        try "log:\n  level: info\n".write(toFile: config, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: AgentProcess.binary)
        p.arguments = ["config", "check", config]
        p.environment = ["VITALS_INTERVAL": "999999999999999999999h", "PATH": "/usr/bin:/bin"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 1, "\(text)")
        #expect(text.contains("interval: expected a duration from 1s to 1h"), "\(text)")
    }

    /// Perfdata far beyond what an Int64 holds printed as a number; `vitals check run` trapped on it.
    @Test func hugePerfdataValuesAreShownNotTrappedOn() throws {
        let (dir, checks, _) = try CheckCommandTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "- name: huge\n  command: [/usr/lib/nagios/plugins/check_dummy, \"0\", \"fine | big=1e300;1e299;1e301 small=-1e20\"]\n"
            .write(toFile: checks + "/h.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: checks + "/h.yaml")
        let one = try cli(["check", "run", "huge", "--checks-dir", checks])
        #expect(one.status == 0, "\(one.out)\(one.err)")
        #expect(one.out.contains("1e+300"), "\(one.out)")
        let all = try cli(["check", "--checks-dir", checks, "--custom-only"])
        #expect(all.out.contains("'huge::big'=1e+300"), "\(all.out)")
    }

    /// `/v1/health` said ok while the state could not be written; now it says degraded and why,
    /// and `vitals status --health` prints it. (A directory where alerts.json belongs makes every
    /// write fail, as a full or read-only disk does, also for root.)
    @Test func healthSaysDegradedWhileTheStateCannotBeWritten() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let proc = try copyFixture("debian12", to: dir)
        try FileManager.default.createDirectory(atPath: dir + "/state/alerts.json", withIntermediateDirectories: true)
        try "interval: 1s\nthresholds:\n  load:\n    warning: 0.00001\n".write(toFile: dir + "/v.yaml", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(arguments: ["--config", dir + "/v.yaml", "--procfs-root", proc], dir: dir)
        defer { _ = agent.stop() }
        _ = try agent.waitForCycles(3)
        let health = try agent.get(true)
        #expect(health["status"] as? String == "degraded", "\(health)")
        let problems = health["problems"] as? [String] ?? []
        #expect(
            problems.contains { $0.hasPrefix("the alert state cannot be written (a restart would forget the alerts): \(dir)/state/alerts.json") },
            "\(problems)")
        let text = try cli(["status", "--health", "--socket", agent.socket])
        #expect(text.out.contains("status: degraded") && text.out.contains("degraded: the alert state cannot be written"), "\(text.out)")
    }

    /// Issue 14: a plugin running `setsid sleep 300 &` left one orphan per run, which outlived the
    /// agent. Run by `vitals check run` (which contains runs as the agent does), nothing the
    /// plugin started is left once the command returns: not in its group, not in a new session,
    /// not double-forked; a helper lives while its run does.
    @Test(.enabled(if: getuid() == 0, "needs root: a plugin runs only when root owns it and its directories"))
    func nothingAPluginStartedOutlivesItsRun() throws {
        let (dir, checks, _) = try CheckCommandTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let marker = "31\(Int.random(in: 100...999))"
        let script = dir + "/escape"
        try """
        #!/bin/sh
        setsid sleep \(marker) >/dev/null 2>&1 &
        (setsid sh -c 'sleep \(marker)' >/dev/null 2>&1 &)
        sleep \(marker) >/dev/null 2>&1 &
        i=0
        while [ "$(pgrep -cf 'sleep \(marker)')" -lt 3 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
        if [ "$(pgrep -cf 'sleep \(marker)')" -ge 3 ]; then echo "OK helpers alive during the run"; else echo "CRITICAL: helpers gone early: $(pgrep -af 'sleep \(marker)')"; exit 2; fi
        """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        try "- name: escape\n  command: [\(script)]\n".write(toFile: checks + "/e.yaml", atomically: true, encoding: .utf8)
        chmod(checks + "/e.yaml", 0o644)
        let r = try cli(["check", "run", "escape", "--checks-dir", checks])
        #expect(r.status == 0 && r.out.contains("helpers alive during the run"), "\(r.out)\(r.err)")
        #expect(r.out.contains("escape: OK"), "\(r.out)")
        let left = Self.processes(containing: "sleep \(marker)")
        #expect(left.isEmpty, "left behind: \(left)")
        for line in left { kill(Int32(line.split(separator: ":")[0]) ?? 0, SIGKILL) }
    }

    /// Command lines of live (not zombie) processes containing `text`.
    static func processes(containing text: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let cmd = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            guard cmd.contains(text), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), !stat.contains(") Z ")
            else { return nil }
            return "\(pid): \(cmd)"
        }
    }
}
