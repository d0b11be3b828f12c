/// A channel: where messages go, and how they are delivered there.
public struct ChannelConfig: Sendable, Equatable {
    /// What kind of channel it is.
    public enum Kind: String, Sendable, CaseIterable {
        /// Each notification as a structured log entry (MESSAGE_ID vitals-alert-notification).
        case log
        /// An HTTP POST of Alertmanager's webhook JSON (version 4).
        case webhook
        /// Mail through an SMTP server (or a failover list of them).
        case smtp
        /// Alerts pushed to one or more Alertmanagers (`POST /api/v2/alerts`), re-sent while firing.
        case alertmanager
    }

    public var name: String
    public var kind: Kind
    /// The most alerts this channel sends in any hour; the rest are folded into a digest.
    public var maxAlertsPerHour: Int?
    /// The kind's own settings (nil for `log`).
    public var webhook: WebhookSettings?
    public var smtp: SMTPSettings?
    public var alertmanager: AlertmanagerSettings?
    /// Where this channel's messages go while its circuit breaker is open.
    public var fallback: String?
    public var retry: RetryPolicy
    public var breaker: CircuitBreaker<ContinuousClock.Instant>.Settings

    public init(
        name: String, kind: Kind, maxAlertsPerHour: Int? = nil, webhook: WebhookSettings? = nil, smtp: SMTPSettings? = nil,
        alertmanager: AlertmanagerSettings? = nil, fallback: String? = nil, retry: RetryPolicy = RetryPolicy(),
        breaker: CircuitBreaker<ContinuousClock.Instant>.Settings = .init()
    ) {
        self.name = name
        self.kind = kind
        self.maxAlertsPerHour = maxAlertsPerHour
        self.webhook = webhook
        self.smtp = smtp
        self.alertmanager = alertmanager
        self.fallback = fallback
        self.retry = retry
        self.breaker = breaker
    }

    /// Whether messages for this channel go through the durable outbox (every kind but `log`,
    /// which the journal already keeps).
    public var isDurable: Bool { kind != .log }
}

/// One step of a route: its channels, and when it fires after the incident's first notification
/// (step 0 at once).
public struct EscalationStep: Sendable, Equatable {
    public var after: Duration
    public var channels: [String]

    public init(after: Duration = .zero, channels: [String]) {
        self.after = after
        self.channels = channels
    }
}

/// A route: which alerts (matchers on labels and `severity`) go to which channels, in steps.
public struct Route: Sendable, Equatable {
    /// "routes[0]" unless the configuration names it.
    public var name: String
    public var matchers: [LabelMatcher]
    public var steps: [EscalationStep]

    public init(name: String, matchers: [LabelMatcher] = [], steps: [EscalationStep]) {
        self.name = name
        self.matchers = matchers
        self.steps = steps
    }

    /// The escalation schedule the engine needs: when each step after the first is due.
    public var escalation: [Duration] { steps.dropFirst().map(\.after) }

    /// The channels for a notification: an escalation goes to the newly reached steps only,
    /// anything else to every step reached so far (the on-call person who was paged hears of the
    /// recovery too). Each channel once, in step order.
    public func channels(for n: AlertNotification) -> [String] {
        let last = min(n.step, steps.count - 1)
        return channels(through: n.step, from: n.reason == .escalated ? min(n.escalatedFrom ?? last, last) : 0)
    }

    /// The channels of steps `first` through `step` (clamped to the route), each once, in step
    /// order.
    public func channels(through step: Int, from first: Int = 0) -> [String] {
        guard !steps.isEmpty else { return [] }
        let last = min(max(step, 0), steps.count - 1)
        var seen = Set<String>()
        return steps[min(max(first, 0), last)...last].flatMap(\.channels).filter { seen.insert($0).inserted }
    }
}

/// Inhibition: while an alert matching `source` fires, alerts matching `target` that have the
/// same values of the `equal` labels are muted (Alertmanager's inhibit rule). An alert never
/// inhibits itself.
public struct InhibitRule: Sendable, Equatable {
    public var source: [LabelMatcher]
    public var target: [LabelMatcher]
    public var equal: [String]

