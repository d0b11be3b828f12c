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
        // Fresh for two intervals (20 s) plus the cycle's statvfs deadline (5 s): the one rule.
        let fresh = Routes(state: state(endedAt: end), version: "t", pid: 1, now: { end + .seconds(25) })
        #expect(fresh.status(fresh.state.current).checks.first?.severity == .warning)
        let routes = Routes(state: state(endedAt: end), version: "t", pid: 1, now: { end + .seconds(26) })
        let doc = routes.status(routes.state.current)
        #expect(doc.checks.first?.severity == .stale)
        #expect(doc.checks.first?.message == "no fresh result for 26s: disk /srv 91.0% used, above warning 90%")
        #expect(routes.health(routes.state.current).status == "stale")
    }

    @Test func onlyGetIsAnswered() {
        let routes = Routes(state: state(endedAt: .now), version: "t", pid: 1)
        #expect(routes.handle(StatusRequest(method: "POST", path: "/v1/status")).status == 405)
        #expect(routes.handle(StatusRequest(method: "GET", path: "/v1/health")).status == 200)
        let body = String(decoding: routes.handle(StatusRequest(method: "GET", path: "/v1/status")).body, as: UTF8.self)
        #expect(body.contains("\"severity\" : \"warning\""))
    }

    @Test func onlyRootOrTheAgentsOwnUserMayChangeSilencesAndTheRefusalSaysSo() throws {
        let routes = Routes(state: state(endedAt: .now), version: "t", pid: 1, wall: { 1_800_000_000 })
        let body = Array(#"{"matchers":["check=disk"],"duration_seconds":600,"comment":"maintenance"}"#.utf8)
        let other = routes.handle(
            StatusRequest(method: "POST", path: "/v1/silences", body: body, peer: PeerCredentials(pid: 9, uid: 4242, gid: 4242)))
        #expect(other.status == 403)
        #expect(String(decoding: other.body, as: UTF8.self).contains("needs root (you are uid 4242); run the command with sudo"))
        let unknown = routes.handle(StatusRequest(method: "POST", path: "/v1/silences", body: body))
        #expect(unknown.status == 403)
        #expect(routes.controls.current.silences.isEmpty)

        let root = routes.handle(StatusRequest(method: "POST", path: "/v1/silences", body: body, peer: PeerCredentials(pid: 9, uid: 0, gid: 0)))
        #expect(root.status == 201)
        let text = String(decoding: root.body, as: UTF8.self)
        #expect(text.contains(#""created_by" : "root (uid 0), pid 9""#), "\(text)")
        #expect(text.contains(#""matching_alerts" : ["#), "the reply names what it mutes now")
        #expect(routes.controls.current.silences.count == 1)
        // Anyone who may read may list.
        #expect(routes.handle(StatusRequest(method: "GET", path: "/v1/silences", peer: PeerCredentials(pid: 9, uid: 4242, gid: 4242))).status == 200)
    }

    @Test func badSilenceBodiesNameTheField() {
        let routes = Routes(state: state(endedAt: .now), version: "t", pid: 1, wall: { 1_800_000_000 })
        let root = PeerCredentials(pid: 1, uid: 0, gid: 0)
        func post(_ json: String) -> String {
            let r = routes.handle(StatusRequest(method: "POST", path: "/v1/silences", body: Array(json.utf8), peer: root))
            #expect(r.status == 400)
            return String(decoding: r.body, as: UTF8.self)
        }
        #expect(post(#"{"duration_seconds":60,"comment":"x"}"#).contains("missing matchers"))
        #expect(post(#"{"matchers":["check=~("],"duration_seconds":60,"comment":"x"}"#).contains("matchers[0]:"))
        #expect(post(#"{"matchers":["check=disk"],"comment":"x"}"#).contains("say how long"))
        #expect(post(#"{"matchers":["check=disk"],"duration_seconds":-5,"comment":"x"}"#).contains("before it starts or in the past"))
        #expect(post("not json").contains("not JSON"))
    }
}
