import Foundation
import Testing
import VitalsCore
import VitalsTestKit
import VitalsTestSupport

/// The alert engine in the real agent: a problem is notified once, the state survives restarts,
/// and a corrupt state file is moved aside.
@Suite(.serialized, .offThePool) struct AlertEndToEndTests {
    static let critical = "interval: 1s\nthresholds:\n  load:\n    warning: 0.00001\n    critical: 0.00002\n"
    static let fine = "interval: 1s\nalerts:\n  resolve_hold: 0\nthresholds:\n  load:\n    warning: 1000\n    warning_clear: 900\n"

    /// Runs the agent for `cycles` cycles; returns its JSON log lines.
    func run(_ dir: String, config: String, cycles: Int = 3) throws -> [[String: String]] {
        try config.write(toFile: dir + "/v.yaml", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(
            arguments: ["--config", dir + "/v.yaml", "--procfs-root", dir + "/proc", "--state-dir", dir + "/state", "--cycles", "\(cycles)"],
            dir: dir)
        #expect(agent.waitForExit() == 0)
        return agent.stderrText().split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }
    }

    func notifications(_ log: [[String: String]]) -> [[String: String]] {
        log.filter { $0["message_id"] == EventKind.alertNotification.messageID }
    }

    @Test func aProblemIsNotifiedOnceAndARestartNeitherRepeatsNorLosesIt() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try copyFixture("debian12", to: dir)

        let first = notifications(try run(dir, config: Self.critical))
        #expect(first.count == 1, "\(first)")
        #expect(first.first?["reason"] == "first")
        #expect(first.first?["severity"] == "critical")
        #expect(first.first?["check"] == "load")
        let fingerprint = try #require(first.first?["fingerprint"])
        let expected = AlertLabels.forCheck("load", resource: "", instance: ProcessInfo.processInfo.hostName).fingerprint
        #expect(fingerprint == expected.description, "the fingerprint of {alertname, instance, check}")

        // Restart, same condition: nothing is notified again.
        let second = try run(dir, config: Self.critical)
        #expect(notifications(second).isEmpty, "\(notifications(second))")
        #expect(second.contains { $0["msg"] == "alert state restored" })

        // Restart, condition gone while it was down: one recovery, with the incident's length.
        let third = notifications(try run(dir, config: Self.fine))
        #expect(third.count == 1, "\(third)")
        #expect(third.first?["reason"] == "resolved")
        #expect(third.first?["old_severity"] == "critical")
        #expect(third.first?["fingerprint"] == fingerprint)
        #expect(third.first?["sequence"].flatMap { UInt64($0) } == first.first?["sequence"].flatMap { UInt64($0) }.map { $0 + 1 })
        #expect(third.first?["duration"] != nil)

