public import ServiceLifecycle
public import VitalsCore
public import VitalsSystemd

/// What one sampling cycle hands to the alert stage: the built-in checks' states (with their
/// units and details), the snapshot they came from, the configuration in force, when the cycle
/// ended and how long it took.
public struct CycleResult: Sendable {
    public var snapshot: HostSnapshot
    public var statuses: [CheckStatus]
    public var config: Config
    public var endedAt: ContinuousClock.Instant
    public var wall: Double
    public var took: Duration

    public init(
        snapshot: HostSnapshot, statuses: [CheckStatus], config: Config, endedAt: ContinuousClock.Instant, wall: Double, took: Duration = .zero
    ) {
        self.snapshot = snapshot
        self.statuses = statuses
        self.config = config
        self.endedAt = endedAt
        self.wall = wall
        self.took = took
    }
}

/// The agent's one-line state for systemd (`STATUS=`, shown by `systemctl status vitals`).
enum StatusLine {
    static func text(_ statuses: [CheckStatus], took: Duration) -> String { text(summary: StatusDocument.Summary(statuses).line, took: took) }

    static func text(summary: String, took: Duration) -> String {
        "\(summary); last cycle \(Units.formatDecimal(took.seconds * 1000, places: 1)) ms"
    }

    /// How often the line goes to systemd when the checks' summary stays the same: each
    /// `STATUS=` wakes PID 1, so not every cycle (issue 17); the cycle time it shows is at most
    /// this old.
    static let refresh: Duration = .seconds(60)
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

/// The alert stage: takes each cycle's result with the states of the checks sampling does not
/// run (`CheckSources`: the custom checks' latest results and the channels' health), tells
/// systemd the summary (`STATUS=`), and runs them through the alert pipeline (`AlertDispatcher`:
/// the engine, silences, routes, the storm guard, the fsync'd state write and the outbox writes),
/// so a slow disk delays alerts but never a sample. It reports `alerting` to the watchdog while it works
/// on a result and parks while it waits for the next, so the journal names it when a write hangs.
/// It stops after sampling (which ends the stream), once the last result has gone through.
public struct AlertService: Service {
    public static let part = "alerting"
    /// The longest one result may take: state and outbox writes with their fsyncs.
    public static let deadline: Duration = .seconds(30)

    let results: CycleResults
    let dispatcher: AlertDispatcher
    let tracker: ProgressTracker?
    let sources: CheckSources
    let notifier: SystemdNotifier?

    public init(
        results: CycleResults, dispatcher: AlertDispatcher, tracker: ProgressTracker?, sources: CheckSources = .none,
        notifier: SystemdNotifier? = nil
    ) {
        self.sources = sources
        self.notifier = notifier
        self.results = results
        self.dispatcher = dispatcher
        self.tracker = tracker
        tracker?.register(Self.part, deadline: Self.deadline)
        tracker?.park(Self.part)
    }

    public func run() async throws {
        var dispatcher = self.dispatcher
        var sent: (summary: String, at: ContinuousClock.Instant)? = nil
        // Not cancelled by a graceful shutdown: sampling stops first and ends the stream, and the
        // result it published last still goes through.
        for await r in results.stream {
            tracker?.progress(Self.part)
            let statuses = r.statuses + sources.statuses(r.config, now: r.endedAt, wall: r.wall)
            if let notifier {
                // When the summary changes, else once a `StatusLine.refresh`.
                let summary = StatusDocument.Summary(statuses).line
                if sent.map({ $0.summary != summary || $0.at.duration(to: r.endedAt) >= StatusLine.refresh }) ?? true {
                    notifier.status(StatusLine.text(summary: summary, took: r.took))
                    sent = (summary, r.endedAt)
                }
            }
            dispatcher.process(statuses, snapshot: r.snapshot, config: r.config, now: r.endedAt, wall: r.wall)
            // The alerts as this evaluation left them go to the self-healing actions.
            sources.actions?.offer(dispatcher.state.current.alerts, config: r.config)
            dispatcher.state.recordAlerted(cycle: r.snapshot.cycle)
            tracker?.park(Self.part)
        }
        // Stopped only in its turn: the service group takes a service that ends before it is told
        // to as a failure (and sampling ends the stream just before this stage's turn comes).
        try? await gracefulShutdown()
    }
}
