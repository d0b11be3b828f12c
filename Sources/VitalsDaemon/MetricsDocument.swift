public import VitalsCore

/// `GET /metrics`: the samples, check states (with plugin perfdata), alerts, the agent's own
/// cycle figures and every channel's delivery counters, latency histogram, outbox depth and
/// breaker state, in the Prometheus text format.
public enum MetricsDocument {
    /// `actions`: each configured action's attempts since the agent started, by outcome.
    public static func render(
        _ c: AgentState.Contents, channels: [Delivery.Channel], heartbeat: HeartbeatStatus? = nil,
        actions: [(action: String, succeeded: Int, failed: Int)] = [], version: String
    ) -> String {
        var p = PrometheusText()
        p.family("vitals_build_info", .gauge, "vitals' version (always 1).")
        p.sample("vitals_build_info", [("version", version)], 1)
        p.family("vitals_cycles_total", .counter, "Sampling cycles completed since the agent started.")
        p.sample("vitals_cycles_total", [], Double(c.cycles))
        p.family("vitals_cycle_duration_seconds", .gauge, "How long the last sampling cycle took.")
        if let d = c.lastCycleDuration { p.sample("vitals_cycle_duration_seconds", [], d.seconds) }
        p.family("vitals_cycle_overruns_total", .counter, "Cycles that ran past their next tick.")
        p.sample("vitals_cycle_overruns_total", [], Double(c.overruns))
        if let s = c.snapshot { s.metrics(into: &p) }
        checks(c.checks, into: &p)
        alerts(c.alerts, into: &p)
        delivery(channels, into: &p)
        if let heartbeat { Self.heartbeat(heartbeat, into: &p) }
        if !actions.isEmpty { Self.actions(actions, into: &p) }
        return p.text
    }

    static let severities: [Severity] = [.ok, .warning, .critical, .unknown, .stale]

    static func checks(_ checks: [CheckStatus], into p: inout PrometheusText) {
        p.family("vitals_check_status", .gauge, "1 for each check's current state, 0 for the others.")
        p.family("vitals_check_value", .gauge, "The value each check compares with its limits.")
        p.family("vitals_plugin_perfdata", .gauge, "Performance data of custom checks, in the plugin's own unit.")
        p.family("vitals_plugin_perfdata_warning", .gauge, "A perfdata item's warning limit (the range's end).")
        p.family("vitals_plugin_perfdata_critical", .gauge, "A perfdata item's critical limit (the range's end).")
        for c in checks {
            let l = [("check", c.check), ("resource", c.resource)]
            for s in severities { p.sample("vitals_check_status", l + [("severity", s.description)], c.severity == s ? 1 : 0) }
            if let v = c.value { p.sample("vitals_check_value", l, v) }
            for d in c.perfdata ?? [] {
                let dl = [("check", c.check), ("label", d.label), ("unit", d.unit)]
                if let v = d.value { p.sample("vitals_plugin_perfdata", dl, v) }
                if let w = d.warning, w.end.isFinite { p.sample("vitals_plugin_perfdata_warning", dl, w.end) }
                if let k = d.critical, k.end.isFinite { p.sample("vitals_plugin_perfdata_critical", dl, k.end) }
            }
        }
    }

    static func alerts(_ alerts: [PersistedAlert], into p: inout PrometheusText) {
        p.family("vitals_alerts", .gauge, "Alerts the engine tracks, by state.")
        p.family("vitals_alerts_muted", .gauge, "Alerts whose notifications a silence or inhibition holds back.")
        var counts: [Severity: Int] = [:]
        for a in alerts { counts[a.severity, default: 0] += 1 }
        for s in severities { p.sample("vitals_alerts", [("severity", s.description)], Double(counts[s] ?? 0)) }
        p.sample("vitals_alerts_muted", [], Double(alerts.filter { $0.mute != nil && $0.severity != .ok }.count))
    }

