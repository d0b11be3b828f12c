import Foundation
import Testing
import VitalsCore
import VitalsTestKit

/// The alert engine in the real agent: a problem is notified once, the state survives restarts,
/// and a corrupt state file is moved aside.
@Suite(.serialized) struct AlertEndToEndTests {
    static let critical = "interval: 1s\nthresholds:\n  load:\n    warning: 0.00001\n    critical: 0.00002\n"
    static let fine = "interval: 1s\nthresholds:\n  load:\n    warning: 1000\n    warning_clear: 900\n"

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
        #expect(third.first?["sequence"] == "2")
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
}
