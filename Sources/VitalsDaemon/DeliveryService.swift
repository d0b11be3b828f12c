public import Logging
public import NIOCore
public import ServiceLifecycle
public import VitalsCore
public import VitalsNotify

/// Delivers what the outbox holds: every channel's head message through its notifier, one at a
/// time per channel (order kept), channels in parallel; retries, breakers and fallbacks as
/// `Delivery` decides. Wakes when a message is queued, an attempt ends or the configuration is
/// reloaded (its `Doorbell`); while anything waits in the outbox also once a second, for retries
/// that fall due (a second is well inside any retry's jitter); idle, only every `idleTick`, to
/// report progress to the watchdog (issue 17: the idle agent no longer wakes this loop every
/// second). Alertmanager channels also get the firing alerts re-posted every `resend_interval`.
public struct DeliveryService: Service {
    let delivery: Delivery
    let state: AgentState
    let group: any EventLoopGroup
    let logger: Logger
    let instance: String
    let clock: AgentClock
    let bell = Doorbell()
    let tracker: ProgressTracker?

    public init(
        delivery: Delivery, state: AgentState, group: any EventLoopGroup, logger: Logger, instance: String, clock: AgentClock,
        tracker: ProgressTracker? = nil
    ) {
        self.delivery = delivery
        self.state = state
        self.group = group
        self.logger = logger
        self.instance = instance
        self.clock = clock
        self.tracker = tracker
    }

    /// How often the loop looks for retries that fell due while the outbox holds messages.
    public static let tick: Duration = .seconds(1)
    /// How often an idle loop wakes: well inside the watchdog's 30 s deadline for delivery.
    public static let idleTick: Duration = .seconds(10)

    /// Asks the loop to look at the outbox now (a message was queued, the configuration changed).
    public func poke() { bell.ring() }

    /// The notifier for a channel's settings.
    public static func notifier(for c: ChannelConfig, group: any EventLoopGroup, logger: Logger) -> (any Notifier)? {
        switch c.kind {
        case .log: LogNotifier(logger: logger, channel: c.name)
        case .webhook: c.webhook.map { WebhookNotifier(settings: $0, group: group) }
        case .alertmanager: c.alertmanager.map { AlertmanagerNotifier(settings: $0, group: group) }
        case .smtp: c.smtp.map { SMTPNotifier(settings: $0, group: group) }
        }
    }

    public func run() async throws {
        let notifiers = NotifierSet()
        await deliverUntilShutdown(notifiers)
        await notifiers.shutdownAll()
    }

