import Foundation
import Testing
import VitalsTestKit
import VitalsTestSupport

/// Issue 19: the heartbeat (dead man's switch) against the real HTTP receiver, through the agent
/// binary: pings while the agent is healthy, the fail URL with the reason once a notification
/// channel fails, and the state in `vitals status --channels` and `/metrics`.
@Suite(.serialized, .offThePool) struct HeartbeatTests {
    @Test func pingsWhileHealthyAndCallsTheFailURLWithTheReasonWhenAChannelFails() throws {
        let d = try DeliveryTests.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let beat = try Peer("webhook-sink", dir: d + "/beat")
        defer { beat.stop() }
        let broken = try Peer("webhook-sink", dir: d + "/broken", ["--mode", "fail", "--fail-status", "503"])
        defer { broken.stop() }
        try DeliveryTests.flagChecks(["x"], dir: d)
        // The token is in the URL's path, as healthchecks.io's UUID is: it must never be shown.
        let token = "5f1c0e2a-token-\(UInt32.random(in: 0...UInt32.max))"
        try DeliveryTests.write(
            DeliveryTests.base(d) + """
                heartbeat:
                  url: \(beat["WEBHOOK_SINK_URL"])/ping/\(token)
                  fail_url: \(beat["WEBHOOK_SINK_URL"])/ping/\(token)/fail
                  interval: 2s
                  timeout: 1s
                channels:
                  log: {type: log}
                  primary:
                    type: webhook
                    url: \(broken["WEBHOOK_SINK_URL"])/
                    retry: {initial: 100ms, max: 300ms}
                    breaker: {failures: 1, recovery: 1h}
                routes:
                  - match: [check=x]
                    steps: [{channels: [primary]}]
                  - steps: [{channels: [log]}]
                """, to: d + "/v.yaml")
        let agent = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d)
        defer { _ = agent.stop() }
        let requests = beat["WEBHOOK_SINK_REQUESTS"]
        func calls(_ path: String) -> [[String: Any]] { jsonLines(requests).filter { $0["path"] as? String == path } }
        let pingPath = "/ping/\(token)"
        // The first ping comes after the first cycle, before the flag check has failed twice.
        #expect(eventually(20) { !calls(pingPath).isEmpty }, "\(agent.stderrText())")
        let first = calls(pingPath).first ?? [:]
        #expect(first["method"] as? String == "POST")
        #expect((first["body"] as? String)?.contains(" checks, ") == true, "the body is the agent's summary: \(first)")
        // Check x fails, its message goes to primary, which answers 503: the breaker opens, the
        // channel is failing, and the next tick calls the fail URL with that reason.
        #expect(eventually(30) { !calls(pingPath + "/fail").isEmpty }, "\(agent.stderrText())")
        let fail = calls(pingPath + "/fail").first ?? [:]
        let reason = fail["body"] as? String ?? ""
        #expect(reason.contains("degraded") && reason.contains("channel primary is failing"), "\(reason)")
        // While the channel stays failing, no good ping goes out.
        let pingsAtFail = calls(pingPath).count
        Thread.sleep(forTimeInterval: 4.5)
        #expect(calls(pingPath).count == pingsAtFail, "no ping while degraded")
        #expect(calls(pingPath + "/fail").count >= 2, "the fail URL is called at every tick while degraded")

        let shown = try runVitals(["status", "--channels", "--socket", agent.socket]).out
        #expect(shown.contains("heartbeat: http://127.0.0.1:"), "\(shown)")
        #expect(shown.contains("last fail"), "\(shown)")
        #expect(!shown.contains(token), "the token is never shown: \(shown)")
        #expect(!(try runVitals(["status", "--json", "--socket", agent.socket]).out.contains(token)))
        let metrics = try runVitals(["metrics", "--socket", agent.socket]).out
        #expect(metrics.contains("vitals_heartbeat_calls_total{result=\"fail\"}"), "\(metrics)")
        #expect(!metrics.contains("vitals_heartbeat_calls_total{result=\"ping\"} 0"), "\(metrics)")
        #expect(metrics.contains("vitals_heartbeat_last_success_timestamp_seconds "), "\(metrics)")
        let doc = try JSONSerialization.jsonObject(with: Data(try runVitals(["status", "--channels", "--json", "--socket", agent.socket]).out.utf8))
        let h = (doc as? [String: Any])?["heartbeat"] as? [String: Any] ?? [:]
        #expect((h["pings"] as? Int ?? 0) >= 1 && (h["fail_pings"] as? Int ?? 0) >= 1, "\(h)")
        #expect(h["last_kind"] as? String == "fail", "\(h)")
        #expect(!agent.stderrText().contains(token), "the token is not in the log")
    }

    @Test func aDeadReceiverIsCountedAndLoggedOnceWithoutTheToken() throws {
        let d = try DeliveryTests.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let port = freePort()  // nothing listens there
        let token = "secret-token-\(UInt32.random(in: 0...UInt32.max))"
        try DeliveryTests.write(
            DeliveryTests.base(d) + """
                heartbeat:
                  url: http://127.0.0.1:\(port)/\(token)
                  interval: 2s
                  timeout: 1s
                """, to: d + "/v.yaml")
        let agent = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d)
        defer { _ = agent.stop() }
        /// The heartbeat's record from `/v1/channels`; empty until the agent answers.
        func heartbeat() -> [String: Any] {
            guard let out = try? runVitals(["status", "--channels", "--json", "--socket", agent.socket]).out,
                let doc = try? JSONSerialization.jsonObject(with: Data(out.utf8))
            else { return [:] }
            return (doc as? [String: Any])?["heartbeat"] as? [String: Any] ?? [:]
        }
        #expect(eventually(20) { (heartbeat()["errors"] as? Int ?? 0) >= 2 }, "\(agent.stderrText())")
        let log = agent.stderrText()
        #expect(log.components(separatedBy: "heartbeat: calling http://127.0.0.1:\(port)/… failed").count == 2, "logged once: \(log)")
        #expect(!log.contains(token))
        let h = heartbeat()
        #expect((h["last_result"] as? String ?? "").contains("cannot"), "\(h)")
    }
}
