import Logging
import Testing
import VitalsCore
import VitalsTestKit

@testable import VitalsDaemon

/// The alert stage in process (issue 16): sampling hands it each cycle's result; it runs the
/// pipeline, parks between results, and takes the last result before it stops.
@Suite struct AlertStageTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func result(_ severity: Severity, wall: Double, at now: ContinuousClock.Instant) -> CycleResult {
        let disk = CheckStatus(
            check: "disk", resource: "/srv", severity: severity, message: "disk /srv", value: 96, threshold: 95, since: wall,
            evaluatedAt: wall, pending: nil)
        return CycleResult(snapshot: HostSnapshot(timestamp: wall, cycle: 1), statuses: [disk], config: Config(), endedAt: now, wall: wall)
    }

    @Test func theLastResultGoesThroughWhenSamplingStopsAndTheStageParksBetweenResults() async throws {
        let state = AgentState(config: Config(), configFile: nil, startedAt: 1000)
        let time = ManualTime()
        let now = time.now
        let dispatcher = AlertDispatcher(
            policy: AlertPolicy(), store: nil, controls: ControlStore(directory: nil), instance: "web1", logger: Self.quiet,
            state: state, now: now, wall: 1000)
        let results = CycleResults()
        let tracker = ProgressTracker(clock: time.clock)
        let stage = AlertService(results: results, dispatcher: dispatcher, tracker: tracker)
        #expect(tracker.stuck().isEmpty, "waiting for the first result is not stuck")
        let running = Task { try await stage.run() }
        results.publish(Self.result(.ok, wall: 1000, at: now))
        results.publish(Self.result(.critical, wall: 1001, at: now + .seconds(1)))
        results.finish()
        // It stops in its turn of a graceful shutdown; here it is cancelled once it has finished.
        for _ in 0..<500 where state.current.alerts.first?.notified != .critical { try await Task.sleep(for: .milliseconds(10)) }
        running.cancel()
        _ = await running.result
        let alert = try #require(state.current.alerts.first)
        #expect(alert.labels["check"] == "disk" && alert.severity == .critical, "the last result was alerted on")
        #expect(alert.notified == .critical)
        time.advance(by: AlertService.deadline * 3)
        #expect(tracker.stuck().isEmpty, "parked after its work: waiting past its deadline is not stuck")
    }
}
