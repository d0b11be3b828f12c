import Foundation
import Testing
import VitalsCore

/// Issue 19: what the self-healing actions decide, pure: after the debounce only, never while
/// muted, a settle time between attempts, the hourly budget over every alert and across a
/// restart, a give-up with its message, and a fresh start when the problem clears.
@Suite struct ActionLedgerTests {
    static let web = try! ActionDefinition(
        name: "restart-nginx", matchers: [LabelMatcher(parsing: "check=nginx_http")], effect: .restart(unit: "nginx.service"), maxPerHour: 3,
        giveUpAfter: 3, settle: .seconds(120))

    static func alert(_ severity: Severity = .critical, resource: String = "", mute: AlertMute? = nil) -> ActionCandidate {
        let labels = LabelSet(["alertname": "nginx_http", "check": "nginx_http", "resource": resource])
        return ActionCandidate(fingerprint: labels.fingerprint, labels: labels, severity: severity, message: "connection refused", mute: mute)
    }

    static func runs(_ d: [ActionDecision]) -> [Int] {
        d.compactMap { if case .run(_, _, let n) = $0 { n } else { nil } }
    }

    static func attempt(_ c: ActionCandidate, _ n: Int, at wall: Double, ok: Bool = true) -> ActionAttempt {
        ActionAttempt(
            action: "restart-nginx", fingerprint: c.fingerprint, effect: "restart nginx.service", number: n, startedWall: wall, endedWall: wall + 1,
            outcome: ok ? .succeeded : .failed, detail: ok ? "loaded active running after 1.0 s" : "job failed")
    }

    @Test func onlyAProblemPastItsDebounceAndNotMutedCallsForTheAction() {
        // The engine's export: pending (not yet notified) is no candidate; notified or muted is.
        var pending = PersistedAlert(labels: Self.alert().labels)
        pending.severity = .critical
        #expect(ActionCandidate.from([pending]).isEmpty, "still within its debounce (not notified)")
        var notified = pending
        notified.notified = .critical
        #expect(ActionCandidate.from([notified]).count == 1)
        var ok = notified
        ok.severity = .ok
        #expect(ActionCandidate.from([ok]).isEmpty, "ok while the recovery waits for the resolve hold")

        var l = ActionLedger()
        let muted = Self.alert(mute: AlertMute(.silenced, by: "maintenance-weekly"))
        let held = l.plan([Self.web], [muted], wall: 1000)
        #expect(held == [.held(action: "restart-nginx", candidate: muted, reason: "the alert is silenced (maintenance-weekly)")])
        #expect(l.plan([Self.web], [muted], wall: 1010).isEmpty, "a hold is said once")
        #expect(Self.runs(l.plan([Self.web], [Self.alert(.warning)], wall: 1020)).isEmpty, "warning is not among its severities")
        #expect(Self.runs(l.plan([Self.web], [Self.alert()], wall: 1030)) == [1], "the window ended: it runs")
    }

