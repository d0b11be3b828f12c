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

    @Test func stateDebounceCountsConsecutiveResults() {
        var d = StateDebouncer()
        #expect(d.feed(.ok, raiseAfter: 3, clearAfter: 2) == .ok)
        #expect(d.feed(.critical, raiseAfter: 3, clearAfter: 2) == .ok)
        #expect(d.describePending(raiseAfter: 3, clearAfter: 2) == "critical after 1 of 3 results")
        #expect(d.feed(.critical, raiseAfter: 3, clearAfter: 2) == .ok)
        #expect(d.feed(.critical, raiseAfter: 3, clearAfter: 2) == .critical)
        #expect(d.feed(.ok, raiseAfter: 3, clearAfter: 2) == .critical)
        #expect(d.feed(.warning, raiseAfter: 3, clearAfter: 2) == .critical, "a different state starts the count again")
        #expect(d.feed(.warning, raiseAfter: 3, clearAfter: 2) == .warning)
        #expect(d.feed(.unknown, raiseAfter: 3, clearAfter: 2) == .unknown, "unknown counts at once")
        #expect(d.feed(.ok, raiseAfter: 3, clearAfter: 2) == .warning, "after unknown, judged against the last definite state")
        #expect(d.feed(.ok, raiseAfter: 3, clearAfter: 2) == .ok)
    }

    /// Issue 13: a first result, or the first after unknown, never skips the raise debounce; a
    /// restart resumes from the state the alert had.
    @Test func theFirstResultAndTheFirstAfterUnknownAreDebounced() {
        var d = StateDebouncer()
        #expect(d.feed(.critical, raiseAfter: 3, clearAfter: 2) == .ok)
        #expect(d.describePending(raiseAfter: 3, clearAfter: 2) == "critical after 1 of 3 results")
        #expect(d.feed(.critical, raiseAfter: 3, clearAfter: 2) == .ok)
        #expect(d.feed(.critical, raiseAfter: 3, clearAfter: 2) == .critical)
        var e = StateDebouncer()
        #expect(e.feed(.ok, raiseAfter: 3, clearAfter: 2) == .ok)
        #expect(e.feed(.unknown, raiseAfter: 3, clearAfter: 2) == .unknown)
        #expect(e.feed(.critical, raiseAfter: 3, clearAfter: 2) == .ok)
        #expect(e.feed(.critical, raiseAfter: 3, clearAfter: 2) == .ok)
        #expect(e.feed(.critical, raiseAfter: 3, clearAfter: 2) == .critical)
        var restored = StateDebouncer(baseline: .critical)
        #expect(restored.feed(.critical, raiseAfter: 3, clearAfter: 2) == .critical, "a notified problem stays, no new raise")
        #expect(restored.feed(.ok, raiseAfter: 3, clearAfter: 2) == .critical)
        #expect(restored.feed(.ok, raiseAfter: 3, clearAfter: 2) == .ok)
    }
}
