/// One check's debounced state as the alert engine receives it, every evaluation.
public struct CheckResult: Sendable, Equatable {
    /// The alert's identity (severity is not among them).
    public var labels: LabelSet
    public var severity: Severity
    /// What an operator reads: "disk /srv 96.2% used, above critical 95%; 3.1 GiB free".
    public var message: String
    public var value: Double?
    public var threshold: Double?

    public init(labels: LabelSet, severity: Severity, message: String, value: Double? = nil, threshold: Double? = nil) {
        self.labels = labels
        self.severity = severity
        self.message = message
        self.value = value
        self.threshold = threshold
    }
}

/// Why a notification goes out; named in the message and the journal.
public enum NotificationReason: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// A problem was notified for the first time in this incident.
    case first
    /// The same problem at the same severity, after its repeat interval.
    case `repeat`
    /// An escalation step fired (a later step of a route).
    case escalated
    /// The severity rose (warning to critical).
    case raised
    /// The severity fell but the problem remains (critical to warning).
    case improved
    /// The state moved to or from unknown or stale: what is known changed, not how bad it is.
    case changed
    /// A notified problem is over.
    case resolved
    case flappingStarted = "flapping_started"
    case flappingStopped = "flapping_stopped"

    public var description: String {
        switch self {
        case .first: "first notification"
        case .repeat: "repeat"
        case .escalated: "escalated"
        case .raised: "severity raised"
        case .improved: "severity lowered (improved)"
        case .changed: "severity changed"
        case .resolved: "resolved"
        case .flappingStarted: "flapping started"
        case .flappingStopped: "flapping stopped"
        }
    }
}

/// A notification the engine decided on: what a channel sends.
public struct AlertNotification: Sendable, Equatable, Codable {
    public var fingerprint: Fingerprint
    public var labels: LabelSet
    /// The state now (`ok` for a recovery).
    public var severity: Severity
    /// The last state notified before this one; nil for a first notification.
    public var previous: Severity?
    public var reason: NotificationReason
    public var message: String
    public var value: Double?
    public var threshold: Double?
    /// Unix time (s) the incident began (first non-ok result).
    public var startsAt: Double
    /// Unix time (s) of this decision.
    public var at: Double
    /// For a recovery: how long the problem lasted, and its worst state and value.
    public var duration: Duration?
    public var worstSeverity: Severity?
    public var worstValue: Double?
    /// Counts this alert's notifications, from the Unix time in ms its record began; with the
    /// fingerprint it makes an idempotency key.
    public var sequence: UInt64
    /// For flapping started/stopped: the weighted percent of state change.
    public var flapPercent: Double?
    /// The route that chose this alert's channels (its name), and the highest escalation step
    /// reached: a notification goes to the channels of steps 0 through `step`.
    public var route: String?
    public var step: Int = 0
    /// For `escalated`: the first step newly reached (the notification goes to the channels of
    /// steps `escalatedFrom` through `step` only).
    public var escalatedFrom: Int?
    /// Who acknowledged the problem, when someone has.
    public var acknowledgedBy: String?
    /// What the channels add about the alert besides its message, set when the message is formed
    /// (the value's unit, the processes closest to their file limit): Alertmanager-style
    /// annotations. Absent in messages written by earlier versions.
    public var annotations: [String: String]?
    /// The units that account for a host-level problem (cpu, memory, swap, pressure), largest
    /// share first, when the message was formed. Absent for other checks and in older messages.
    public var culprits: [Culprit]?

    /// `<fingerprint>-<sequence>`: the same decision always has the same key, so a receiver can
    /// drop a repeat delivery; and a key never names two decisions (sequences of a new incident
    /// start at its Unix time in milliseconds, above those of every earlier one).
    public var idempotencyKey: String { "\(fingerprint)-\(sequence)" }
}

/// How often a problem is repeated, per severity, with an optional backoff.
public struct AlertPolicy: Sendable, Equatable {
    /// The repeat interval of each problem severity (`ok` is never repeated).
    public var repeatInterval: [Severity: Duration]
    /// Each repeat waits this many times longer than the one before (1 = no backoff)...
    public var backoff: Double
    /// ...up to this interval.
    public var maxRepeatInterval: Duration
    /// How long unknown or stale must last before it counts: a check that cannot measure for a
    /// moment (the first CPU sample, one slow read) notifies nobody.
    public var unknownDelay: Duration
    /// Flap detection (on by default, Nagios' 20 % / 30 %).
    public var flapping: FlapDetector.Thresholds
    /// A notified problem must stay ok this long before its recovery is notified; one that comes
    /// back meanwhile continues the same incident (Prometheus' keep_firing_for). Oscillation
    /// faster than this is one incident, not a stream of problem/recovery pairs.
    public var resolveHold: Duration

    public init(
        repeatInterval: [Severity: Duration] = [
            .critical: .seconds(3600), .warning: .seconds(6 * 3600), .unknown: .seconds(6 * 3600), .stale: .seconds(6 * 3600),
        ],
        backoff: Double = 1, maxRepeatInterval: Duration = .seconds(24 * 3600), unknownDelay: Duration = .zero,
        flapping: FlapDetector.Thresholds = .init(), resolveHold: Duration = .zero
    ) {
        self.flapping = flapping
        self.resolveHold = resolveHold
        self.repeatInterval = repeatInterval
        self.backoff = max(1, backoff)
        self.maxRepeatInterval = maxRepeatInterval
        self.unknownDelay = unknownDelay
    }

