import Dispatch
public import Logging
public import ServiceLifecycle
import Synchronization
public import VitalsCore
import VitalsPlugins

/// Issue 19: the self-healing actions' record, shared by the alert stage (which offers each
/// evaluation's alerts), the action stage (which decides and runs), the status socket
/// (`/v1/actions`, the alerts' timelines) and the alert stage again (the check `action`, critical
/// while an action has given up). The ledger is written to `actions.json` in the state directory
/// after every change, so the hourly budget and a give-up survive a restart.
public final class ActionBoard: Sendable {
    /// One evaluation's alerts, with the actions configured then.
    struct Offer: Sendable {
        var candidates: [ActionCandidate]
        var definitions: [ActionDefinition]
    }

    private let ledger = Mutex(ActionLedger())
    /// Where the ledger is kept (nil: memory only).
    public let path: String?
    let offers: AsyncStream<Offer>
    private let continuation: AsyncStream<Offer>.Continuation

    public init(stateDirectory: String?) {
        path = stateDirectory.map { $0 + "/actions.json" }
        (offers, continuation) = AsyncStream.makeStream(of: Offer.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The ledger now.
    public var current: ActionLedger { ledger.withLock { $0 } }

    /// Hands the alerts of one evaluation to the action stage (the newest replaces one not yet
    /// taken: each holds every alert's whole state). Nothing when no action is configured and
    /// none is tracked.
    public func offer(_ alerts: [PersistedAlert], config: Config) {
        guard !config.actions.isEmpty || !ledger.withLock({ $0.tracks.isEmpty }) else { return }
        continuation.yield(Offer(candidates: ActionCandidate.from(alerts), definitions: config.actions))
    }

    func plan(_ offer: Offer, wall: Double) -> [ActionDecision] { change { $0.plan(offer.definitions, offer.candidates, wall: wall) } }

    func finish(_ attempt: ActionAttempt) {
        totals.withLock { $0[attempt.action, default: (0, 0)].0 += attempt.outcome == .succeeded ? 1 : 0 }
        totals.withLock { $0[attempt.action, default: (0, 0)].1 += attempt.outcome == .failed ? 1 : 0 }
        change { $0.finish(attempt) }
    }

    /// Attempts since the agent started, per action (`/metrics`; a counter that a restart resets,
    /// as Prometheus expects; the ledger keeps only the recent ones).
    private let totals = Mutex<[String: (Int, Int)]>([:])

    /// Each configured action's attempts since the start: succeeded and failed.
    public func counts(_ config: Config) -> [(action: String, succeeded: Int, failed: Int)] {
        let t = totals.withLock { $0 }
        return config.actions.map { (action: $0.name, succeeded: t[$0.name]?.0 ?? 0, failed: t[$0.name]?.1 ?? 0) }
    }

    /// Changes the ledger under its lock, then writes it outside that lock (a slow disk must not
    /// hold the status socket or the alert stage, which read the ledger), one writer at a time and
    /// always the newest state, so the file never goes back to an older one.
    private func change<T>(_ body: (inout ActionLedger) -> T) -> T {
        let (out, changed) = ledger.withLock { l in
            let before = l
            let out = body(&l)
            return (out, l != before)
        }
        if changed, path != nil {
            writer.withLock { _ in save(current) }
        }
        return out
    }

    /// Serialises the writes.
    private let writer = Mutex(())

    /// The last write's error (nil: written, or nothing to write).
    private let writeError = Mutex<String?>(nil)
    var lastWriteError: String? { writeError.withLock { $0 } }

    private func save(_ l: ActionLedger) {
        guard let path else { return }
        do {
            let data = try JSONCodec.encode(File(version: File.currentVersion, ledger: l))
            try AtomicFile.write(data, to: path)
            writeError.withLock { $0 = nil }
        } catch let e as VitalsError {
            writeError.withLock { $0 = e.description }
        } catch {
            writeError.withLock { $0 = "\(error)" }
        }
    }

    /// Reads the ledger kept by the last run. A file that cannot be read is moved aside (the
    /// budget starts afresh) and the problem returned, for the journal.
    public func load(definitions: [ActionDefinition], wall: Double) -> String? {
        guard let path else { return nil }
        do {
            guard let data = try AtomicFile.read(path, maxBytes: 8 << 20) else { return nil }
            do {
                let file = try JSONCodec.decode(File.self, from: data)
                guard file.version == File.currentVersion else {
                    let aside = try AtomicFile.moveAside(path, wall: wall, what: "action ledger")
                    return "\(path) has version \(file.version), this agent reads \(File.currentVersion); moved to \(aside), the actions start afresh"
                }
                var l = file.ledger
                l.restored(definitions: definitions, wall: wall)
                ledger.withLock { $0 = l }
                return nil
            } catch {
                let aside = try AtomicFile.moveAside(path, wall: wall, what: "action ledger")
                return "\(path) cannot be read (\(error)); moved to \(aside), the actions' hourly budget starts afresh"
            }
        } catch {
            return "\(path): \(error.description); the actions' hourly budget starts afresh"
        }
    }

    struct File: Codable {
        static let currentVersion = 1
        var version: Int
        var ledger: ActionLedger
    }

    /// One status per configured action (check `action`, resource its name): critical while it
    /// has given up on an alert, so a person is told like for any alert; ok otherwise.
    public func statuses(_ config: Config, wall: Double) -> [CheckStatus] {
        guard !config.actions.isEmpty else { return [] }
        let l = current
        return config.actions.map { d in
            let given = l.givenUp.filter { $0.action == d.name }
            let recent = l.attemptsInLastHour(d.name, wall: wall)
            if let first = given.first {
                let more = given.count > 1 ? " (and \(given.count - 1) more alert\(given.count == 2 ? "" : "s"))" : ""
                return CheckStatus(
                    check: "action", resource: d.name, severity: .critical, message: (first.gaveUpMessage ?? "\(d.name) gave up") + more,
                    value: Double(recent), threshold: Double(d.maxPerHour), since: first.gaveUpWall ?? wall, evaluatedAt: wall, pending: nil)
            }
            return CheckStatus(
                check: "action", resource: d.name, severity: .ok,
                message: "action \(d.name) (\(d.effect.description)) ready; \(recent) of \(d.maxPerHour) attempts used in the last hour",
                value: Double(recent), threshold: Double(d.maxPerHour), since: wall, evaluatedAt: wall, pending: nil)
        }
    }
}

/// Issue 19: the action stage. Takes each evaluation's alerts from the alert stage, lets the
/// ledger decide (`ActionLedger.plan`: debounce behind, not muted, settle time over, the hourly
/// budget, give up after repeated failure), logs each decision with its MESSAGE_ID, and runs the
/// attempts on threads of its own (`ActionExecutor`: a unit's job over D-Bus, or an executable
/// under the plugin runner's containment), so neither sampling nor alerting ever waits for one.
public struct ActionService: Service {
    let board: ActionBoard
    let logger: Logger
    let clock: AgentClock
    let environment: [String: String]
    let run: @Sendable (ActionDefinition) -> ActionOutcome

    /// `run` carries out one attempt (the real executor unless a test gives its own).
    public init(
        board: ActionBoard, logger: Logger, clock: AgentClock, environment: [String: String],
        run: (@Sendable (ActionDefinition) -> ActionOutcome)? = nil
    ) {
        self.board = board
        self.logger = logger
        self.clock = clock
        self.environment = environment
        self.run = run ?? { [environment] in ActionExecutor.run($0, environment: environment) }
    }

    public func run() async throws {
        let queue = DispatchQueue(label: "vitals.actions", attributes: .concurrent)
        do {
            for await offer in board.offers.cancelOnGracefulShutdown() {
                let wall = clock.wall
                for decision in board.plan(offer, wall: wall) {
                    switch decision {
                    case .run(let name, let c, let number):
                        guard let d = offer.definitions.first(where: { $0.name == name }) else { continue }
                        logger.notice(
                            "action \(name): \(d.effect.description) for \(Self.describe(c)) (attempt \(number) of \(d.giveUpAfter))",
                            metadata: Self.metadata(.actionRun, d, c, ["attempt": "\(number)", "state": "started"]))
                        queue.async { [board, logger, clock, run] in
                            let started = clock.wall
                            let outcome = run(d)
                            let attempt = ActionAttempt(
                                action: name, fingerprint: c.fingerprint, effect: d.effect.description, number: number, startedWall: started,
                                endedWall: clock.wall, outcome: outcome.succeeded ? .succeeded : .failed, detail: outcome.detail)
                            if outcome.succeeded {
                                logger.notice(
                                    "action \(name): \(d.effect.done): \(outcome.detail)",
                                    metadata: Self.metadata(
                                        .actionRun, d, c, ["attempt": "\(number)", "state": "succeeded", "detail": "\(outcome.detail)"]))
                            } else {
                                logger.error(
                                    "action \(name): \(d.effect.description) failed: \(outcome.detail)",
                                    metadata: Self.metadata(
                                        .actionFailed, d, c, ["attempt": "\(number)", "state": "failed", "detail": "\(outcome.detail)"]))
                            }
                            // Recorded after the journal line: whoever sees the attempt finds its line too.
                            board.finish(attempt)
                        }
                    case .held(let name, let c, let reason):
                        guard let d = offer.definitions.first(where: { $0.name == name }) else { continue }
                        logger.notice(
                            "action \(name): held for \(Self.describe(c)): \(reason)",
                            metadata: Self.metadata(.actionHeld, d, c, [LogKey.reason: "\(reason)"]))
                    case .gaveUp(let name, let c, let attempts, _):
                        guard let d = offer.definitions.first(where: { $0.name == name }) else { continue }
                        let message =
                            board.current.givenUp.first { $0.action == name && $0.fingerprint == c.fingerprint }?.gaveUpMessage ?? "giving up"
                        logger.error("action \(name): \(message)", metadata: Self.metadata(.actionGaveUp, d, c, ["attempts": "\(attempts)"]))
                    case .ended(let name, let fp, let labels, let attempts, let gaveUp):
                        logger.notice(
                            "action \(name): \(labels["check"] ?? "the alert") \(labels["resource"].map { $0.isEmpty ? "" : "\($0) " } ?? "")no longer calls for it after \(attempts) attempt\(attempts == 1 ? "" : "s")\(gaveUp ? " (it had given up)" : "")",
                            metadata: [
                                LogKey.messageID: "\(EventKind.actionEnded.messageID)", "action": "\(name)", LogKey.fingerprint: "\(fp)",
                                "attempts": "\(attempts)", LogKey.check: "\(labels["check"] ?? "")",
                            ])
                    }
                }
                if let e = board.lastWriteError {
                    logger.error(
                        "the action ledger cannot be written (\(e)); the hourly budget would start afresh after a restart",
                        metadata: [LogKey.messageID: "\(EventKind.alertStateProblem.messageID)"])
                }
            }
        }
    }

    static func describe(_ c: ActionCandidate) -> String {
        let resource = c.labels["resource"].flatMap { $0.isEmpty ? nil : " \($0)" } ?? ""
        return "\(c.labels["check"] ?? "alert")\(resource) \(c.severity.rawValue)"
    }

    static func metadata(_ kind: EventKind, _ d: ActionDefinition, _ c: ActionCandidate, _ extra: Logger.Metadata) -> Logger.Metadata {
        var m: Logger.Metadata = [
            LogKey.messageID: "\(kind.messageID)", "action": "\(d.name)", "effect": "\(d.effect.description)",
            LogKey.fingerprint: "\(c.fingerprint)", LogKey.check: "\(c.labels["check"] ?? "")", LogKey.severity: "\(c.severity.rawValue)",
        ]
        if let r = c.labels["resource"], !r.isEmpty { m[LogKey.resource] = "\(r)" }
        m.merge(extra) { _, b in b }
        return m
    }
}