    @Test func attemptsWaitForTheSettleTimeThenGiveUpWithTheirMessage() {
        var l = ActionLedger()
        let c = Self.alert()
        #expect(Self.runs(l.plan([Self.web], [c], wall: 0)) == [1])
        #expect(Self.runs(l.plan([Self.web], [c], wall: 10)).isEmpty, "never two attempts at once")
        l.finish(Self.attempt(c, 1, at: 0))
        #expect(Self.runs(l.plan([Self.web], [c], wall: 100)).isEmpty, "settling: 120 s after the attempt ended")
        #expect(Self.runs(l.plan([Self.web], [c], wall: 122)) == [2])
        l.finish(Self.attempt(c, 2, at: 122, ok: false))
        #expect(Self.runs(l.plan([Self.web], [c], wall: 250)) == [3], "a failed attempt counts and settles too")
        l.finish(Self.attempt(c, 3, at: 250))
        let last = l.plan([Self.web], [c], wall: 900)
        guard case .gaveUp(_, _, let attempts, let first) = last.first else {
            Issue.record("expected a give-up, got \(last)")
            return
        }
        #expect(attempts == 3 && first == 0)
        #expect(
            l.givenUp.first?.gaveUpMessage == "restarted nginx.service 3 times in 15m; giving up: nginx_http is still critical (connection refused)")
        #expect(l.plan([Self.web], [c], wall: 2000).isEmpty, "nothing more while it lasts")
        // It clears: the incident ends, and the next one starts from attempt 1.
        #expect(
            l.plan([Self.web], [], wall: 2100) == [
                .ended(action: "restart-nginx", fingerprint: c.fingerprint, labels: c.labels, attempts: 3, gaveUp: true)
            ])
        #expect(l.givenUp.isEmpty)
        #expect(Self.runs(l.plan([Self.web], [c], wall: 9000)) == [1])
    }

    @Test func oneAttemptAtATimeAndTheHourlyBudgetCountEveryAlertAndSurviveARestart() throws {
        var l = ActionLedger()
        let a = Self.alert(resource: "a")
        let b = Self.alert(resource: "b")
        let c = Self.alert(resource: "c")
        let d = Self.alert(resource: "d")
        let all = [a, b, c, d]
        #expect(Self.runs(l.plan([Self.web], all, wall: 0)) == [1], "four alerts of one service: one attempt, not four at once")
        #expect(Self.runs(l.plan([Self.web], all, wall: 1)).isEmpty, "not while it runs")
        l.finish(Self.attempt(a, 1, at: 0))
        #expect(Self.runs(l.plan([Self.web], all, wall: 60)).isEmpty, "its settle time holds the other alerts too")
        #expect(Self.runs(l.plan([Self.web], all, wall: 122)) == [2], "the first alert's problem is still there: its second attempt")
        l.finish(Self.attempt(a, 2, at: 122))
        let third = l.plan([Self.web], all, wall: 250)
        #expect(Self.runs(third) == [3])
        #expect(
            third.contains(.held(action: "restart-nginx", candidate: b, reason: "max_per_hour (3) is reached")), "the third spends the hour's budget")
        l.finish(Self.attempt(a, 3, at: 250))
        let next = l.plan([Self.web], all, wall: 400)
        #expect(next.map { if case .gaveUp(_, let x, 3, _) = $0 { x == a } else { false } } == [true], "\(next)")
        #expect(l.plan([Self.web], all, wall: 401).isEmpty, "said once")
        // Through the state file (a restart of the agent): the budget is still spent.
        var restored = try JSONDecoder().decode(ActionLedger.self, from: JSONEncoder().encode(l))
        restored.restored(definitions: [Self.web], wall: 500)
        #expect(Self.runs(restored.plan([Self.web], all, wall: 500)).isEmpty, "3 attempts within the hour")
        #expect(Self.runs(restored.plan([Self.web], all, wall: 3601)) == [1], "the first attempt left the hour: room for one, for the next alert")
    }

    @Test func aRecoveringAlertKeepsItsIncidentAndTheActionsOwnAlertIsNeverACandidate() {
        var ok = PersistedAlert(labels: Self.alert().labels)
        ok.severity = .ok
        ok.notified = .critical
        ok.okSinceWall = 100
        let recovering = ActionCandidate.from([ok])
        #expect(recovering.count == 1 && recovering[0].recovering && recovering[0].severity == .critical)
        var own = PersistedAlert(labels: LabelSet(["alertname": "VitalsAction", "check": "action", "resource": "restart-nginx"]))
        own.severity = .critical
        own.notified = .critical
        #expect(ActionCandidate.from([own]).isEmpty, "a give-up never sets off an action")
        // Ok for a moment after each attempt (within the resolve hold): the attempts still add up.
        var l = ActionLedger()
        let c = Self.alert()
        var back = c
        back.recovering = true
        for (i, t) in [0.0, 200, 400].enumerated() {
            #expect(Self.runs(l.plan([Self.web], [c], wall: t)) == [i + 1])
            l.finish(Self.attempt(c, i + 1, at: t))
            #expect(l.plan([Self.web], [back], wall: t + 60).isEmpty, "recovering: no attempt, and the incident goes on")
        }
        guard case .gaveUp = l.plan([Self.web], [c], wall: 600).first else {
            Issue.record("a service that is briefly ok after each restart must still reach the give-up")
            return
        }
    }

    @Test func aDamagedLedgerIsBoundedWhenReadAndAnInterruptedAttemptCountsInTheBudget() throws {
        let json = """
            {"tracks": {
               "restart-nginx \(Self.alert().fingerprint)": {"action": "restart-nginx", "fingerprint": "\(Self.alert().fingerprint)", "labels": {"check": "nginx_http"},
                 "attempts": 99, "firstWall": -1e15, "runningSinceWall": 50},
               "restart-nginx 0000000000000001": {"action": "restart-nginx", "fingerprint": "0000000000000001", "labels": {}, "attempts": 1, "lastEndedWall": 1e300},
               "restart-nginx 0000000000000002": {"action": "restart-nginx", "fingerprint": "0000000000000002", "labels": {}, "attempts": 2, "runningSinceWall": 90}},
             "attempts": [{"action": "restart-nginx", "fingerprint": "0000000000000003", "effect": "x", "number": 1, "startedWall": 1e300,
                           "endedWall": 1e300, "outcome": "succeeded", "detail": ""}]}
            """
        var l = try JSONDecoder().decode(ActionLedger.self, from: Data(json.utf8))
        l.restored(definitions: [Self.web], wall: 100)
        #expect(l.tracks.count == 1, "entries with times outside the epoch up to a day ahead are dropped: \(l.tracks.keys)")
        let t = try #require(l.tracks.values.first)
        #expect(t.attempts == 2 && t.runningSinceWall == nil && t.lastEndedWall == 90)
        #expect(
            l.attempts.map(\.detail) == ["interrupted: the agent stopped while it ran"], "the attempt cut short is in the budget and the timeline")
        #expect(l.attemptsInLastHour("restart-nginx", wall: 100) == 1)
        _ = l.dryRun(Self.web, [Self.alert()], wall: 100)
    }

    @Test func anAttemptCutShortByARestartCountsAndActionsNoLongerConfiguredAreForgotten() {
        var l = ActionLedger()
        let c = Self.alert()
        #expect(Self.runs(l.plan([Self.web], [c], wall: 0)) == [1])
        var after = l
        after.restored(definitions: [Self.web], wall: 50)
        #expect(after.tracks.values.first?.runningSinceWall == nil && after.tracks.values.first?.attempts == 1)
        #expect(Self.runs(after.plan([Self.web], [c], wall: 60)).isEmpty, "it settles from the moment it was cut short")
        #expect(Self.runs(after.plan([Self.web], [c], wall: 121)) == [2])
        var gone = l
        gone.restored(definitions: [], wall: 50)
        #expect(gone.tracks.isEmpty)
    }

    @Test func theDryRunSaysWhatTheNextEvaluationWouldDoAndChangesNothing() {
        var l = ActionLedger()
        let c = Self.alert()
        let dry = l.dryRun(Self.web, [c], wall: 0)
        #expect(dry.lines == ["nginx_http critical: would restart nginx.service now (attempt 1 of 3)"])
        #expect(dry.verdict == "the next evaluation would restart nginx.service")
        #expect(l.tracks.isEmpty, "a dry run leaves the ledger as it was")
        _ = l.plan([Self.web], [c], wall: 0)
        l.finish(Self.attempt(c, 1, at: 0))
        #expect(l.dryRun(Self.web, [c], wall: 60).lines == ["nginx_http critical: waiting 1m1s more for attempt 1 to settle"])
        #expect(l.dryRun(Self.web, [], wall: 60).verdict.hasPrefix("no alert calls for it now: it answers check=nginx_http at critical"))
    }

    @Test func unitNamesAreWholeNamesWithoutGlobs() {
        #expect(ActionDefinition.unitNameProblem("nginx.service") == nil)
        #expect(ActionDefinition.unitNameProblem("getty@tty1.service") == nil)
        #expect(ActionDefinition.unitNameProblem("nginx")?.contains("write it with its type, e.g. nginx.service") == true)
        #expect(ActionDefinition.unitNameProblem("ngin*.service")?.contains("globs are not accepted") == true)
        #expect(ActionDefinition.unitNameProblem("getty@.service")?.contains("is a template") == true)
        #expect(ActionDefinition.unitNameProblem("a b.service") != nil)
        #expect(ActionDefinition.unitNameProblem(String(repeating: "a", count: 300) + ".service") != nil)
        #expect(ActionDefinition.unitNameProblem("poweroff.target")?.contains("is a target unit") == true)
        #expect(ActionDefinition.unitNameProblem("user.slice") != nil)
    }

    @Test func thePolkitRuleNamesExactlyTheUnitsAndVerbsOfTheActions() throws {
        let reload = try ActionDefinition(name: "r", matchers: [LabelMatcher(parsing: "check=x")], effect: .reload(unit: "nginx.service"))
        let exec = try ActionDefinition(name: "e", matchers: [LabelMatcher(parsing: "check=x")], effect: .exec(argv: ["/bin/true"]))
        let odd = try ActionDefinition(name: "o", matchers: [LabelMatcher(parsing: "check=x")], effect: .restart(unit: "dev-disk-by\\x2dlabel.mount"))
        #expect(
            PolkitRule.grants([Self.web, reload, exec, odd]).map { "\($0.unit) \($0.verbs)" } == [
                "dev-disk-by\\x2dlabel.mount [\"restart\"]", "nginx.service [\"reload\", \"restart\"]",
            ])
        let text = PolkitRule.text([Self.web, reload, odd], source: "/etc/vitals/vitals.yaml")
        #expect(text.contains("        \"nginx.service\": [\"reload\", \"restart\"],\n"), "\(text)")
        #expect(text.contains("\"dev-disk-by\\\\x2dlabel.mount\": [\"restart\"]"), "a backslash is escaped for JavaScript: \(text)")
        #expect(text.contains("subject.user != \"vitals\""))
        #expect(text.contains("action.id != \"org.freedesktop.systemd1.manage-units\""))
        #expect(PolkitRule.text([], source: "x").contains("(no restart: or reload: actions are configured)"))
    }
}