    public init(source: [LabelMatcher], target: [LabelMatcher], equal: [String]) {
        self.source = source
        self.target = target
        self.equal = equal
    }

    /// The built-in rule: a critical alert mutes the warnings of the same resource on the same
    /// host (a full disk's space and inode warnings say nothing the critical does not).
    public static let sameResource: InhibitRule = {
        // The literals are valid matchers; `try!` cannot fail here.
        let m = { (s: String) in try! LabelMatcher(parsing: s) }
        return InhibitRule(source: [m("severity=critical"), m("resource=~.+")], target: [m("severity=warning")], equal: ["instance", "resource"])
    }()
}

/// Where notifications go and how many: channels, routes, inhibition, grouping and storm limits.
public struct NotifyConfig: Sendable, Equatable {
    /// Channels by name, in the order written.
    public var channels: [ChannelConfig]
    /// Routes in order; the first whose matchers hold takes the alert.
    public var routes: [Route]
    public var inhibitRules: [InhibitRule]
    /// Notifications for one channel decided within this window go out as one message (rounded
    /// up to whole sampling intervals; 0 groups what one evaluation decides).
    public var groupWait: Duration
    /// The most alerts sent in any hour over all channels; the rest are folded into a digest.
    public var maxAlertsPerHour: Int?

    public init(
        channels: [ChannelConfig] = [ChannelConfig(name: "log", kind: .log)],
        routes: [Route] = [Route(name: "default", steps: [EscalationStep(channels: ["log"])])],
        inhibitRules: [InhibitRule] = [.sameResource], groupWait: Duration = .zero, maxAlertsPerHour: Int? = 120
    ) {
        self.channels = channels
        self.routes = routes
        self.inhibitRules = inhibitRules
        self.groupWait = groupWait
        self.maxAlertsPerHour = maxAlertsPerHour
    }

    public func channel(named name: String) -> ChannelConfig? { channels.first { $0.name == name } }

    /// The first route whose matchers hold for this alert at this severity.
    public func route(for labels: LabelSet, severity: Severity) -> Route? {
        routes.first { $0.matchers.matchAll(labels, severity: severity) }
    }

    /// A route by name (the one a notification was decided under), else the one that matches now.
    public func route(named name: String?, labels: LabelSet, severity: Severity) -> Route? {
        name.flatMap { n in routes.first { $0.name == n } } ?? route(for: labels, severity: severity)
    }
}

/// One alert as inhibition sees it.
public struct FiringAlert: Sendable {
    public var fingerprint: Fingerprint
    public var labels: LabelSet
    public var severity: Severity

    public init(fingerprint: Fingerprint, labels: LabelSet, severity: Severity) {
        self.fingerprint = fingerprint
        self.labels = labels
        self.severity = severity
    }
}

extension Array where Element == InhibitRule {
    /// For each inhibited alert, the alert that inhibits it. Sources are the alerts whose state is
    /// not ok; each rule's matchers run once per alert, then pairs meet by their `equal` labels.
    public func inhibitors(among alerts: [FiringAlert]) -> [Fingerprint: Fingerprint] {
        var out: [Fingerprint: Fingerprint] = [:]
        for rule in self {
            var sources: [[String]: [Fingerprint]] = [:]
            for a in alerts where a.severity != .ok && rule.source.matchAll(a.labels, severity: a.severity) {
                sources[rule.equal.map { a.labels[$0] ?? "" }, default: []].append(a.fingerprint)
            }
            guard !sources.isEmpty else { continue }
            for a in alerts where out[a.fingerprint] == nil && rule.target.matchAll(a.labels, severity: a.severity) {
                let candidates = sources[rule.equal.map { a.labels[$0] ?? "" }] ?? []
                if let s = candidates.filter({ $0 != a.fingerprint }).min() { out[a.fingerprint] = s }
            }
        }
        return out
    }
}
