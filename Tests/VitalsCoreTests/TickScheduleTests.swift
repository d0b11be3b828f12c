import Testing
import VitalsTestKit

@testable import VitalsCore

/// The sampling loop's schedule on a manual clock (issue 16: timing scenarios in process, not
/// through the binary with sleeps).
@Suite struct TickScheduleTests {
    typealias Instant = ManualClock.Instant
    func at(_ ms: Int64) -> Instant { Instant(offset: .milliseconds(ms)) }

    @Test func ticksAreAnchoredAndDoNotDrift() {
        var s = TickSchedule(interval: .seconds(10), start: at(0))
        // Cycles that take 300 ms each, started late by 5 ms: the ticks stay at 10 s, 20 s, 30 s.
        var started = at(0)
        for n in 1...3 {
            let next = s.next(after: started, now: started.advanced(by: .milliseconds(300)), interval: .seconds(10))
            #expect(next == .init(at: at(Int64(n) * 10_000), skipped: 0))
            started = next.at.advanced(by: .milliseconds(5))
        }
    }

    @Test func anOverrunSkipsTheMissedTicksInsteadOfRunningBackToBack() {
        var s = TickSchedule(interval: .seconds(10), start: at(0))
        // The first cycle takes 25 s: ticks 10 s and 20 s are skipped, the next runs at 30 s.
        #expect(s.next(after: at(0), now: at(25_000), interval: .seconds(10)) == .init(at: at(30_000), skipped: 2))
        #expect(s.next(after: at(30_000), now: at(30_100), interval: .seconds(10)) == .init(at: at(40_000), skipped: 0))
    }

    @Test func aNewIntervalAnchorsAtTheCycleThatSawIt() {
        var s = TickSchedule(interval: .seconds(10), start: at(0))
        #expect(s.next(after: at(0), now: at(100), interval: .seconds(10)).at == at(10_000))
        // A reload to 2 s, seen by the cycle that started at 10 s.
        #expect(s.next(after: at(10_000), now: at(10_100), interval: .seconds(2)) == .init(at: at(12_000), skipped: 0))
        #expect(s.next(after: at(12_000), now: at(12_100), interval: .seconds(2)).at == at(14_000))
        #expect(s.interval == .seconds(2))
    }
}
