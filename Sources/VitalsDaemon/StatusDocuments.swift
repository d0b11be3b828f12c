public import VitalsCore

/// `GET /v1/status`: the agent, a summary, every check's state and the latest snapshot.
public struct StatusDocument: Sendable, Codable {
    public var agent: AgentInfo
    public var summary: Summary
    public var checks: [CheckStatus]
    public var snapshot: HostSnapshot?

    /// Who answered.
    public struct AgentInfo: Sendable, Codable {
        public var version: String
        public var pid: Int32
        public var startedAt: Double
        public var intervalSeconds: Double
        public var configFile: String?
        public var procfsRoot: String

        enum CodingKeys: String, CodingKey {
            case version, pid
            case startedAt = "started_at"
            case intervalSeconds = "interval_seconds"
            case configFile = "config_file"
            case procfsRoot = "procfs_root"
        }
    }

    /// Counts per state and the worst state.
    public struct Summary: Sendable, Codable {
        public var checks: Int
        public var ok, warning, critical, unknown, stale: Int
        public var worst: Severity

        public init(_ checks: [CheckStatus]) {
            func n(_ s: Severity) -> Int { checks.filter { $0.severity == s }.count }
            self.checks = checks.count
            ok = n(.ok)
            warning = n(.warning)
            critical = n(.critical)
            unknown = n(.unknown)
            stale = n(.stale)
            worst = Severity.worst(checks.map(\.severity))
        }

        /// "37 checks: 1 critical, 2 warning" (states with zero left out).
        public var line: String {
            let parts = [(critical, "critical"), (warning, "warning"), (unknown, "unknown"), (stale, "stale")]
                .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
            return "\(checks) checks: " + (parts.isEmpty ? "all ok" : parts.joined(separator: ", "))
        }
    }
}

/// `GET /v1/health`: the agent's own health.
public struct HealthDocument: Sendable, Codable {
    /// `ok`, `starting` (no cycle yet), `degraded` (see `problems`) or `stale` (no cycle for 2 intervals).
    public var status: String
    /// What makes the agent degraded, each with its cause: a failed sampler, a recent overrun, the
    /// alert state or the outbox that cannot be written (a full or read-only disk).
    public var problems: [String]
    public var cycles: UInt64
    public var lastCycleAgeSeconds: Double?
    public var lastCycleDurationMs: Double?
    public var intervalSeconds: Double
    public var overruns: Int
    public var samplerErrors: [SamplerError]
    public var reloads: Int
    public var lastReloadError: String?
    /// Unix time of the last refused reload (kept until a reload succeeds).
    public var lastReloadRefusedAt: Double?

    /// A sampler that failed in the latest cycle.
    public struct SamplerError: Sendable, Codable {
        public var sampler: String
        public var error: String
    }

    enum CodingKeys: String, CodingKey {
        case status, cycles, overruns, reloads, problems
        case lastReloadRefusedAt = "last_reload_refused_at"
        case lastCycleAgeSeconds = "last_cycle_age_seconds"
        case lastCycleDurationMs = "last_cycle_duration_ms"
        case intervalSeconds = "interval_seconds"
        case samplerErrors = "sampler_errors"
        case lastReloadError = "last_reload_error"
    }
}

/// `GET /v1/alerts`: every alert the engine tracks, worst first.
public struct AlertsDocument: Codable, Sendable {
    /// One alert: identity, state, what was last notified and why, and what holds it back.
    public struct Entry: Codable, Sendable {
        public var fingerprint: Fingerprint
        public var labels: LabelSet
        public var severity: Severity
        public var since: Double
        public var message: String
        public var value: Double?
        public var threshold: Double?
        public var problemSince: Double?
        /// The severity last notified; nil when no notification is outstanding.
        public var notified: Severity?
        public var lastNotificationAt: Double?
        public var lastReason: NotificationReason?
        public var notifications: UInt64
        /// The route and the escalation step reached in this incident.
        public var route: String?
        public var escalationStep: Int?
        /// "silenced by <id>" or "inhibited by <fingerprint>", as of the last cycle.
        public var mutedBy: AlertMute?
        public var acknowledgement: Acknowledgement?
        public var flapping: Bool
        /// The self-healing actions' attempts for this alert, oldest first (issue 19).
        public var actions: [ActionAttempt]?

