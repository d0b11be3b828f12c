import Testing
import VitalsCore

/// Issue 19: what one heartbeat tick decides, and how a ping URL is shown.
@Suite struct HeartbeatDecisionTests {
    @Test func pingWhileHealthyFailOrHoldWhileDegraded() {
        #expect(HeartbeatDecision.decide(overdue: [], failing: [], summary: "s", hasFailURL: true) == .ping(body: "s"))
        #expect(
            HeartbeatDecision.decide(overdue: ["sampling: no progress for 40s"], failing: [], summary: "s", hasFailURL: true)
                == .fail(reason: "stage overdue: sampling: no progress for 40s"))
        #expect(
            HeartbeatDecision.decide(overdue: ["alerting: x"], failing: ["channel hook is failing: HTTP 503"], summary: "s", hasFailURL: false)
                == .hold(reason: "stage overdue: alerting: x; channel failing: channel hook is failing: HTTP 503"))
    }

    @Test func aURLIsShownWithoutItsPath() {
        #expect(HeartbeatConfig.shown("https://hc-ping.com/0c9d7a1e-uuid") == "https://hc-ping.com/…")
        #expect(HeartbeatConfig.shown("http://127.0.0.1:8080") == "http://127.0.0.1:8080")
        #expect(HeartbeatConfig.shown("http://kuma:3001?token=x") == "http://kuma:3001/…")
        #expect(HeartbeatConfig.shown("https://user:pw@host/x") == "https://host/…")
        #expect(HeartbeatConfig.shown("not a url") == "<url>")
    }
}