        // And then nothing more.
        #expect(notifications(try run(dir, config: Self.fine)).isEmpty)
    }

    @Test func alertsAreVisibleOverTheSocket() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try copyFixture("debian12", to: dir)
        try Self.critical.write(toFile: dir + "/v.yaml", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(
            arguments: ["--config", dir + "/v.yaml", "--procfs-root", dir + "/proc", "--state-dir", dir + "/state"], dir: dir)
        _ = try agent.waitForCycles(2)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: AgentProcess.binary)
        p.arguments = ["alerts", "--json", "--socket", agent.socket]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(agent.stop() == 0)
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let alerts = try #require(doc["alerts"] as? [[String: Any]])
        let load = try #require(alerts.first)
        #expect(load["severity"] as? String == "critical", "worst first")
        #expect((load["labels"] as? [String: String])?["check"] == "load")
        #expect(load["last_reason"] as? String == "first")
        #expect(load["notified"] as? String == "critical")
        #expect(load["notifications"] as? Int == 1)
        #expect((load["fingerprint"] as? String)?.count == 16)
    }

    @Test func aCorruptStateFileIsMovedAsideAndTheAgentStartsClean() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try copyFixture("debian12", to: dir)
        try FileManager.default.createDirectory(atPath: dir + "/state", withIntermediateDirectories: true)
        try "{\"version\":1,\"alerts\":[{\"labels\":".write(toFile: dir + "/state/alerts.json", atomically: true, encoding: .utf8)
        let log = try run(dir, config: Self.critical)
        let problem = try #require(log.first { $0["message_id"] == EventKind.alertStateProblem.messageID })
        #expect(problem["level"] == "error")
        #expect(problem["msg"]?.contains("moved it to \(dir)/state/alerts.json.corrupt-") == true, "\(problem)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/state")
        #expect(files.contains { $0.hasPrefix("alerts.json.corrupt-") }, "the bad file is kept for inspection")
        #expect(notifications(log).count == 1, "started clean: the problem is notified once")
        #expect(files.contains("alerts.json"), "and the new state was written")
    }

    func cli(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try runVitals(args) }

    /// The load alert as `vitals alerts --json` shows it. Throws (without recording an issue, so
    /// `eventually` can poll it) while the agent has no such alert yet.
    func loadAlert(_ socket: String) throws -> [String: Any] {
        let r = try cli(["alerts", "--json", "--all", "--socket", socket])
        guard let doc = try? JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any],
            let alerts = doc["alerts"] as? [[String: Any]],
            let load = alerts.first(where: { ($0["labels"] as? [String: String])?["check"] == "load" })
        else { throw AgentError("no load alert yet: \(r.out)\(r.err)") }
        return load
    }

    /// Polls `condition` for up to `seconds`; an error (the agent not answering yet) counts as false.
    func eventually(_ seconds: Double = 15, _ condition: () throws -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? condition()) == true { return true }
            usleep(200_000)
        }
        return (try? condition()) == true
    }

    /// Issue 19: maintenance windows from vitals.yaml and from the CLI, through the real socket.
    @Test func maintenanceWindowsFromTheConfigurationAndTheCLI() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let proc = try copyFixture("debian12", to: dir)
        try "9.00 9.00 9.00 1/80 4910\n".write(toFile: proc + "/loadavg", atomically: true, encoding: .utf8)
        // A window every minute lasting an hour: always in force, so the load alert is held by it.
        try (Self.critical + "maintenance:\n  - {name: always, match: [check=load], every: \"*:*:00\", for: 1h, comment: load test}\n")
            .write(toFile: dir + "/v.yaml", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(
            arguments: ["--config", dir + "/v.yaml", "--procfs-root", proc, "--state-dir", dir + "/state"], dir: dir)
        _ = try agent.waitForCycles(1)
        let sock = ["--socket", agent.socket]
        #expect(eventually { try loadAlert(agent.socket)["severity"] as? String == "critical" })
        let held = try loadAlert(agent.socket)
        #expect((held["muted_by"] as? [String: String])?["by"] == "maintenance-always", "\(held)")
        #expect(held["notifications"] as? Int == 0)
        let refused = try cli(["silence", "expire", "maintenance-always"] + sock)
        #expect(refused.status == 1 && refused.err.contains("remove it from maintenance: in vitals.yaml and reload"), "\(refused.err)")

        // From the CLI: a weekly window in Berlin time, listed with its next windows.
        let add = try cli(
            [
                "silence", "add", "--match", "check=disk", "--match", "resource=/backup", "--every", "Sun *-*-* 02:00 Europe/Berlin", "--for", "2h",
                "--comment", "weekly backup",
            ] + sock)
        #expect(add.status == 0, "\(add.err)")
        #expect(add.out.contains("every Sun *-*-* 02:00:00 Europe/Berlin for 2h") && add.out.contains("next windows: 20"), "\(add.out)")
        let list = try cli(["silence", "list"] + sock)
        #expect(list.out.contains("maintenance windows:") && list.out.contains("maintenance-always: every *-*-* *:*:00 for 1h"), "\(list.out)")
        #expect(list.out.contains("every Sun *-*-* 02:00:00 Europe/Berlin for 2h; next: "), "\(list.out)")
        let doc = try JSONSerialization.jsonObject(with: Data(try cli(["silence", "list", "--json"] + sock).out.utf8)) as? [String: Any]
        let weekly = (doc?["silences"] as? [[String: Any]])?.first { $0["comment"] as? String == "weekly backup" }
        #expect((weekly?["next_windows"] as? [Double])?.count == 3, "\(String(describing: weekly))")
        #expect(weekly?["window_seconds"] as? Double == 7200)
        // A calendar event systemd would refuse is refused with the reason.
        let bad = try cli(["silence", "add", "--match", "check=disk", "--every", "Sun 25:00", "--for", "2h", "--comment", "x"] + sock)
        #expect(bad.status == 1 && bad.err.contains("the hour \"25\" is not in 0..23"), "\(bad.err)")
    }

    @Test func silencesAndAcknowledgementsThroughTheCLIOnTheRealSocket() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let proc = try copyFixture("debian12", to: dir)
        try "0.00 0.00 0.00 1/80 4910\n".write(toFile: proc + "/loadavg", atomically: true, encoding: .utf8)
        try Self.critical.write(toFile: dir + "/v.yaml", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(
            arguments: ["--config", dir + "/v.yaml", "--procfs-root", proc, "--state-dir", dir + "/state"], dir: dir)
        _ = try agent.waitForCycles(1)
        let sock = ["--socket", agent.socket]

        // A silence with its reason; the CLI names what it matches.
        let add = try cli(["silence", "add", "--match", "check=load", "--for", "2h", "--comment", "load test"] + sock)
        #expect(add.status == 0, "\(add.err)")
        let id = try #require(add.out.split(separator: " ").dropFirst().first.map(String.init))
        #expect(add.out.contains("active until"))
        let refused = try cli(["silence", "add", "--match", "check=load", "--for", "2h", "--comment", ""] + sock)
        #expect(refused.status == 1)
        #expect(refused.err.contains("a silence needs a comment"), "\(refused.err)")

        // The load goes critical under the silence: held back, visibly.
        try "9.00 9.00 9.00 1/80 4910\n".write(toFile: proc + "/loadavg", atomically: true, encoding: .utf8)
        #expect(eventually { try loadAlert(agent.socket)["severity"] as? String == "critical" })
        let held = try loadAlert(agent.socket)
        #expect((held["muted_by"] as? [String: String])?["by"] == id)
        #expect(held["notifications"] as? Int == 0)
        let table = try cli(["alerts"] + sock)
        #expect(table.out.contains("silenced \(id.prefix(8))"), "\(table.out)")

        // Expired: the problem is notified now.
        let expire = try cli(["silence", "expire", String(id.prefix(8))] + sock)
        #expect(expire.status == 0, "\(expire.err)")
        #expect(eventually { try loadAlert(agent.socket)["notifications"] as? Int == 1 })
        let list = try cli(["silence", "list", "--expired"] + sock)
        #expect(list.out.contains(id) && list.out.contains("expired"), "\(list.out)")

        // Acknowledged, signed with the caller's identity from the socket's peer credentials.
        let fp = try #require(held["fingerprint"] as? String)
        let ack = try cli(["ack", fp, "--comment", "looking", "--sticky"] + sock)
        #expect(ack.status == 0, "\(ack.err)")
        #expect(ack.out.contains("acknowledged by") && ack.out.contains("uid \(getuid())"), "\(ack.out)")
        let acked = try loadAlert(agent.socket)
        let a = try #require(acked["acknowledgement"] as? [String: Any])
        #expect(a["sticky"] as? Bool == true)
        #expect(a["comment"] as? String == "looking")
        #expect(FileManager.default.fileExists(atPath: dir + "/state/controls.json"), "written through before confirmed")
        #expect(try cli(["ack", fp, "--remove"] + sock).status == 0)
        #expect(try loadAlert(agent.socket)["acknowledgement"] == nil)
        #expect(try cli(["ack", "0123456789abcdef"] + sock).err.contains("no alert 0123456789abcdef"))

        #expect(agent.stop() == 0)
        let log = agent.stderrText().split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }
        let sent = notifications(log)
        #expect(sent.map { $0["reason"] } == ["first"], "one notification, after the silence: \(sent)")
        let audit = log.filter { $0["message_id"] == EventKind.alertControl.messageID }.compactMap { $0["msg"] }
        #expect(audit.count == 4, "silence added, expired, ack, ack removed: \(audit)")
    }

    @Test func aRouteEscalatesToItsNextStepAndTheRecoveryReachesEveryStep() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let proc = try copyFixture("debian12", to: dir)
        let routed = """
            interval: 1s
            alerts:
              resolve_hold: 0
            channels:
              log: {type: log}
              pager: {type: log}
            routes:
              - name: pages
                match: [check=load]
                steps:
                  - channels: [log]
                  - after: 2s
                    channels: [pager]
              - name: rest
                steps:
                  - channels: [log]
            thresholds:
              load:
                warning: 0.00001
                warning_clear: 0.000005
                critical: 0.00002
                critical_clear: 0.000005
            """
        try routed.write(toFile: dir + "/v.yaml", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(arguments: ["--config", dir + "/v.yaml", "--procfs-root", proc], dir: dir)
        #expect(eventually { try loadAlert(agent.socket)["escalation_step"] as? Int == 1 })
        try "0.00 0.00 0.00 1/80 4910\n".write(toFile: proc + "/loadavg", atomically: true, encoding: .utf8)
        #expect(eventually { try loadAlert(agent.socket)["severity"] as? String == "ok" && loadAlert(agent.socket)["notified"] == nil })
        #expect(agent.stop() == 0)
        let sent = notifications(
            agent.stderrText().split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
            })
        let summary = sent.map { "\($0["reason"] ?? "") \($0["channel"] ?? "") step \($0["step"] ?? "")" }
        #expect(summary == ["first log step 0", "escalated pager step 1", "resolved log step 1", "resolved pager step 1"], "\(summary)")
        #expect(sent.allSatisfy { $0["route"] == "pages" })
    }
}