    /// Takes each wake-up (a ring, the tick) until a graceful shutdown; deliveries in flight
    /// then finish before it returns.
    private func deliverUntilShutdown(_ notifiers: NotifierSet) async {
        var lastResend: [String: ContinuousClock.Instant] = [:]
        var applied: [ChannelConfig]? = nil
        await withDiscardingTaskGroup { tasks in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let config = state.config.notify
                // The channels change only at a reload, which rings the loop.
                if config.channels != applied {
                    await notifiers.update(config.channels, group: group, logger: logger)
                    delivery.configure(config.channels)
                    applied = config.channels
                }
                tracker?.progress("delivery")
                // Also while health still reports a failed write: an unsaved message may have
                // been written by a hand-over meanwhile, and only this clears the report.
                if delivery.hasUnsaved || state.current.outboxWriteError != nil {
                    let (left, error) = delivery.persistUnsaved()
                    if left == 0 {
                        state.recordOutboxWrite(error: nil)
                        logger.notice(
                            "no message waits in memory only any more: each is in the outbox or delivered",
                            metadata: [LogKey.messageID: "\(EventKind.deliveryFailed.messageID)"])
                    } else if let error {
                        state.recordOutboxWrite(error: "\(left) message\(left == 1 ? "" : "s") in memory only: \(error.description)")
                    }
                }
                let now = clock.now
                let (attempts, events) = delivery.due(now: now, wall: clock.wall)
                for e in events { log(e) }
                for a in attempts {
                    guard let notifier = await notifiers.get(a.channel) else {
                        let ev = delivery.complete(
                            a,
                            outcome: .failed(
                                reason: "channel \(a.channel) is not in the configuration any more; add it back or the message is dropped at max_age",
                                retry: true, after: .seconds(60)),
                            now: clock.now, wall: clock.wall, random: 1)
                        for e in ev { log(e) }
                        continue
                    }
                    let message = OutgoingMessage(
                        message: a.entry.message, instance: instance, attempt: a.attempt, via: a.entry.via, now: clock.wall, sequence: a.entry.seq)
                    tasks.addTask {
                        let outcome = await notifier.deliver(message)
                        let ev = delivery.complete(a, outcome: outcome, now: clock.now, wall: clock.wall, random: Double.random(in: 0..<1))
                        for e in ev { log(e) }
                        bell.ring()
                    }
                }
                // Alertmanager: re-post what fires, so it never resolves an alert by timeout.
                for c in config.channels where c.kind == .alertmanager {
                    guard let am = c.alertmanager, let n = await notifiers.get(c.name) as? AlertmanagerNotifier else { continue }
                    if let last = lastResend[c.name], last.duration(to: now) < am.resendInterval { continue }
                    lastResend[c.name] = now
                    let wall = clock.wall
                    let firing = state.current.alerts.filter { routed($0, to: c.name, config: config) }
                        .compactMap { PostableAlert.refresh($0, instance: instance, now: wall, resend: am.resendInterval) }
                    guard !firing.isEmpty else { continue }
                    tasks.addTask {
                        if case .failed(let why, _, _) = await n.post(firing) {
                            logger.warning(
                                "re-sending \(firing.count) firing alerts to Alertmanager failed; next try in \(Units.formatDuration(am.resendInterval))",
                                metadata: [LogKey.messageID: "\(EventKind.deliveryFailed.messageID)", LogKey.channel: "\(c.name)", "error": "\(why)"])
                        }
                    }
                }
                let wake = nextWake(config: config, lastResend: lastResend)
                // A graceful shutdown cancels the wait; the loop then ends.
                await cancelWhenGracefulShutdown { await bell.wait(until: wake, clock: clock) }
            }
        }
    }

    /// When the loop must look again without a ring: in a second while anything waits in the
    /// outbox (or a failed write is reported), else after `idleTick`; earlier when an
    /// Alertmanager channel's re-send falls due.
    private func nextWake(config: NotifyConfig, lastResend: [String: ContinuousClock.Instant]) -> ContinuousClock.Instant {
        let now = clock.now
        let busy = !delivery.isIdle || state.current.outboxWriteError != nil
        var wake = now.advanced(by: busy ? Self.tick : Self.idleTick)
        for c in config.channels where c.kind == .alertmanager {
            guard let am = c.alertmanager else { continue }
            wake = min(wake, lastResend[c.name].map { $0.advanced(by: am.resendInterval) } ?? now.advanced(by: Self.tick))
        }
        return max(wake, now)
    }

    /// Whether an alert's notifications reach `channel` (its route's steps reached so far).
    private func routed(_ a: PersistedAlert, to channel: String, config: NotifyConfig) -> Bool {
        guard let notified = a.notified, notified != .ok else { return false }
        guard let route = config.route(named: a.route, labels: a.labels, severity: a.severity) else { return false }
        return route.channels(through: a.step ?? 0).contains(channel)
    }

    private func log(_ e: Delivery.Event) {
        switch e {
        case .delivered(let channel, let entry, let detail, let attempts, let latency):
            logger.info(
                "delivered to \(channel): \(detail)",
                metadata: [
                    LogKey.messageID: "\(EventKind.notificationSent.messageID)", LogKey.channel: "\(channel)", "key": "\(entry.message.key)",
                    "attempts": "\(attempts)", "latency_ms": "\(Int(latency * 1000))", "alerts": "\(entry.message.notifications.count)",
                    "via": "\(entry.via ?? "")",
                ])
        case .retrying(let channel, let entry, let reason, let attempt, let wait):
            logger.warning(
                "delivery to \(channel) failed (attempt \(attempt)); retrying in \(Units.formatDuration(wait)): \(reason)",
                metadata: [
                    LogKey.messageID: "\(EventKind.deliveryFailed.messageID)", LogKey.channel: "\(channel)", "key": "\(entry.message.key)",
                    "attempt": "\(attempt)", "error": "\(reason)",
                ])
        case .givenUp(let channel, let entry, let reason):
            logger.error(
                "gave up delivering a message to \(channel): \(reason); its alerts follow in this log",
                metadata: [
                    LogKey.messageID: "\(EventKind.deliveryFailed.messageID)", LogKey.channel: "\(channel)", "key": "\(entry.message.key)",
                    "error": "\(reason)",
                ])
            for n in entry.message.notifications {
                logger.error(
                    "undelivered: \(n.severity) (\(n.reason.rawValue)): \(n.message)",
                    metadata: [
                        LogKey.messageID: "\(EventKind.deliveryFailed.messageID)", LogKey.channel: "\(channel)",
                        LogKey.fingerprint: "\(n.fingerprint)",
                    ])
            }
        case .dropped(let channel, let count, let reason):
            logger.error(
                "\(count) notification\(count == 1 ? "" : "s") dropped from the outbox of \(channel): \(reason)",
                metadata: [LogKey.messageID: "\(EventKind.deliveryFailed.messageID)", LogKey.channel: "\(channel)", "dropped": "\(count)"])
        case .breaker(let channel, let change, let reason):
            switch change {
            case .opened:
                logger.error(
                    "channel \(channel) is failing; its circuit breaker opened\(reason.map { ": \($0)" } ?? "")",
                    metadata: [LogKey.messageID: "\(EventKind.deliveryFailed.messageID)", LogKey.channel: "\(channel)", "breaker": "open"])
            case .halfOpened:
                logger.notice(
                    "channel \(channel): probing after the recovery timeout", metadata: [LogKey.channel: "\(channel)", "breaker": "half_open"])
            case .closed:
                logger.notice(
                    "channel \(channel) delivers again; its circuit breaker closed",
                    metadata: [LogKey.messageID: "\(EventKind.notificationSent.messageID)", LogKey.channel: "\(channel)", "breaker": "closed"])
            }
        case .handedOver(let channel, let to, let count):
            logger.warning(
                "channel \(channel) is failing; \(count) message\(count == 1 ? "" : "s") handed to its fallback \(to)",
                metadata: [LogKey.messageID: "\(EventKind.deliveryFailed.messageID)", LogKey.channel: "\(channel)", "fallback": "\(to)"])
        }
    }
}

