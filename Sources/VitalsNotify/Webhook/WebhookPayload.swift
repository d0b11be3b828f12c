public import VitalsCore

/// Alertmanager's webhook message (version 4), so receivers written for Alertmanager work
/// unchanged; vitals' own data rides in labels and annotations, and in a `vitals` object that
/// such receivers ignore.
public struct WebhookPayload: Encodable, Sendable {
    /// One alert of the message, as Alertmanager sends it.
    public struct Alert: Encodable, Sendable {
        public var status: String
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAt: String
        public var endsAt: String
        public var generatorURL: String
        public var fingerprint: String
        /// The units behind a host-level problem, largest share first (vitals' own field;
        /// Alertmanager receivers ignore it, the `culprits` annotation says the same in words).
        public var culprits: [Culprit]?
    }

    /// What Alertmanager has no field for.
    public struct Extension: Encodable, Sendable {
        public var key: String
        public var digest: String?
        public var digestCount: Int?
        public var limitReached: Bool
        public var via: String?
        /// The outbox's order: a receiver that sees a lower number after a higher one knows it
        /// is a late retry.
        public var sequence: UInt64?
        /// When the alert manager decided on the message.
        public var decidedAt: String

        enum CodingKeys: String, CodingKey {
            case key, digest, via, sequence
            case digestCount = "digest_count"
            case limitReached = "limit_reached"
            case decidedAt = "decided_at"
        }
    }

    public var version = "4"
    public var groupKey: String
    public var truncatedAlerts = 0
    public var status: String
    public var receiver: String
    public var groupLabels: [String: String]
    public var commonLabels: [String: String]
    public var commonAnnotations: [String: String]
    public var externalURL: String
    public var alerts: [Alert]
    public var vitals: Extension

    /// The labels of a notification as Alertmanager would carry them: identity plus `severity`
    /// (the one notified: the previous problem's for a recovery).
    public static func labels(_ n: AlertNotification) -> [String: String] {
        var l = n.labels.dictionary.filter { !$0.value.isEmpty }
        l["severity"] = (n.severity == .ok ? (n.previous ?? n.worstSeverity ?? .ok) : n.severity).description
        return l
    }

    /// vitals' data for one notification: summary, value, limit, reason, and the keys.
    /// With `summary`, the operator's template gives the summary.
    public static func annotations(
        _ n: AlertNotification, summary: MessageTemplate? = nil, instance: String = "", count: Int = 1, channel: String = ""
    )
        -> [String: String]
    {
        var a: [String: String] = [
            "summary": summary.map { MessageText.oneLine($0.render(n, instance: instance, count: count, channel: channel)) } ?? n.message,
            "reason": n.reason.rawValue,
            "idempotency_key": n.idempotencyKey,
            "vitals_fingerprint": "\(n.fingerprint)",
        ]
        if let v = n.value { a["value"] = Units.formatNumber(v) }
        if let t = n.threshold { a["threshold"] = Units.formatNumber(t) }
        if let p = n.previous { a["previous_severity"] = p.description }
        if let d = n.duration { a["duration"] = Units.formatDuration(d) }
        if let w = n.worstValue { a["worst_value"] = Units.formatNumber(w) }
        if let by = n.acknowledgedBy { a["acknowledged_by"] = by }
        if let r = n.labels["runbook"] ?? n.labels["runbook_url"] { a["runbook_url"] = r }
        if n.step > 0 { a["escalation_step"] = "\(n.step)" }
        for (k, v) in n.annotations ?? [:] where a[k] == nil { a[k] = v }
        return a
    }

    public init(_ m: OutgoingMessage, summary: MessageTemplate? = nil) {
        let ns = m.message.notifications
        let external = "vitals://\(m.instance)"
        alerts = ns.map { n in
            Alert(
                status: n.severity == .ok ? "resolved" : "firing", labels: Self.labels(n),
                annotations: Self.annotations(n, summary: summary, instance: m.instance, count: ns.count, channel: m.message.channel),
                startsAt: Timestamp.rfc3339(n.startsAt), endsAt: n.severity == .ok ? Timestamp.rfc3339(n.at) : "0001-01-01T00:00:00Z",
                generatorURL: "\(external)/checks/\(n.labels["check"] ?? "")", fingerprint: "\(n.fingerprint)",
                culprits: n.culprits)
        }
        status = alerts.contains { $0.status == "firing" } ? "firing" : "resolved"
        receiver = m.via ?? m.message.channel
        let all = alerts.map(\.labels)
        commonLabels = all.first.map { first in first.filter { kv in all.allSatisfy { $0[kv.key] == kv.value } } } ?? ["instance": m.instance]
        let allAnnotations = alerts.map(\.annotations)
        commonAnnotations = allAnnotations.first.map { first in first.filter { kv in allAnnotations.allSatisfy { $0[kv.key] == kv.value } } } ?? [:]
        groupLabels = ["instance": m.instance]
        groupKey = "{}:{instance=\"\(m.instance)\"}:\(m.message.channel)"
        externalURL = external
        vitals = Extension(
            key: m.key, digest: m.message.digest?.description, digestCount: m.message.digest?.count, limitReached: m.message.limitReached, via: m.via,
            sequence: m.sequence, decidedAt: Timestamp.rfc3339(m.message.at))
    }

    /// The JSON bytes (keys sorted, so the same message signs the same).
    public func encoded() -> [UInt8] {
        (try? JSONCodec.encode(self, options: .state)) ?? Array("{}".utf8)
    }
}
