public import Logging
public import ServiceLifecycle
import Synchronization
public import VitalsCore
public import VitalsNotify

/// The heartbeat's record, shared by its service (which writes it) and the status socket and
/// `/metrics` (which read it).
public final class HeartbeatBoard: Sendable {
    private let status: Mutex<HeartbeatStatus?>

    public init(_ initial: HeartbeatStatus?) { status = Mutex(initial) }

    /// The record now; nil when no heartbeat is configured.
    public var current: HeartbeatStatus? { status.withLock { $0 } }

    func update(_ change: (inout HeartbeatStatus) -> Void) { status.withLock { s in if s != nil { change(&s!) } } }

    func set(_ new: HeartbeatStatus?) { status.withLock { $0 = new } }
}

/// Issue 19: calls the heartbeat URL every interval while every stage of the agent makes progress
/// (the same board the systemd watchdog reads), the fail URL with the reason while the agent is
/// degraded (a stage overdue, a notification channel failing), and nothing when degraded without
/// a fail URL, so the outside service pages on the silence. The first call waits for the first
/// sampling cycle, so a heartbeat always means the agent samples. A call that fails is not
/// retried before the next tick: the next tick is the retry, and a backlog of pings means nothing.
/// The settings are read from the running configuration at every tick, so a reload that adds,
/// changes or removes the `heartbeat:` section takes effect within one interval.
public struct HeartbeatService: Service {
    let board: HeartbeatBoard
    let tracker: ProgressTracker
    let delivery: Delivery
    let state: AgentState
    let logger: Logger
    let clock: AgentClock
    let makePinger: @Sendable (HeartbeatConfig) -> HeartbeatPinger

    public init(
        board: HeartbeatBoard, tracker: ProgressTracker, delivery: Delivery, state: AgentState, logger: Logger, clock: AgentClock,
        makePinger: @escaping @Sendable (HeartbeatConfig) -> HeartbeatPinger
    ) {
        self.board = board
        self.tracker = tracker
        self.delivery = delivery
        self.state = state
        self.logger = logger
        self.clock = clock
        self.makePinger = makePinger
    }

    /// How often a configuration without a heartbeat is looked at again (a reload may add one).
    static let idleRecheck: Duration = .seconds(10)

    public func run() async throws {
        // Wait for the first cycle, checking every second.
        while state.current.cycles == 0 {
            do { try await clock.sleepUnlessShuttingDown(for: .seconds(1)) } catch { return }
        }
        var active: (settings: HeartbeatConfig, pinger: HeartbeatPinger)? = nil
        var next = clock.now
        var lastKind: String? = nil
        while !Task.isShuttingDownGracefully {
            let settings = state.current.config.heartbeat
            if settings != active?.settings {
                active = settings.map { ($0, makePinger($0)) }
                board.set(settings.map { HeartbeatStatus(target: HeartbeatConfig.shown($0.url.wire), intervalSeconds: $0.interval.seconds) })
                lastKind = nil
                next = clock.now
            }
            guard let (settings, pinger) = active else {
                do { try await clock.sleepUnlessShuttingDown(for: Self.idleRecheck) } catch { return }
                continue
            }
            lastKind = await tick(settings: settings, pinger: pinger, previous: lastKind)
            next = next + settings.interval
            // Anchored: a slow receiver does not shift the schedule; a missed tick is skipped.
            while next <= clock.now { next = next + settings.interval }
            let wake = next
            do { try await clock.sleepUnlessShuttingDown(until: wake) } catch { return }
        }
    }

    /// One tick: decide, call, record. Returns what it did ("ping", "fail", "held").
    func tick(settings: HeartbeatConfig, pinger: HeartbeatPinger, previous: String?) async -> String {
        let wall = clock.wall
        let checks = state.current.checks
        var counts: [Severity: Int] = [:]
        for c in checks { counts[c.severity, default: 0] += 1 }
        let summary =
            "vitals on \(Hostname.current()): \(checks.count) checks, "
            + [Severity.ok, .warning, .critical, .unknown, .stale].compactMap { s in counts[s].map { "\($0) \(s)" } }.joined(separator: ", ")
        let failing = delivery.statuses(wall: wall).filter { $0.severity == .critical }.map(\.message)
        let decision = HeartbeatDecision.decide(
            overdue: tracker.stuck().map(\.description), failing: failing, summary: summary, hasFailURL: settings.failURL != nil)
        let kind: String
        switch decision {
        case .hold(let reason):
            kind = "held"
            board.update {
                $0.held += 1
                $0.lastKind = kind
                $0.lastReason = reason
                $0.lastResult = "not called: degraded and no fail_url"
            }
            if previous != kind {
                logger.warning(
                    "heartbeat: not calling \(HeartbeatConfig.shown(settings.url.wire)) while degraded: \(reason)",
                    metadata: [LogKey.messageID: "\(EventKind.heartbeatProblem.messageID)"])
            }
            return kind
        case .ping(let body):
            kind = "ping"
            let outcome = await pinger.call(failing: false, body: body)
            record(kind, outcome, settings: settings, reason: nil, wall: wall, previous: previous)
        case .fail(let reason):
            kind = "fail"
            let outcome = await pinger.call(failing: true, body: "vitals on \(Hostname.current()) is degraded: \(reason)")
            record(kind, outcome, settings: settings, reason: reason, wall: wall, previous: previous)
        }
        return kind
    }

    private func record(_ kind: String, _ outcome: DeliveryOutcome, settings: HeartbeatConfig, reason: String?, wall: Double, previous: String?) {
        let wasFailing = board.current.map { $0.lastResult != nil && $0.lastSuccessAt != $0.lastAttemptAt } ?? false
        board.update {
            $0.lastAttemptAt = wall
            $0.lastKind = kind
            $0.lastReason = reason
            switch outcome {
            case .delivered(let detail):
                if kind == "ping" { $0.pings += 1 } else { $0.failPings += 1 }
                $0.lastSuccessAt = wall
                $0.lastResult = detail
            case .failed(let why, _, _):
                $0.errors += 1
                $0.lastResult = why
            }
        }
        let target = HeartbeatConfig.shown((kind == "fail" ? settings.failURL : settings.url)?.wire ?? "")
        switch outcome {
        case .delivered:
            if kind == "fail" && previous != "fail" {
                logger.warning(
                    "heartbeat: told \(target) the agent is degraded: \(reason ?? "")",
                    metadata: [LogKey.messageID: "\(EventKind.heartbeatProblem.messageID)"])
            } else if wasFailing || (kind == "ping" && previous != nil && previous != "ping") {
                logger.notice("heartbeat: \(target) answers again", metadata: [LogKey.messageID: "\(EventKind.heartbeatRecovered.messageID)"])
            }
        case .failed(let why, _, _):
            if !wasFailing {
                logger.error(
                    "heartbeat: calling \(target) failed: \(why); the outside service will page if this goes on",
                    metadata: [LogKey.messageID: "\(EventKind.heartbeatProblem.messageID)"])
            }
        }
    }
}
