import Testing
import VitalsTestKit

@testable import VitalsCore

/// The custom checks' schedule and state debounce.
@Suite struct PluginScheduleTests {
    typealias Instant = ManualClock.Instant
    static func check(_ name: String, every s: Int = 10) -> CheckDefinition {
        CheckDefinition(name: name, command: ["/bin/true"], interval: .seconds(Int64(s)), timeout: .seconds(1))
    }
    static func at(_ ms: Int) -> Instant { Instant(offset: .milliseconds(Int64(ms))) }

    @Test func startsAreSpreadOverTheIntervalAndStableByName() {
        let offsets = (0..<200).map { PluginSchedule<Instant>.jitter("c\($0)", interval: .seconds(10)) }
        #expect(offsets.allSatisfy { $0 >= .zero && $0 < .seconds(10) })
        #expect(Set(offsets.map { Int($0.seconds) }).count == 10, "every second of the interval gets some")
        #expect(PluginSchedule<Instant>.jitter("web", interval: .seconds(10)) == PluginSchedule<Instant>.jitter("web", interval: .seconds(10)))
    }

    @Test func theFirstRunsAfterAStartComeWithinHalfAMinute() {
        var s = PluginSchedule<Instant>(maxConcurrent: 8)
        let checks = ["failed_units", "reboot_required", "clock_sync"].map { Self.check($0, every: 300) }
        var ran = Set<String>()
        for ms in stride(from: 0, through: 30_000, by: 100) {
            for c in s.due(checks, now: Self.at(ms)) {
                ran.insert(c.name)
                s.finished(c, started: Self.at(ms))
            }
        }
        #expect(ran.count == 3, "ran: \(ran)")
    }

    @Test func neverMoreThanThePoolAndNeverTwoRunsOfOneCheck() {
        let checks = (0..<200).map { Self.check("c\($0)") }
        var s = PluginSchedule<Instant>(maxConcurrent: 4)
        var started: [String: Int] = [:]
        var running: [(String, Int)] = []
        var maxRunning = 0
        for ms in stride(from: 0, through: 60_000, by: 50) {
            // Each run takes 300 ms.
            for (name, t) in running where ms - t >= 300 {
                s.finished(Self.check(name), started: Self.at(t))
            }
            running.removeAll { ms - $0.1 >= 300 }
            for c in s.due(checks, now: Self.at(ms)) {
                #expect(!running.contains { $0.0 == c.name }, "\(c.name) started twice at once")
                running.append((c.name, ms))
                started[c.name, default: 0] += 1
            }
            maxRunning = max(maxRunning, running.count)
            #expect(s.running.count == running.count)
        }
        #expect(maxRunning == 4)
        #expect(started.count == 200, "every check ran")
        // 4 slots x 300 ms runs: at most ~13 runs a second, so 200 checks every 10 s cannot all
        // keep their interval; each still runs (about every 15 s), none is starved.
        #expect(started.values.min()! >= 3)
    }

    @Test func theNextRunIsAnIntervalAfterTheLastStart() {
        var s = PluginSchedule<Instant>(maxConcurrent: 1)
        let c = Self.check("only", every: 10)
        let first = PluginSchedule<Instant>.jitter("only", interval: .seconds(10))
        #expect(s.due([c], now: Self.at(0)).isEmpty || first == .zero)
        let t0 = Int(first.seconds * 1000)
        #expect(s.due([c], now: Self.at(t0)).map(\.name) == ["only"])
        #expect(s.due([c], now: Self.at(t0 + 20_000)).isEmpty, "still running: not again")
        s.finished(c, started: Self.at(t0))
        #expect(s.due([c], now: Self.at(t0 + 9_999)).isEmpty)
        #expect(s.due([c], now: Self.at(t0 + 10_000)).map(\.name) == ["only"])
    }

    /// Plugin results through the one `Debouncer` (by consecutive results).
    struct Results {
        var d: Debouncer<ManualClock.Instant>
        var t = ManualClock.Instant(offset: .zero)
        init(baseline: Severity = .ok) { d = Debouncer(baseline: baseline) }
        mutating func feed(_ s: Severity) -> Severity {
            t = t.advanced(by: .seconds(10))
            guard s.isKnown else {
                d.interrupt()
                return s
            }
            return d.feed(s, raise: .samples(3), clear: .samples(2), at: t)
        }
        var pending: String? { d.describePending(at: t, counting: "results") }
    }

    @Test func stateDebounceCountsConsecutiveResults() {
        var d = Results()
        #expect(d.feed(.ok) == .ok)
        #expect(d.feed(.critical) == .ok)
        #expect(d.pending == "critical after 1 of 3 results")
        #expect(d.feed(.critical) == .ok)
        #expect(d.feed(.critical) == .critical)
        #expect(d.feed(.ok) == .critical)
        #expect(d.feed(.critical) == .critical, "back at the definite state: the count starts again")
        #expect(d.feed(.warning) == .critical)
        #expect(d.feed(.warning) == .warning, "two better results in a row")
        #expect(d.feed(.unknown) == .unknown, "unknown counts at once")
        #expect(d.feed(.ok) == .warning, "after unknown, judged against the last definite state")
        #expect(d.feed(.ok) == .ok)
        // Worse results in one direction count together and the latest is taken.
        #expect(d.feed(.warning) == .ok)
        #expect(d.feed(.critical) == .ok)
        #expect(d.pending == "critical after 2 of 3 results")
        #expect(d.feed(.warning) == .warning)
    }

    /// Issue 13: a first result, or the first after unknown, never skips the raise debounce; a
    /// restart resumes from the state the alert had.
    @Test func theFirstResultAndTheFirstAfterUnknownAreDebounced() {
        var d = Results()
        #expect(d.feed(.critical) == .ok)
        #expect(d.pending == "critical after 1 of 3 results")
        #expect(d.feed(.critical) == .ok)
        #expect(d.feed(.critical) == .critical)
        var e = Results()
        #expect(e.feed(.ok) == .ok)
        #expect(e.feed(.unknown) == .unknown)
        #expect(e.feed(.critical) == .ok)
        #expect(e.feed(.critical) == .ok)
        #expect(e.feed(.critical) == .critical)
        var restored = Results(baseline: .critical)
        #expect(restored.feed(.critical) == .critical, "a notified problem stays, no new raise")
        #expect(restored.feed(.ok) == .critical)
        #expect(restored.feed(.ok) == .ok)
    }
}