    /// The wait before repeat number `n` (0 = the first repeat) at `severity`; nil: never repeat.
    public func interval(for severity: Severity, repeatNumber n: Int) -> Duration? {
        guard severity != .ok, let base = repeatInterval[severity], base > .zero else { return nil }
        guard backoff > 1, n > 0 else { return base }
        let factor = (0..<n).reduce(1.0) { acc, _ in min(acc * backoff, 1e9) }
        let scaled = base.seconds * factor
        return min(Duration.milliseconds(Int64(min(scaled, 1e12) * 1000)), max(base, maxRepeatInterval))
    }
}

/// What survives a restart of one alert (times as Unix seconds: monotonic time restarts with the
/// process, and at boot).
public struct PersistedAlert: Sendable, Equatable, Codable {
    public var labels: LabelSet
    public var severity: Severity
    public var message: String
    public var value: Double?
    public var threshold: Double?
    public var sinceWall: Double
    public var problemSinceWall: Double?
    public var notified: Severity?
    public var lastNotifiedWall: Double?
    public var lastReason: NotificationReason?
    public var repeats: Int
    public var worstSeverity: Severity?
    public var worstValue: Double?
    public var sequence: UInt64
    /// Where `sequence` started for this record (absent in older files: 0), so the number of
    /// notifications sent is `sequence - sequenceBase`.
    public var sequenceBase: UInt64?

    /// How many notifications this alert has had.
    public var notificationCount: UInt64 { sequence &- (sequenceBase ?? 0) }
    /// The recent results and whether the alert is flapping (absent in older state files).
    public var flap: FlapDetector?
    /// The route last used and the escalation step reached in this incident, counted from
    /// `escalationStartWall` (the incident's first notification).
    public var route: String?
    public var step: Int?
    public var escalationStartWall: Double?
    /// Since when an unknown or stale result has waited for the policy's `unknownDelay`.
    public var indefiniteSinceWall: Double?
    /// Since when a notified problem has been ok, while its recovery waits for `resolveHold`.
    public var okSinceWall: Double?
    /// Why notifications are held back now (a silence or an inhibiting alert), for display.
    public var mute: AlertMute?
    /// The acknowledgement in force, for display (the controls file holds the real one).
    public var acknowledgement: Acknowledgement?

    public init(labels: LabelSet) {
        self.labels = labels
        severity = .ok
        message = ""
        sinceWall = 0
        repeats = 0
        sequence = 0
    }
}

/// What holds back an alert's notifications: a silence (by id) or an inhibiting alert (by
/// fingerprint). Recoveries of problems notified before still go out.
public struct AlertMute: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case silenced, inhibited
    }

    public var kind: Kind
    /// The silence's id, or the inhibiting alert's fingerprint.
    public var by: String

    public init(_ kind: Kind, by: String) {
        self.kind = kind
        self.by = by
    }

    public var description: String { "\(kind.rawValue) by \(by)" }
}

/// What the engine is told about one alert besides its result: whether it is muted, who
/// acknowledged it, and the escalation schedule of its route.
public struct AlertGate: Sendable, Equatable {
    public var mute: AlertMute?
    public var acknowledgement: Acknowledgement?
    /// The route's name (a change of route restarts escalation at step 0).
    public var route: String?
    /// When each step after the first is due, counted from the incident's first notification
    /// (strictly increasing; empty: the route has one step).
    public var escalation: [Duration]

    public init(mute: AlertMute? = nil, acknowledgement: Acknowledgement? = nil, route: String? = nil, escalation: [Duration] = []) {
        self.mute = mute
        self.acknowledgement = acknowledgement
        self.route = route
        self.escalation = escalation
    }

    /// Nothing held back, one step.
    public static let open = AlertGate()
}

/// The labels vitals gives a built-in check's alert: `alertname` (Vitals + the check in
/// CamelCase, e.g. VitalsInodes, VitalsFailedUnits), `instance` (the host), `check`, and `resource` when the check
/// has one (a mount point).
public enum AlertLabels {
    public static func forCheck(_ check: String, resource: String, instance: String) -> LabelSet {
        let camel = check.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        var labels = ["alertname": "Vitals" + camel, "instance": instance, "check": check, "resource": resource]
        // A per-unit check's resource is the unit: the label routes and silences match on.
        if !resource.isEmpty, BuiltinCheck(rawValue: check)?.perUnit == true { labels["unit"] = resource }
        return LabelSet(labels)
    }
}

extension AlertNotification {
    /// A notification made outside the engine (a test message, a test's fixture).
    public init(
        fingerprint: Fingerprint, labels: LabelSet, severity: Severity, previous: Severity? = nil, reason: NotificationReason, message: String,
        value: Double? = nil, threshold: Double? = nil, startsAt: Double, at: Double, duration: Duration? = nil, worstSeverity: Severity? = nil,
        worstValue: Double? = nil, sequence: UInt64, flapPercent: Double? = nil, route: String? = nil
    ) {
        self.fingerprint = fingerprint
        self.labels = labels
        self.severity = severity
        self.previous = previous
        self.reason = reason
        self.message = message
        self.value = value
        self.threshold = threshold
        self.startsAt = startsAt
        self.at = at
        self.duration = duration
        self.worstSeverity = worstSeverity
        self.worstValue = worstValue
        self.sequence = sequence
        self.flapPercent = flapPercent
        self.route = route
    }
}
