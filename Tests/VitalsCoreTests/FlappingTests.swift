import Testing
import VitalsTestKit

@testable import VitalsCore

/// Nagios-style flap detection, alone and inside the alert engine.
@Suite struct FlappingTests {
    typealias Instant = ManualClock.Instant

    /// Issue 17: a history of one state throughout, kept as that state once (what the state file
    /// comparison uses), decides exactly what the whole history decides, for every result after.
    @Test func aQuietHistoryTrimmedToOneEntryDecidesTheSameForEveryResultAfter() {
        var rng = SplitMix64(seed: 17)
        let states: [Severity] = [.ok, .warning, .critical]
        let t = FlapDetector.Thresholds()
        for _ in 0..<300 {
            var whole = FlapDetector()
            let quiet = states[Int(rng.next() % 3)]
            for _ in 0..<(2 + Int(rng.next() % 25)) { _ = whole.record(quiet, thresholds: t) }
            var trimmed = whole.quietHistoryTrimmed
            #expect(trimmed.history == [quiet] && trimmed.flapping == whole.flapping)
            var current = quiet
            for _ in 0..<60 {
                // Mostly the same state, sometimes a change: flapping starts and stops.
                if rng.next() % 3 == 0 { current = states[Int(rng.next() % 3)] }
                let a = whole.record(current, thresholds: t)
                let b = trimmed.record(current, thresholds: t)
                #expect(a == b && abs(whole.percentStateChange - trimmed.percentStateChange) < 1e-9)
            }
        }
        // A history with a change in it is kept whole.
        var changed = FlapDetector()
        _ = changed.record(.ok, thresholds: t)
        _ = changed.record(.warning, thresholds: t)
        #expect(changed.quietHistoryTrimmed == changed)
    }

    @Test func percentStateChangeIsWeightedTowardsRecentChanges() {
        var d = FlapDetector()
        let t = FlapDetector.Thresholds(enabled: false)
        for _ in 0..<21 { _ = d.record(.ok, thresholds: t) }
        #expect(d.percentStateChange == 0)
        // Every step a change: the weights 0.8 ... 1.2 average 1.0, so 100 %.
        var all = FlapDetector()
        for i in 0..<21 { _ = all.record(i % 2 == 0 ? .ok : .critical, thresholds: t) }
        #expect(abs(all.percentStateChange - 100) < 1e-9)
        // One change, as the newest step, weighs 1.2 of 20: 6 %; as the oldest, 0.8 of 20: 4 %.
        var newest = FlapDetector()
        for _ in 0..<20 { _ = newest.record(.ok, thresholds: t) }
        _ = newest.record(.warning, thresholds: t)
        #expect(abs(newest.percentStateChange - 6) < 1e-9)
        var oldest = FlapDetector()
        _ = oldest.record(.ok, thresholds: t)
        for _ in 0..<20 { _ = oldest.record(.warning, thresholds: t) }
        #expect(abs(oldest.percentStateChange - 4) < 1e-9)
        #expect(oldest.history.count == 21)
    }

    @Test func startsAboveHighStopsBelowLow() {
        var d = FlapDetector()
        let t = FlapDetector.Thresholds()
        var changes: [FlapDetector.Change] = []
        for i in 0..<12 { changes.append(d.record(i % 2 == 0 ? .ok : .critical, thresholds: t)) }
        let started = changes.firstIndex { if case .started = $0 { true } else { false } }
        #expect(started != nil)
        #expect(d.flapping)
        for _ in 0..<30 { changes.append(d.record(.critical, thresholds: t)) }
        #expect(!d.flapping)
        #expect(changes.filter { if case .started = $0 { true } else { false } }.count == 1)
        #expect(changes.filter { if case .stopped = $0 { true } else { false } }.count == 1)
    }

    func run(_ steps: [Severity]) -> [String] {
        var e = AlertEngine<Instant>()
        let labels = AlertLabels.forCheck("disk", resource: "/srv", instance: "web1")
        var out: [String] = []
        for (i, s) in steps.enumerated() {
            for n in e.observe(CheckResult(labels: labels, severity: s, message: "m"), now: Instant(offset: .seconds(i * 10)), wall: Double(i * 10)) {
                out.append("\(i):\(n.reason.rawValue):\(n.severity)")
            }
        }
        return out
    }

    @Test func aFlappingCheckNotifiesStartOnceThenSilenceThenStopWithTheFinalState() {
        let flapping = (0..<16).map { $0 % 2 == 0 ? Severity.critical : .ok }
        let out = run(flapping + Array(repeating: .critical, count: 25))
        // Six ordinary messages until the weighted change passes 30 % at the 7th result, then one
        // start, silence for the rest of the storm, one stop with the final state, and, because
        // the last notification was a recovery, the problem that state owes.
        #expect(
            out == [
                "0:first:critical", "1:resolved:ok", "2:first:critical", "3:resolved:ok", "4:first:critical", "5:resolved:ok",
                "6:flapping_started:critical", "32:flapping_stopped:critical", "32:first:critical",
            ])
    }

    @Test func whenTheFinalStateDiffersFromTheLastNotifiedARecoveryFollows() {
        // Critical and warning alternate (a problem all along), then the check settles at ok.
        let flapping = (0..<16).map { $0 % 2 == 0 ? Severity.critical : .warning }
        let out = run(flapping + Array(repeating: .ok, count: 25))
        #expect(out.prefix(2) == ["0:first:critical", "1:improved:warning"])
        let reasons = out.map { String($0.split(separator: ":")[1]) }
        let stop = try! #require(reasons.firstIndex(of: "flapping_stopped"))
        #expect(reasons[stop - 1] == "flapping_started")
        #expect(out[stop].hasSuffix(":ok"))
        #expect(Array(reasons[(stop + 1)...]) == ["resolved"], "exactly one recovery follows: \(out)")
    }

    @Test func disabledMeansEveryChangeIsNotified() {
        var e = AlertEngine<Instant>(policy: AlertPolicy(flapping: .init(enabled: false)))
        let labels = AlertLabels.forCheck("disk", resource: "/", instance: "h")
        var count = 0
        for i in 0..<30 {
            count +=
                e.observe(
                    CheckResult(labels: labels, severity: i % 2 == 0 ? .critical : .ok, message: "m"), now: Instant(offset: .seconds(i)),
                    wall: Double(i)
                ).count
        }
        #expect(count == 30)
    }
}
