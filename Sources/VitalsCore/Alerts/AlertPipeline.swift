/// The whole decision path from check results to channel messages, pure: inhibition, the silences,
/// acknowledgements and route of each alert, the engine, then the storm guard. The daemon runs it
/// once per cycle and does the I/O around it; the trace replay in `bench/` runs the same code.
public struct AlertPipeline<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public var engine: AlertEngine<Instant>
    public var storm = StormGuard()

    public init(policy: AlertPolicy) { engine = AlertEngine(policy: policy) }

    /// What one cycle decided.
    public struct Outcome: Sendable {
        /// Every notification the engine decided, in order.
        public var notifications: [AlertNotification] = []
        /// Those that no route sends anywhere (the caller reports them).
        public var unrouted: [AlertNotification] = []
        /// The messages due now, per channel.
        public var messages: [ChannelMessage] = []
        /// Acknowledgements that ended (the caller removes them from its controls).
        public var endedAcknowledgements: [Fingerprint] = []
    }

    /// Runs one cycle's results. Alerts not among `results` are forgotten (recovered when owed).
    /// `dependencies` mutes alerts whose check depends on a failing one (alert to the alert of
    /// the dependency), as an inhibition.
    public mutating func process(
        _ results: [CheckResult], controls: AlertControls, policy: AlertPolicy, notify: NotifyConfig, now: Instant, wall: Double,
        dependencies: [Fingerprint: Fingerprint] = [:]
    ) -> Outcome {
        engine.policy = policy
        var out = Outcome()
        let inhibitors = notify.inhibitRules.inhibitors(
            among: results.map { FiringAlert(fingerprint: $0.labels.fingerprint, labels: $0.labels, severity: $0.severity) }
        ).merging(dependencies) { rule, _ in rule }
        var seen = Set<Fingerprint>()
        for result in results {
            let fp = result.labels.fingerprint
            var gate = AlertGate(acknowledgement: controls.acknowledgement(for: fp, at: wall))
            if let s = controls.silence(for: result.labels, severity: result.severity, at: wall) {
                gate.mute = AlertMute(.silenced, by: s.id)
            } else if let by = inhibitors[fp] {
                gate.mute = AlertMute(.inhibited, by: by.description)
            }
            if let route = notify.route(for: result.labels, severity: result.severity) {
                gate.route = route.name
                gate.escalation = route.escalation
            }
            out.notifications += engine.observe(result, now: now, wall: wall, gate: gate)
            seen.insert(fp)
        }
        out.notifications += engine.retain(only: seen, now: now, wall: wall)
        out.endedAcknowledgements = engine.takeEndedAcknowledgements()
        for n in out.notifications {
            let channels = notify.route(named: n.route, labels: n.labels, severity: n.severity)?.channels(for: n) ?? []
            if channels.isEmpty {
                out.unrouted.append(n)
            } else {
                storm.add(n, channels: channels)
            }
        }
        out.messages = storm.flush(wall: wall, config: notify)
        return out
    }
}
