public import NIOCore
public import VitalsCore

/// One alert as Alertmanager's `POST /api/v2/alerts` takes it.
public struct PostableAlert: Encodable, Sendable, Equatable {
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: String
    public var endsAt: String
    public var generatorURL: String

    /// The alerts that say what a notification says: firing until `now + 4 x resend` (re-sent
    /// before then while it fires, as Prometheus does), or resolved at the notification's time.
    /// A change of severity also resolves the alert at the old severity (Alertmanager tells the
    /// two apart by the `severity` label).
    public static func from(_ n: AlertNotification, instance: String, now: Double, resend: Duration) -> [PostableAlert] {
        let generator = "vitals://\(instance)/checks/\(n.labels["check"] ?? "")"
        var out: [PostableAlert] = []
        if n.severity == .ok {
            out.append(
                PostableAlert(
                    labels: WebhookPayload.labels(n), annotations: WebhookPayload.annotations(n), startsAt: Timestamp.rfc3339(n.startsAt),
                    endsAt: Timestamp.rfc3339(max(n.at, n.startsAt)), generatorURL: generator))
            return out
        }
        if let p = n.previous, p != n.severity, p != .ok {
            var old = n
            old.severity = p
            out.append(
                PostableAlert(
                    labels: WebhookPayload.labels(old), annotations: WebhookPayload.annotations(old), startsAt: Timestamp.rfc3339(n.startsAt),
                    endsAt: Timestamp.rfc3339(max(n.at, n.startsAt)), generatorURL: generator))
        }
        out.append(
            firing(
                labels: WebhookPayload.labels(n), annotations: WebhookPayload.annotations(n), startsAt: n.startsAt, generator: generator, now: now,
                resend: resend))
        return out
    }

    /// A firing alert that Alertmanager keeps for four resend intervals.
    public static func firing(
        labels: [String: String], annotations: [String: String], startsAt: Double, generator: String, now: Double, resend: Duration
    ) -> PostableAlert {
        PostableAlert(
            labels: labels, annotations: annotations, startsAt: Timestamp.rfc3339(min(startsAt, now)),
            endsAt: Timestamp.rfc3339(now + 4 * resend.seconds),
            generatorURL: generator)
    }

    /// A currently notified problem, re-sent while it fires.
    public static func refresh(_ a: PersistedAlert, instance: String, now: Double, resend: Duration) -> PostableAlert? {
        guard let notified = a.notified, notified != .ok, a.severity != .ok else { return nil }
        var labels = a.labels.dictionary.filter { !$0.value.isEmpty }
        labels["severity"] = notified.description
        var annotations = ["summary": a.message]
        if let v = a.value { annotations["value"] = Units.formatNumber(v) }
        if let t = a.threshold { annotations["threshold"] = Units.formatNumber(t) }
        annotations["vitals_fingerprint"] = "\(a.labels.fingerprint)"
        return firing(
            labels: labels, annotations: annotations, startsAt: a.problemSinceWall ?? a.sinceWall,
            generator: "vitals://\(instance)/checks/\(a.labels["check"] ?? "")", now: now, resend: resend)
    }

    static func encode(_ alerts: [PostableAlert]) -> [UInt8] {
        (try? JSONCodec.encode(alerts, options: .state)) ?? Array("[]".utf8)
    }
}

/// Pushes alerts to every Alertmanager of a cluster (each gets every post; the cluster
/// deduplicates, as with Prometheus). A post counts as delivered when at least one member took it.
public final class AlertmanagerNotifier: Notifier {
    public let settings: AlertmanagerSettings
    let sender: HTTPSender

    public init(settings: AlertmanagerSettings, group: any EventLoopGroup) {
        self.settings = settings
        sender = HTTPSender(group: group, connectTimeout: min(settings.timeout, .seconds(5)), caFile: settings.caFile)
    }

    public func deliver(_ m: OutgoingMessage) async -> DeliveryOutcome {
        let alerts = m.message.notifications.flatMap { PostableAlert.from($0, instance: m.instance, now: m.now, resend: settings.resendInterval) }
        guard !alerts.isEmpty else { return .delivered(detail: "nothing for Alertmanager (a digest only)") }
        return await post(alerts)
    }

    /// Posts `alerts` to every member; delivered when one took them.
    public func post(_ alerts: [PostableAlert]) async -> DeliveryOutcome {
        let body = PostableAlert.encode(alerts)
        let headers = [("Content-Type", "application/json")] + (settings.auth.header.map { [$0] } ?? [])
        let results = await withTaskGroup(of: (String, DeliveryOutcome).self) { group in
            for url in settings.urls {
                group.addTask {
                    (url, await self.sender.post(url: url + "/api/v2/alerts", headers: headers, body: body, timeout: self.settings.timeout))
                }
            }
            var out: [(String, DeliveryOutcome)] = []
            for await r in group { out.append(r) }
            return out
        }
        let ok = results.filter { $0.1.isDelivered }
        if !ok.isEmpty {
            let failed = results.count - ok.count
            return .delivered(
                detail:
                    "\(ok.count) of \(results.count) Alertmanagers took \(alerts.count) alert\(alerts.count == 1 ? "" : "s")\(failed > 0 ? " (\(failed) failed)" : "")"
            )
        }
        let reasons = results.compactMap { r -> String? in if case .failed(let why, _, _) = r.1 { return why } else { return nil } }
        let retry = results.contains { if case .failed(_, true, _) = $0.1 { return true } else { return false } }
        let after = results.compactMap { if case .failed(_, _, let a) = $0.1 { return a } else { return nil } }.max()
        return .failed(reason: reasons.joined(separator: "; "), retry: retry, after: after)
    }

    public func shutdown() async { await sender.shutdown() }
}
