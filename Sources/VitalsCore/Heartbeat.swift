/// Issue 19: the dead man's switch. vitals calls an outside URL (healthchecks.io, Uptime Kuma,
/// Cronitor, a plain receiver) every `interval`, but only while every stage of the agent makes
/// progress; the outside service pages when the calls stop, which covers what no local agent can
/// see: the host down, the network cut, the agent wedged.
public struct HeartbeatConfig: Sendable, Equatable {
    /// How a ping is sent.
    public enum Method: String, Sendable, Equatable, CaseIterable {
        /// `GET`, no body (Uptime Kuma's push URL, Cronitor's telemetry URL).
        case get
        /// `POST` with a short text body: the agent's summary, or the reason on a failure ping.
        case post
    }

    /// Where the pings go. A secret (`{file:}` or `{credential:}`) when the URL carries the
    /// token (healthchecks.io's UUID is the whole secret); only scheme and host are ever shown.
    public var url: HeaderValue
    /// Called instead of `url` while the agent is degraded (a stage overdue, a channel failing),
    /// with the reason in a POST body; nil: the pings just stop then.
    public var failURL: HeaderValue?
    public var interval: Duration
    public var method: Method
    /// The whole exchange, connect included.
    public var timeout: Duration
    /// A CA bundle to trust instead of the system's, for a receiver with a private CA.
    public var caFile: String?

    public init(
        url: HeaderValue, failURL: HeaderValue? = nil, interval: Duration = .seconds(60), method: Method = .post,
        timeout: Duration = .seconds(10), caFile: String? = nil
    ) {
        self.url = url
        self.failURL = failURL
        self.interval = interval
        self.method = method
        self.timeout = timeout
        self.caFile = caFile
    }

    /// A URL as it may be shown (status, journal, errors): scheme and host, the rest elided, since
    /// the path of a ping URL is usually its token.
    public static func shown(_ url: String) -> String {
        let lower = url.lowercased()
        let scheme = lower.hasPrefix("https://") ? 8 : lower.hasPrefix("http://") ? 7 : 0
        guard scheme > 0 else { return "<url>" }
        let rest = url.dropFirst(scheme)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let host = authority.split(separator: "@").last.map(String.init) ?? ""
        return String(url.prefix(scheme)) + host + (rest.count > authority.count ? "/…" : "")
    }
}

/// What one heartbeat tick does, decided from the agent's health (pure).
public enum HeartbeatDecision: Sendable, Equatable {
    /// Every stage makes progress and nothing is degraded: call the URL.
    case ping(body: String)
    /// Degraded, and a fail URL is set: call it with the reason.
    case fail(reason: String)
    /// Degraded without a fail URL: no call, so the outside service notices the silence.
    case hold(reason: String)

    /// Decides one tick. `overdue` names the stages past their deadline (as the watchdog sees
    /// them), `failing` the notification channels that cannot deliver, `summary` the agent's
    /// check counts for the body of a good ping.
    public static func decide(overdue: [String], failing: [String], summary: String, hasFailURL: Bool) -> HeartbeatDecision {
        var reasons: [String] = []
        if !overdue.isEmpty { reasons.append("stage overdue: " + overdue.joined(separator: "; ")) }
        if !failing.isEmpty { reasons.append("channel failing: " + failing.joined(separator: "; ")) }
        guard !reasons.isEmpty else { return .ping(body: summary) }
        let reason = reasons.joined(separator: "; ")
        return hasFailURL ? .fail(reason: reason) : .hold(reason: reason)
    }
}

/// The heartbeat's record, as `vitals status --channels` and `/metrics` show it.
public struct HeartbeatStatus: Sendable, Equatable, Codable {
    /// The URL as shown (scheme and host).
    public var target: String
    public var intervalSeconds: Double
    /// Calls the receiver took (2xx), by kind.
    public var pings: UInt64 = 0
    public var failPings: UInt64 = 0
    /// Calls that did not get a 2xx answer.
    public var errors: UInt64 = 0
    /// Ticks that sent nothing because the agent was degraded and no fail URL is set.
    public var held: UInt64 = 0
    public var lastAttemptAt: Double?
    public var lastSuccessAt: Double?
    /// "ping", "fail" or "held": what the latest tick did.
    public var lastKind: String?
    /// The receiver's answer or the error, and the degraded reason when there was one.
    public var lastResult: String?
    public var lastReason: String?

    enum CodingKeys: String, CodingKey {
        case target, pings, errors, held
        case intervalSeconds = "interval_seconds"
        case failPings = "fail_pings"
        case lastAttemptAt = "last_attempt_at"
        case lastSuccessAt = "last_success_at"
        case lastKind = "last_kind"
        case lastResult = "last_result"
        case lastReason = "last_reason"
    }

    public init(target: String, intervalSeconds: Double) {
        self.target = target
        self.intervalSeconds = intervalSeconds
    }
}
