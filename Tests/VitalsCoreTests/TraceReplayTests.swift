import Testing
import VitalsTestKit

@testable import VitalsCore

/// The alert manager's goals on the synthetic 24-hour trace (the same replay `bench/replay`
/// reports): every incident notified within its debounce plus one interval, no spike or inhibited
/// symptom notified, at most 1.2 problem notifications per incident, one recovery each.
@Suite struct TraceReplayTests {
    @Test func theDayMeetsTheGoals() {
        let r = TraceReplay().run()
        #expect(r.missed.isEmpty, "\(r)")
        #expect(r.late.isEmpty, "\(r)")
        #expect(r.spurious.isEmpty, "\(r)")
        #expect(r.messagesPerIncident <= 1.2, "\(r)")
        #expect(r.recoveries == r.incidents.count, "\(r.log)")
    }

    /// Issue 18: a disk filling at a steady rate is forecast at least 4 h before it is full; the
    /// cron burst and the log rotations forecast nothing; each CPU incident names its unit.
    @Test func theForecastLeadsAndTheCulpritsAreNamed() throws {
        let r = TraceReplay().run()
        let lead = try #require(r.forecastLeadHours, "\(r)")
        #expect(lead >= 4, "\(r)")
        #expect(r.falseForecasts.isEmpty, "\(r)")
        #expect(r.culpritsMissed.isEmpty, "\(r)")
        #expect(r.incidents.contains { $0.culprit == "batch-report.service" })
    }

    @Test func withoutTheResolveHoldTheFlappingSignalCostsMore() {
        var config = Config()
        config.alerts.resolveHold = .zero
        let r = TraceReplay().run(config: config)
        #expect(r.messagesPerIncident > 1.2, "the hold is what keeps the oscillating pressure to one incident: \(r.log)")
        #expect(r.log.contains { $0.contains("pressure_memory  flapping_started") }, "and flap detection still catches it")
    }
}
