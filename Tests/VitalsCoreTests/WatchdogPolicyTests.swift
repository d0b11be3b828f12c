import Testing
import VitalsTestKit

@testable import VitalsCore

@Suite struct WatchdogPolicyTests {
    typealias Instant = ManualClock.Instant
    func at(_ s: Int64) -> Instant { Instant(offset: .seconds(s)) }

    @Test func pingsOnlyWhileEveryPartIsWithinItsDeadline() {
        var w = WatchdogPolicy<Instant>()
        w.register("sampling", deadline: .seconds(25), at: at(0))
        w.register("delivery", deadline: .seconds(60), at: at(0))
        #expect(w.stuck(at: at(20)).isEmpty)
        w.progress("sampling", at: at(20))
        #expect(w.stuck(at: at(44)).isEmpty)
        let stuck = w.stuck(at: at(46))
        #expect(stuck.map(\.part) == ["sampling"])
        #expect(stuck.first?.description == "sampling made no progress for 26s (deadline 25s)")
        w.progress("sampling", at: at(47))
        #expect(w.stuck(at: at(50)).isEmpty)
        #expect(w.stuck(at: at(61)).map(\.part) == ["delivery"])
    }

    @Test func reRegisteringKeepsTheLastProgress() {
        var w = WatchdogPolicy<Instant>()
        w.register("sampling", deadline: .seconds(10), at: at(0))
        w.register("sampling", deadline: .seconds(30), at: at(20))
        #expect(w.stuck(at: at(25)).isEmpty)
        #expect(w.stuck(at: at(31)).map(\.part) == ["sampling"])
    }

    /// A stage that waits for input is parked: not stuck however long nothing comes; once its
    /// work begins its deadline runs again, and a stage stuck in its work is named.
    @Test func aParkedPartIsNotStuckUntilItsWorkBegins() {
        var w = WatchdogPolicy<Instant>()
        w.register("alerting", deadline: .seconds(30), at: at(0))
        w.park("alerting", at: at(1))
        #expect(w.stuck(at: at(500)).isEmpty, "waiting for a cycle result is not stuck")
        w.progress("alerting", at: at(500))
        #expect(w.stuck(at: at(520)).isEmpty)
        #expect(w.stuck(at: at(531)).map(\.part) == ["alerting"], "a state write that hangs is")
        w.park("alerting", at: at(540))
        #expect(w.stuck(at: at(900)).isEmpty)
    }
}
