public import Logging
public import VitalsCore

/// Feeds each cycle's check states to the alert engine, writes the state through to the state
/// file before anything is acted on, then logs each notification (delivery to channels comes
/// with the delivery issue) and publishes the alerts to the status API.
public struct AlertDispatcher: Sendable {
    var engine: AlertEngine<ContinuousClock.Instant>
    let store: AlertStore?
    let instance: String
    let logger: Logger
    let state: AgentState

    /// Restores the state left by the previous run (a corrupt file is moved aside and logged).
    public init(
        policy: AlertPolicy, store: AlertStore?, instance: String, logger: Logger, state: AgentState,
        now: ContinuousClock.Instant, wall: Double
    ) {
        engine = AlertEngine(policy: policy)
        self.store = store
        self.instance = instance
        self.logger = logger
        self.state = state
        guard let store else { return }
        do {
            switch try store.load(wall: wall) {
            case .none:
                break
            case .alerts(let saved):
                engine.restore(saved, now: now, wall: wall)
                logger.info("alert state restored", metadata: ["file": "\(store.path)", "alerts": "\(saved.count)"])
            case .corrupt(let error, let aside):
                logger.error(
                    "alert state \(store.path) is not valid; moved it to \(aside) and started with no alerts",
                    metadata: [LogKey.messageID: "\(EventKind.alertStateProblem.messageID)", "error": "\(error)"])
            }
        } catch {
            logger.error(
                "cannot read the alert state; starting with no alerts",
                metadata: [LogKey.messageID: "\(EventKind.alertStateProblem.messageID)", "error": "\(error.description)"])
        }
        state.recordAlerts(engine.export(wall: wall, now: now))
    }

    /// One cycle's results, under `policy` (the configuration in force, which a reload may change).
    public mutating func process(_ statuses: [CheckStatus], policy: AlertPolicy, now: ContinuousClock.Instant, wall: Double) {
        engine.policy = policy
        var notifications: [AlertNotification] = []
        var changed = false
        var seen = Set<Fingerprint>()
        for s in statuses {
            let labels = AlertLabels.forCheck(s.check, resource: s.resource, instance: instance)
            let before = engine.records[labels.fingerprint]?.severity
            notifications += engine.observe(
                CheckResult(labels: labels, severity: s.severity, message: s.message, value: s.value, threshold: s.threshold),
                now: now, wall: wall)
            if engine.records[labels.fingerprint]?.severity != before { changed = true }
            seen.insert(labels.fingerprint)
        }
        let count = engine.records.count
        notifications += engine.retain(only: seen, now: now, wall: wall)
        if engine.records.count != count { changed = true }
        let exported = engine.export(wall: wall, now: now)
        if changed || !notifications.isEmpty, let store {
            do {
                try store.save(exported)
            } catch {
                logger.error(
                    "cannot write the alert state; alerts continue in memory but a restart would forget them",
                    metadata: [LogKey.messageID: "\(EventKind.alertStateProblem.messageID)", "error": "\(error.description)"])
            }
        }
        state.recordAlerts(exported)
        for n in notifications { log(n) }
    }

    private func log(_ n: AlertNotification) {
        var meta: Logger.Metadata = [
            LogKey.messageID: "\(EventKind.alertNotification.messageID)",
            LogKey.fingerprint: "\(n.fingerprint)",
            LogKey.reason: "\(n.reason.rawValue)",
            LogKey.severity: "\(n.severity)",
            LogKey.check: "\(n.labels["check"] ?? "")",
            "sequence": "\(n.sequence)",
        ]
        if let r = n.labels["resource"] { meta[LogKey.resource] = "\(r)" }
        if let p = n.previous { meta[LogKey.oldSeverity] = "\(p)" }
        if let v = n.value { meta[LogKey.value] = "\(Units.formatNumber(v))" }
        if let d = n.duration { meta["duration"] = "\(Units.formatDuration(d))" }
        if let w = n.worstValue { meta["worst_value"] = "\(Units.formatNumber(w))" }
        let level: Logger.Level = n.severity == .critical ? .error : n.reason == .resolved ? .notice : .warning
        let text =
            n.reason == .resolved
            ? "alert resolved (\(n.reason)): \(n.message)\(n.duration.map { "; lasted \(Units.formatDuration($0))" } ?? "")"
            : "alert \(n.severity) (\(n.reason)): \(n.message)"
        logger.log(level: level, "\(text)", metadata: meta)
    }
}