        enum CodingKeys: String, CodingKey {
            case fingerprint, labels, severity, since, message, value, threshold
            case problemSince = "problem_since"
            case notified
            case lastNotificationAt = "last_notification_at"
            case lastReason = "last_reason"
            case notifications, route
            case escalationStep = "escalation_step"
            case mutedBy = "muted_by"
            case acknowledgement, flapping, actions
        }
    }

    public var alerts: [Entry]

    /// The alerts with the acknowledgements in force now (an acknowledgement made a moment ago
    /// shows at once, not only after the next cycle).
    /// `actions` gives each alert's action attempts (its timeline).
    public init(
        _ persisted: [PersistedAlert], controls: AlertControls = AlertControls(), wall: Double = 0, actions: ActionLedger? = nil
    ) {
        alerts = persisted.map {
            let fp = $0.labels.fingerprint
            var e = Entry(
                fingerprint: fp, labels: $0.labels, severity: $0.severity, since: $0.sinceWall, message: $0.message,
                value: $0.value, threshold: $0.threshold, problemSince: $0.problemSinceWall, notified: $0.notified,
                lastNotificationAt: $0.lastNotifiedWall, lastReason: $0.lastReason, notifications: $0.notificationCount, route: $0.route,
                escalationStep: $0.severity == .ok ? nil : $0.step, mutedBy: $0.mute,
                acknowledgement: controls.acknowledgement(for: fp, at: wall), flapping: $0.flap?.flapping ?? false)
            if let attempts = actions?.attempts(for: fp), !attempts.isEmpty { e.actions = attempts }
            return e
        }
        .sorted { ($0.severity.rank, $1.fingerprint) > ($1.severity.rank, $0.fingerprint) }
    }
}

/// `/v1/actions`: each configured action with its state, and the recent attempts (issue 19).
public struct ActionsDocument: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var name: String
        /// "restart nginx.service".
        public var effect: String
        public var match: [String]
        public var on: [String]
        public var maxPerHour: Int
        public var giveUpAfter: Int
        public var settleSeconds: Double
        public var timeoutSeconds: Double
        /// Attempts begun in the last hour.
        public var lastHour: Int
        /// The alerts it is answering now, with their attempts in this incident.
        public var answering: [ActionLedger.Track]

        enum CodingKeys: String, CodingKey {
            case name, effect, match, on
            case maxPerHour = "max_per_hour"
            case giveUpAfter = "give_up_after"
            case settleSeconds = "settle_seconds"
            case timeoutSeconds = "timeout_seconds"
            case lastHour = "last_hour"
            case answering
        }
    }

    public var actions: [Entry]
    /// The most recent attempts, oldest first (at most 50).
    public var attempts: [ActionAttempt]

    public init(_ definitions: [ActionDefinition], ledger: ActionLedger, wall: Double) {
        actions = definitions.map { d in
            Entry(
                name: d.name, effect: d.effect.description, match: d.matchers.map(\.description), on: d.severities.map(\.rawValue).sorted(),
                maxPerHour: d.maxPerHour, giveUpAfter: d.giveUpAfter, settleSeconds: d.settle.seconds, timeoutSeconds: d.timeout.seconds,
                lastHour: ledger.attemptsInLastHour(d.name, wall: wall),
                answering: ledger.tracks.values.filter { $0.action == d.name }.sorted { $0.fingerprint.description < $1.fingerprint.description })
        }
        attempts = Array(ledger.attempts.suffix(50))
    }
}

/// `/v1/actions/test?name=NAME`: what the action would do now, without doing it.
public struct ActionTestDocument: Codable, Sendable {
    public var name: String
    public var effect: String
    /// The unit, or the command line (`vitals action test` adds the unit's state as systemd has it).
    public var target: String
    /// The unit of a restart or reload action, or the argv of an exec action.
    public var unit: String?
    public var argv: [String]?
    /// The alerts it would answer now, and for each what would happen.
    public var alerts: [String]
    public var lastHour: Int
    public var maxPerHour: Int
    /// One line: what the agent would do at the next evaluation.
    public var verdict: String

    enum CodingKeys: String, CodingKey {
        case name, effect, target, unit, argv, alerts
        case lastHour = "last_hour"
        case maxPerHour = "max_per_hour"
        case verdict
    }
}
