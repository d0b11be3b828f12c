import Testing
import VitalsTestKit

@testable import VitalsCore

/// Issue 13: an agent started on a busy host, restarted while a problem was pending, or after a
/// read failure, notifies nothing before the check's own debounce has passed, and the problem once
/// when it has. Each runs the evaluator and the alert engine as the daemon does, with the shipped
/// defaults (cpu: critical at 98 % after 5 minutes; 10 s interval; the alert policy's unknown
/// delay and resolve hold), on a manual clock.
@Suite struct RestartScenarioTests {
    typealias Instant = ManualClock.Instant
    static let interval: Duration = .seconds(10)

    /// One agent process: its evaluator and engine, fed one CPU reading per cycle.
    struct Agent {
        var evaluator = CheckEvaluator<Instant>()
        var engine = AlertEngine<Instant>(policy: Config().alerts)
        let spec = BuiltinCheck.cpu.defaultSpec

        /// A new process after a restart: the engine restored from `previous`'s state file, the
        /// evaluator seeded from it (as `Agent.run` wires it).
        init(restoredFrom previous: Agent? = nil, now: Instant, wall: Double) {
            guard let previous else { return }
            engine.restore(previous.engine.export(wall: wall, now: now), now: now, wall: wall)
            evaluator.seed(engine.problemStates)
        }

        mutating func cycle(_ reading: Reading, at t: Instant, wall: Double) -> [AlertNotification] {
            let obs = Observation(check: "cpu", reading: reading, subject: "cpu", quantity: "busy", unit: "%")
            _ = evaluator.evaluate(obs, spec: spec, at: t, timestamp: wall)
            let s = evaluator.statuses[0]
            let labels = AlertLabels.forCheck("cpu", resource: "", instance: "web1")
            return engine.observe(
                CheckResult(labels: labels, severity: s.severity, message: s.message, value: s.value, threshold: s.threshold), now: t,
                wall: wall)
        }
    }

    /// Runs `agent` for `cycles` cycles from `start`; returns each notification with its time.
    static func run(
        _ agent: inout Agent, from start: inout Instant, cycles: Int, _ reading: (Int) -> Reading
    ) -> [(at: Duration, n: AlertNotification)] {
        var out: [(Duration, AlertNotification)] = []
        for i in 0..<cycles {
            for n in agent.cycle(reading(i), at: start, wall: start.offset.seconds) { out.append((start.offset, n)) }
            start = start.advanced(by: interval)
        }
        return out
    }

    @Test func startedWhileTheCPUIsSaturatedNotifiesOnlyAfterTheDebounce() {
        var t = Instant(offset: .zero)
        var agent = Agent(now: t, wall: 0)
        // The first CPU sample has no delta (unknown); then 100 % busy for 8 minutes.
        let sent = Self.run(&agent, from: &t, cycles: 49) { $0 == 0 ? .unknown("first sample") : .value(100) }
        #expect(sent.count == 1, "\(sent.map { "\($0.at) \($0.n.reason) \($0.n.severity)" })")
        #expect(sent.first?.n.reason == .first && sent.first?.n.severity == .critical)
        // The first value came at 10 s; the debounce is 5 minutes of it.
        #expect(sent.first?.at == .seconds(310))
    }

    @Test func whilePendingTheCheckShowsItsLastDefiniteStateAndWhatIsPending() {
        var t = Instant(offset: .zero)
        var agent = Agent(now: t, wall: 0)
        _ = Self.run(&agent, from: &t, cycles: 7) { $0 == 0 ? .unknown("first sample") : .value(100) }
        let s = agent.evaluator.statuses[0]
        #expect(s.severity == .ok)
        #expect(s.pending == "critical for 50s of 5m")
        #expect(s.message == "cpu 100.0% busy (warning above 90%)")
    }

    @Test func aKillWhileAProblemIsPendingStartsTheDebounceAgainAndNotifiesOnce() {
        var t = Instant(offset: .zero)
        var first = Agent(now: t, wall: 0)
        // 3 minutes of a saturated CPU: pending, nothing notified; then kill -9.
        var sent = Self.run(&first, from: &t, cycles: 19) { $0 == 0 ? .unknown("first sample") : .value(100) }
        #expect(sent.isEmpty)
        let restartedAt = t.offset
        var second = Agent(restoredFrom: first, now: t, wall: t.offset.seconds)
        sent = Self.run(&second, from: &t, cycles: 49) { $0 == 0 ? .unknown("first sample") : .value(100) }
        #expect(sent.count == 1, "\(sent.map { "\($0.at) \($0.n.reason)" })")
        #expect(sent.first?.n.reason == .first)
        #expect(sent.first?.at == restartedAt + .seconds(310))
    }

    @Test func aReadFailureDoesNotSkipTheDebounce() {
        var t = Instant(offset: .zero)
        var agent = Agent(now: t, wall: 0)
        var sent = Self.run(&agent, from: &t, cycles: 10) { $0 == 0 ? .unknown("first sample") : .value(20) }
        // Saturated for a minute, then one failed read of /proc/stat, then saturated again.
        sent += Self.run(&agent, from: &t, cycles: 6) { _ in .value(100) }
        sent += Self.run(&agent, from: &t, cycles: 1) { _ in .unknown("/proc/stat: short read") }
        let back = t.offset
        sent += Self.run(&agent, from: &t, cycles: 40) { _ in .value(100) }
        #expect(sent.count == 1, "\(sent.map { "\($0.at) \($0.n.reason) \($0.n.severity)" })")
        #expect(sent.first?.n.reason == .first && sent.first?.n.severity == .critical)
        #expect(sent.first.map { $0.at >= back + .seconds(300) } == true)
    }

    @Test func aRestartDuringANotifiedProblemNeitherResolvesNorRaisesItAgain() {
        var t = Instant(offset: .zero)
        var first = Agent(now: t, wall: 0)
        var sent = Self.run(&first, from: &t, cycles: 40) { $0 == 0 ? .unknown("first sample") : .value(100) }
        #expect(sent.map(\.n.reason) == [.first])
        var second = Agent(restoredFrom: first, now: t, wall: t.offset.seconds)
        // Still saturated for 10 minutes: nothing (no recovery, no second "first").
        sent = Self.run(&second, from: &t, cycles: 60) { $0 == 0 ? .unknown("first sample") : .value(100) }
        #expect(sent.isEmpty, "\(sent.map { "\($0.at) \($0.n.reason)" })")
        // Calm again: resolved once, after the clear debounce (2 minutes) and the resolve hold.
        sent = Self.run(&second, from: &t, cycles: 60) { _ in .value(5) }
        #expect(sent.map(\.n.reason) == [.resolved])
    }
}
