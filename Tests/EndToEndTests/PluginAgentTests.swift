import Foundation
import Testing
import VitalsCore
import VitalsTestKit
import VitalsTestSupport

/// Custom checks in the running agent: scheduled, shown, alerted on, bounded in concurrency.
@Suite(.serialized, .offThePool) struct PluginAgentTests {
    /// A test directory root owns with mode 0755 (plugins run as nobody must reach their files).
    static func dir() throws -> String {
        let d = try AgentProcess.tempDir()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: d)
        try FileManager.default.createDirectory(atPath: d + "/checks.d", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return d
    }

    static func write(_ text: String, to path: String, mode: Int) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    @Test func aCustomCheckIsScheduledShownAndAlertedOn() throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try Self.write(
            """
            - name: dummy_critical
              command: [/usr/lib/nagios/plugins/check_dummy, "2", "the service is down"]
              interval: 2s
              timeout: 1s
              labels: {team: web}
            - name: loadavg
              command: [/usr/lib/nagios/plugins/check_load, -w, "1000,1000,1000", -c, "2000,2000,2000"]
              interval: 2s
              timeout: 1s
            - name: depends_on_it
              command: [/usr/lib/nagios/plugins/check_dummy, "1", "never run"]
              interval: 2s
              timeout: 1s
              depends_on: [dummy_critical]
            """, to: d + "/checks.d/t.yaml", mode: 0o644)
        try Self.write("interval: 1s\nalerts:\n  unknown_after: 0\nplugins:\n  directory: \(d)/checks.d\n", to: d + "/v.yaml", mode: 0o644)
        let agent = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d)
        var alert: [String: Any]?
        for _ in 0..<100 where alert?["notified"] as? String != "critical" {
            usleep(100_000)
            let r = try runVitals(["alerts", "--json", "--all", "--socket", agent.socket])
            let doc = try? JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
            alert = (doc?["alerts"] as? [[String: Any]])?.first { ($0["labels"] as? [String: String])?["check"] == "dummy_critical" }
        }
        let a = try #require(alert)
        #expect(a["severity"] as? String == "critical")
        #expect(a["message"] as? String == "CRITICAL: the service is down")
        #expect((a["labels"] as? [String: String])?["team"] == "web")
        #expect((a["labels"] as? [String: String])?["alertname"] == "VitalsDummyCritical")
        var dependent: [String: Any]?
        var muted = false
        for _ in 0..<100 where dependent == nil || !muted {
            usleep(100_000)
            let checks = (try? agent.get()["checks"] as? [[String: Any]]) ?? []
            dependent = checks.first { $0["check"] as? String == "depends_on_it" }
            muted = (try runVitals(["alerts", "--json", "--all", "--socket", agent.socket])).out.contains("\"kind\" : \"inhibited\"")
        }
        #expect(dependent?["message"] as? String == "not run: it depends on dummy_critical, which is critical", "\(dependent ?? [:])")
        #expect(muted, "the dependent check's alert is muted by its dependency")
        var perf: [[String: Any]]?
        for _ in 0..<50 where perf == nil {
            let checks = (try? agent.get()["checks"] as? [[String: Any]]) ?? []
            perf = checks.first { $0["check"] as? String == "loadavg" }?["perfdata"] as? [[String: Any]]
            if perf == nil { usleep(100_000) }
        }
        #expect(perf?.map { $0["label"] as? String } == ["load1", "load5", "load15"], "the plugin's perfdata in the status: \(perf ?? [])")
        #expect(perf?.first?["critical"] as? String == "2000")
        #expect(agent.stop() == 0)
    }

    @Test func twoHundredChecksRunWithBoundedConcurrencyAndTheCycleNeverWaits() throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let scratch = d + "/scratch"
        try FileManager.default.createDirectory(
            atPath: scratch + "/running", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: scratch)
        try FileManager.default.createDirectory(atPath: d + "/bin", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try Self.write(
            """
            #!/bin/sh
            touch \(scratch)/running/$$
            ls \(scratch)/running | wc -l >> \(scratch)/counts
            sleep 0.2
            rm -f \(scratch)/running/$$
            echo "OK - probe $1"
            """, to: d + "/bin/probe", mode: 0o755)
        let checks = (0..<200).map { "- name: probe_\($0)\n  command: [\(d)/bin/probe, \"\($0)\"]\n  interval: 10s\n  timeout: 5s\n" }.joined()
        try Self.write(checks, to: d + "/checks.d/many.yaml", mode: 0o644)
        try Self.write("interval: 1s\nplugins:\n  directory: \(d)/checks.d\n  max_concurrent: 4\n", to: d + "/v.yaml", mode: 0o644)
        let agent = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d)
        var ran = 0
        for _ in 0..<300 where ran < 200 {
            usleep(100_000)
            ran = ((try? String(contentsOfFile: scratch + "/counts", encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        let health = try agent.get(true)
        #expect(agent.stop() == 0)
        let counts = ((try? String(contentsOfFile: scratch + "/counts", encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        #expect(counts.count >= 200, "all 200 ran within 30 s: \(counts.count)")
        #expect((counts.max() ?? 0) <= 4, "never more than max_concurrent at once: \(counts.max() ?? 0)")
        #expect((counts.max() ?? 0) >= 2, "and they do run in parallel")
        // Were the cycle to wait for the runs (200 x 0.2 s over 4 lanes: 10 s), most of the 15
        // cycles would overrun; one late tick is the machine being busy (seen under a CPU hog).
        #expect((health["overruns"] as? Int ?? 99) <= 1, "the sampling cycle never waited: \(health)")
    }
}