    static func delivery(_ channels: [Delivery.Channel], into p: inout PrometheusText) {
        p.family("vitals_notifications_delivered_total", .counter, "Messages a channel took.")
        p.family("vitals_delivery_failures_total", .counter, "Failed delivery attempts (each retry counts).")
        p.family("vitals_notifications_given_up_total", .counter, "Messages given up: rejected (not retryable), too_old (max_age) or outbox_full.")
        p.family("vitals_notifications_handed_to_fallback_total", .counter, "Messages a failing channel passed to its fallback.")
        p.family("vitals_outbox_messages", .gauge, "Messages waiting in the outbox.")
        p.family("vitals_channel_breaker_state", .gauge, "1 for the circuit breaker's state, 0 for the others.")
        p.family("vitals_delivery_latency_seconds", .histogram, "From the alert's decision to the channel taking the message.")
        for ch in channels {
            let l = [("channel", ch.name)]
            p.sample("vitals_notifications_delivered_total", l, Double(ch.delivered))
            p.sample("vitals_delivery_failures_total", l, Double(ch.failedAttempts))
            for reason in ["rejected", "too_old", "outbox_full"] {
                p.sample("vitals_notifications_given_up_total", l + [("reason", reason)], Double(ch.givenUp[reason] ?? 0))
            }
            p.sample("vitals_notifications_handed_to_fallback_total", l, Double(ch.handedToFallback))
            p.sample("vitals_outbox_messages", l, Double(ch.queue.count))
            for s in ["closed", "open", "half_open"] {
                p.sample("vitals_channel_breaker_state", l + [("state", s)], ch.breaker.state.name == s ? 1 : 0)
            }
            p.histogram("vitals_delivery_latency_seconds", l, bounds: Delivery.latencyBuckets, counts: ch.latencyCounts, sum: ch.latencySum)
        }
    }
}

extension MetricsDocument {
    /// The heartbeat's counters (issue 19), when one is configured.
    static func heartbeat(_ h: HeartbeatStatus, into p: inout PrometheusText) {
        p.family(
            "vitals_heartbeat_calls_total", .counter,
            "Heartbeat calls the receiver took (ping, fail) or did not (error); held: ticks with no call while degraded.")
        for (result, n) in [("ping", h.pings), ("fail", h.failPings), ("error", h.errors), ("held", h.held)] {
            p.sample("vitals_heartbeat_calls_total", [("result", result)], Double(n))
        }
        p.family("vitals_heartbeat_last_success_timestamp_seconds", .gauge, "When the heartbeat's receiver last took a call.")
        if let t = h.lastSuccessAt { p.sample("vitals_heartbeat_last_success_timestamp_seconds", [], t) }
    }

    /// The self-healing actions' attempts (issue 19), per configured action.
    static func actions(_ a: [(action: String, succeeded: Int, failed: Int)], into p: inout PrometheusText) {
        p.family("vitals_action_attempts_total", .counter, "Attempts of each self-healing action since the agent started, by outcome.")
        for x in a {
            p.sample("vitals_action_attempts_total", [("action", x.action), ("outcome", "succeeded")], Double(x.succeeded))
            p.sample("vitals_action_attempts_total", [("action", x.action), ("outcome", "failed")], Double(x.failed))
        }
    }
}

/// `GET /v1/channels`: every channel's delivery state, and the heartbeat's.
public struct ChannelsDocument: Codable, Sendable {
    /// One channel's delivery state.
    public struct Entry: Codable, Sendable {
        public var name: String
        public var type: String
        public var breaker: String
        public var queued: Int
        public var delivered: UInt64
        public var failedAttempts: UInt64
        public var givenUp: [String: UInt64]
        public var handedToFallback: UInt64
        public var lastError: String?
        public var lastErrorAt: Double?
        public var lastSuccessAt: Double?
        public var failingSince: Double?
        public var fallback: String?
        public var oldestQueuedAt: Double?

        enum CodingKeys: String, CodingKey {
            case name, type, breaker, queued, delivered, fallback
            case failedAttempts = "failed_attempts"
            case givenUp = "given_up"
            case handedToFallback = "handed_to_fallback"
            case lastError = "last_error"
            case lastErrorAt = "last_error_at"
            case lastSuccessAt = "last_success_at"
            case failingSince = "failing_since"
            case oldestQueuedAt = "oldest_queued_at"
        }
    }

    public var channels: [Entry]
    /// The heartbeat's record; absent when none is configured.
    public var heartbeat: HeartbeatStatus?

    public init(config: NotifyConfig, delivery: [Delivery.Channel]) {
        let byName = Dictionary(delivery.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var names = config.channels.map(\.name)
        names += delivery.map(\.name).filter { !names.contains($0) }
        channels = names.map { name in
            let cfg = config.channel(named: name)
            let d = byName[name]
            return Entry(
                name: name, type: cfg?.kind.rawValue ?? d?.kind.rawValue ?? "removed", breaker: d?.breaker.state.name ?? "closed",
                queued: d?.queue.count ?? 0,
                delivered: d?.delivered ?? 0, failedAttempts: d?.failedAttempts ?? 0, givenUp: d?.givenUp ?? [:],
                handedToFallback: d?.handedToFallback ?? 0,
                lastError: d?.lastError, lastErrorAt: d?.lastErrorWall, lastSuccessAt: d?.lastSuccessWall, failingSince: d?.failingSinceWall,
                fallback: cfg?.fallback, oldestQueuedAt: d?.queue.first?.createdWall)
        }
    }
}
