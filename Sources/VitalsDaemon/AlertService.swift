public import ServiceLifecycle
public import VitalsCore

/// What one sampling cycle hands to the alert stage: every check's state (built-in, custom and
/// channel health, as published in `/v1/status`), the snapshot they came from, the configuration
/// in force, and when the cycle ended.
public struct CycleResult: Sendable {
    public var snapshot: HostSnapshot
    public var statuses: [CheckStatus]
    public var config: Config
    public var endedAt: ContinuousClock.Instant
    public var wall: Double

    public init(snapshot: HostSnapshot, statuses: [CheckStatus], config: Config, endedAt: ContinuousClock.Instant, wall: Double) {
        self.snapshot = snapshot
        self.statuses = statuses
        self.config = config
        self.endedAt = endedAt
        self.wall = wall
    }
}

/// The hand-over from sampling to alerting: the latest result waits, an older one not yet taken
/// is replaced (each result carries every check's whole state, so the newest says all; the
/// transitions between them were logged by sampling already).
public struct CycleResults: Sendable {
    public let stream: AsyncStream<CycleResult>
    let continuation: AsyncStream<CycleResult>.Continuation

    public init() { (stream, continuation) = AsyncStream.makeStream(of: CycleResult.self, bufferingPolicy: .bufferingNewest(1)) }

    /// Hands a cycle's result to the alert stage.
    public func publish(_ r: CycleResult) { continuation.yield(r) }

    /// No more results: the alert stage takes the last one and stops.
    public func finish() { continuation.finish() }
}

/// The alert stage: runs each cycle's result through the alert pipeline (`AlertDispatcher`: the
/// engine, silences, routes, the storm guard, the fsync'd state write and the outbox writes), so a
/// slow disk delays alerts but never a sample. It reports `alerting` to the watchdog while it works
/// on a result and parks while it waits for the next, so the journal names it when a write hangs.
/// It stops after sampling (which ends the stream), once the last result has gone through.
public struct AlertService: Service {
    public static let part = "alerting"
    /// The longest one result may take: state and outbox writes with their fsyncs.
    public static let deadline: Duration = .seconds(30)

    let results: CycleResults
    let dispatcher: AlertDispatcher
    let tracker: ProgressTracker?

    public init(results: CycleResults, dispatcher: AlertDispatcher, tracker: ProgressTracker?) {
        self.results = results
        self.dispatcher = dispatcher
        self.tracker = tracker
        tracker?.register(Self.part, deadline: Self.deadline)
        tracker?.park(Self.part)
    }

    public func run() async throws {
        var dispatcher = self.dispatcher
        // Not cancelled by a graceful shutdown: sampling stops first and ends the stream, and the
        // result it published last still goes through.
        for await r in results.stream {
            tracker?.progress(Self.part)
            dispatcher.process(r.statuses, snapshot: r.snapshot, config: r.config, now: r.endedAt, wall: r.wall)
            dispatcher.state.recordAlerted(cycle: r.snapshot.cycle)
            tracker?.park(Self.part)
        }
        // Stopped only in its turn: the service group takes a service that ends before it is told
        // to as a failure (and sampling ends the stream just before this stage's turn comes).
        try? await gracefulShutdown()
    }
}
