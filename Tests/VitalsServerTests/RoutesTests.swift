import Synchronization
import Testing
import VitalsCore
import VitalsServer

@testable import VitalsDaemon

@Suite struct RoutesTests {
    func state(endedAt end: ContinuousClock.Instant) -> AgentState {
        let s = AgentState(config: Config(), configFile: nil, startedAt: 0)
        var snap = HostSnapshot(timestamp: 100, cycle: 7)
        snap.samplers = [SamplerReport(name: "disk", outcome: .failed, durationMicros: 3, error: "/proc/self/mountinfo: cannot open")]
        let check = CheckStatus(
            check: "disk", resource: "/srv", severity: .warning, message: "disk /srv 91.0% used, above warning 90%", value: 91,
            threshold: 90, since: 90, evaluatedAt: 100, pending: nil)
        s.recordCycle(snap, checks: [check], took: .milliseconds(4), endedAt: end)
        return s
    }

    @Test func freshCycleIsServedAsIs() {
        let end = ContinuousClock.now
        let routes = Routes(state: state(endedAt: end), version: "t", pid: 1, now: { end + .seconds(5) })
        let doc = routes.status(routes.state.current)
        #expect(doc.checks.first?.severity == .warning)
        #expect(doc.summary.line == "1 checks: 1 warning")
        let h = routes.health(routes.state.current)
        #expect(h.status == "degraded")
        #expect(h.samplerErrors.first?.error == "/proc/self/mountinfo: cannot open")
    }

    @Test func noCycleForTwoIntervalsMakesEveryCheckStale() {
        let end = ContinuousClock.now
        let routes = Routes(state: state(endedAt: end), version: "t", pid: 1, now: { end + .seconds(25) })
        let doc = routes.status(routes.state.current)
        #expect(doc.checks.first?.severity == .stale)
        #expect(doc.checks.first?.message == "no fresh result for 25s: disk /srv 91.0% used, above warning 90%")
        #expect(routes.health(routes.state.current).status == "stale")
    }

    @Test func onlyGetIsAnswered() {
        let routes = Routes(state: state(endedAt: .now), version: "t", pid: 1)
        #expect(routes.handle(StatusRequest(method: "POST", path: "/v1/status")).status == 405)
        #expect(routes.handle(StatusRequest(method: "GET", path: "/v1/health")).status == 200)
        let body = String(decoding: routes.handle(StatusRequest(method: "GET", path: "/v1/status")).body, as: UTF8.self)
        #expect(body.contains("\"severity\" : \"warning\""))
    }
}
