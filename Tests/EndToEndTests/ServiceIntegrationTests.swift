import Foundation
import Testing
import VitalsCore
import VitalsTestKit
import VitalsTestSupport

/// What the systemd service relies on, tested without systemd: socket activation, log flood
/// summaries, and that the packaged catalog and man page cover what the binary does.
@Suite(.serialized, .offThePool) struct ServiceIntegrationTests {
    static let socketActivate = ["/usr/bin/systemd-socket-activate", "/bin/systemd-socket-activate"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: socketActivate != nil, "systemd-socket-activate (package systemd) is not installed"))
    func servesOnASocketPassedBySystemd() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let proc = try copyFixture("debian12", to: dir)
        let path = dir + "/vitals.sock"
        // systemd-socket-activate binds the socket, passes it as fd 3 with LISTEN_FDS=1 and execs
        // the agent on the first connection, exactly as a .socket unit would.
        // Foundation's Process takes the launcher closing its descriptors at exec for an exit and
        // then blocks in waitpid, so a shell stays in between (it inherits a mask that blocks
        // SIGTERM, so the test signals the agent, the shell's child, itself).
        let shell = "\"$0\" --listen=\"$1\" \"${@:2}\" & wait $!"
        let agent = try AgentProcess(
            arguments: ["--interval", "1s", "--procfs-root", proc], dir: dir,
            launcher: ["/bin/bash", "-c", shell, Self.socketActivate!, path])
        let health = try agent.waitForCycles(1)
        #expect(health["status"] as? String == "ok")
        let shellPID = agent.process.processIdentifier
        let children = try String(contentsOfFile: "/proc/\(shellPID)/task/\(shellPID)/children", encoding: .utf8)
        let agentPID = try #require(Int32(children.split(separator: " ").first ?? ""))
        kill(agentPID, SIGTERM)
        #expect(agent.waitForExit() == 0)
        let log = agent.stderrText()
        #expect(log.contains("\"socket_activated\":\"true\""), "the agent says it serves an inherited socket: \(log)")
        #expect(log.contains("\"socket\":\"\(path)\""))
        // The socket belongs to the service manager: the agent leaves its file in place.
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func aBurstOfIdenticalEventsIsSummarisedNotRepeated() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let proc = try copyFixture("debian12", to: dir)
        try "MemFree: 1 kB\n".write(toFile: proc + "/meminfo", atomically: true, encoding: .utf8)
        // Every cycle logs the same "sampler failed" event; 9 cycles make a burst of 9.
        let agent = try AgentProcess(arguments: ["--interval", "1s", "--procfs-root", proc, "--cycles", "9"], dir: dir)
        #expect(agent.waitForExit() == 0)
        let lines = agent.stderrText().split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }
        let failed = lines.filter { $0["msg"]?.hasPrefix("sampler failed") == true }
        let plain = failed.filter { $0["suppressed"] == nil }
        let summaries = failed.filter { $0["suppressed"] != nil }
        #expect(plain.count == 5, "the first 5 of the burst are logged as they happen")
        #expect(summaries.count == 1, "then one summary, written at shutdown: \(failed)")
        #expect(summaries.first?["suppressed"] == "4")
        #expect(summaries.first?["msg"]?.contains("(4 identical messages suppressed in ") == true)
        #expect(summaries.first?["sampler"] == "memory", "the summary keeps the event's fields")
        #expect(summaries.first?["message_id"] == EventKind.samplerFailed.messageID)
    }

    @Test func theJournalCatalogExplainsEveryEventKind() throws {
        let catalog = try String(contentsOfFile: Fixtures.packageRoot + "/packaging/vitals.catalog", encoding: .utf8)
        let ids = catalog.split(separator: "\n").filter { $0.hasPrefix("-- ") }.map { String($0.dropFirst(3)) }
        #expect(Set(ids) == Set(EventKind.allCases.map(\.messageID)), "one catalog entry per MESSAGE_ID, no strays")
        #expect(ids.count == Set(ids).count, "no duplicate entries")
        let entries = catalog.components(separatedBy: "\n-- ").dropFirst()
        for entry in entries {
            #expect(entry.contains("\nSubject: ") && entry.contains("\nDefined-By: vitals\n"), "entry \(entry.prefix(40))")
        }
    }

    @Test func theManPageCoversEveryCommandAndOption() throws {
        let page = try String(contentsOfFile: Fixtures.packageRoot + "/packaging/vitals.8", encoding: .utf8)
            .replacingOccurrences(of: "\\-", with: "-")
        for command in [
            ["agent"], ["status"], ["alerts"], ["silence", "add"], ["silence", "list"], ["silence", "expire"], ["ack"], ["check"], ["check", "run"],
            ["config", "check"],
            ["config", "show"], ["test-notify"], ["metrics"],
        ] {
            let help = try run(AgentProcess.binary, command + ["--help"])
            let options = Set(help.matches(of: /--[a-z][a-z-]+/).map { String($0.output) }).subtracting(["--help"])
            #expect(page.contains(command.joined(separator: " ")), "man page names `vitals \(command.joined(separator: " "))`")
            for option in options.sorted() {
                #expect(page.contains(option), "man page documents \(option) of `vitals \(command.joined(separator: " "))`")
            }
        }
    }

    /// Help text is wrapped by the argument parser only (issue 13: texts wrapped by hand were
    /// wrapped again, "and judged\nby their levels"). On a 5000-column terminal no prose line of
    /// any command's help continues on the next line.
    @Test func helpTextsAreWrappedOnlyByTheParser() throws {
        for command in [
            [], ["agent"], ["status"], ["alerts"], ["silence"], ["silence", "add"], ["ack"], ["check"], ["check", "run"], ["config", "check"],
            ["config", "show"], ["test-notify"], ["metrics"],
        ] {
            let help = try run(AgentProcess.binary, command + ["--help"], environment: ["COLUMNS": "5000"])
            // The overview and discussion: prose at column 0, examples indented; then USAGE.
            let lines = help.split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.hasPrefix("USAGE:") }
            #expect(lines.contains { $0.hasPrefix("OVERVIEW: ") }, "\(help.prefix(200))")
            for (a, b) in zip(lines, lines.dropFirst()) {
                let continued = !a.isEmpty && a.first != " " && !a.hasSuffix(":") && (b.first?.isLowercase ?? false)
                #expect(!continued, "`vitals \(command.joined(separator: " ")) --help` wraps by hand:\n\(a)\n\(b)")
            }
        }
    }

    /// Issue 13: under the unit (unprivileged, Nice=5) every libdispatch worker that asked for its
    /// QoS nice wrote "Failed to set thread priority" to syslog. Run the same way, with
    /// libdispatch's log on stderr, the agent writes none.
    @Test(.enabled(if: getuid() == 0, "needs root: runs the agent as user nobody"))
    func anUnprivilegedAgentAtNiceFiveLogsNoThreadPriorityFailures() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        chmod(dir, 0o777)
        let out = try run(
            "/usr/sbin/runuser",
            [
                "-u", "nobody", "--", "env", "LIBDISPATCH_LOG=stderr", "nice", "-n", "5", AgentProcess.binary, "agent", "--interval", "1s",
                "--cycles", "4", "--socket", dir + "/s", "--state-dir", dir + "/state", "--log-target", "stderr",
            ],
            stderr: true)
        #expect(out.contains("vitals agent stopped"), "the agent ran: \(out.suffix(400))")
        #expect(!out.contains("Failed to set thread priority"), "\(out)")
    }

    private func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], stderr: Bool = false) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, b in b } }
        let out = Pipe()
        p.standardOutput = out
        if stderr { p.standardError = out }
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