/// The live notifiers, rebuilt for a channel whose settings changed (the old one shut down).
actor NotifierSet {
    private var notifiers: [String: (config: ChannelConfig, notifier: any Notifier)] = [:]

    func update(_ channels: [ChannelConfig], group: any EventLoopGroup, logger: Logger) async {
        for c in channels where notifiers[c.name]?.config != c {
            if let old = notifiers.removeValue(forKey: c.name) { await old.notifier.shutdown() }
            if let n = DeliveryService.notifier(for: c, group: group, logger: logger) { notifiers[c.name] = (c, n) }
        }
        for name in notifiers.keys where !channels.contains(where: { $0.name == name }) {
            await notifiers.removeValue(forKey: name)?.notifier.shutdown()
        }
    }

    func get(_ name: String) -> (any Notifier)? { notifiers[name]?.notifier }

    func shutdownAll() async {
        for (_, n) in notifiers { await n.notifier.shutdown() }
        notifiers = [:]
    }
}

/// The `log` channel as a notifier, for messages a failing channel hands over to it.
struct LogNotifier: Notifier {
    let logger: Logger
    let channel: String

    func deliver(_ m: OutgoingMessage) async -> DeliveryOutcome {
        logger.warning(
            "\(MessageText.subject(m.message, instance: m.instance))\(m.via.map { " (for failing channel \($0))" } ?? "")",
            metadata: [
                LogKey.messageID: "\(EventKind.alertNotification.messageID)", LogKey.channel: "\(channel)", "key": "\(m.key)",
                "body": "\(MessageText.body(m.message, instance: m.instance, via: m.via))",
            ])
        return .delivered(detail: "logged")
    }
}
