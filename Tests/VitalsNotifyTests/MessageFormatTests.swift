import Foundation
import Testing
import VitalsCore

@testable import VitalsNotify

/// What the channels put on the wire, without a network: the webhook JSON and headers, the mail,
/// Alertmanager's alerts, URLs.
@Suite struct MessageFormatTests {
    static func message(severity: Severity = .critical, previous: Severity? = nil, reason: NotificationReason = .first) -> OutgoingMessage {
        let labels = LabelSet([
            "alertname": "VitalsDiskSpace", "instance": "web1", "check": "disk_space", "resource": "/srv", "runbook": "https://wiki/disk",
        ])
        let n = AlertNotification(
            fingerprint: labels.fingerprint, labels: labels, severity: severity, previous: previous, reason: reason,
            message: "disk /srv 96.2% used, above critical 95%", value: 96.2, threshold: 95, startsAt: 1_795_392_000, at: 1_795_392_130, sequence: 7)
        return OutgoingMessage(
            message: ChannelMessage(channel: "hook", notifications: [n], at: 1_795_392_130), instance: "web1", now: 1_795_392_131, sequence: 42)
    }

    @Test func theWebhookBodyIsAlertmanagerVersion4() throws {
        let body = WebhookPayload(Self.message()).encoded()
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(doc["version"] as? String == "4")
        #expect(doc["status"] as? String == "firing")
        #expect(doc["truncatedAlerts"] as? Int == 0)
        #expect(doc["groupKey"] as? String != nil && doc["externalURL"] as? String == "vitals://web1")
        let alert = try #require((doc["alerts"] as? [[String: Any]])?.first)
        #expect(alert["startsAt"] as? String == "2026-11-23T00:00:00.000Z")
        let annotations = try #require(alert["annotations"] as? [String: String])
        #expect(annotations["value"] == "96.2" && annotations["threshold"] == "95" && annotations["runbook_url"] == "https://wiki/disk")
        #expect(
            annotations["idempotency_key"]
                == "\(LabelSet(["alertname": "VitalsDiskSpace", "instance": "web1", "check": "disk_space", "resource": "/srv", "runbook": "https://wiki/disk"]).fingerprint)-7"
        )
        let vitals = try #require(doc["vitals"] as? [String: Any])
        #expect(vitals["sequence"] as? Int == 42 && vitals["decided_at"] as? String == "2026-11-23T00:02:10.000Z")
        #expect(body == WebhookPayload(Self.message()).encoded(), "the same message encodes the same (keys sorted)")
    }

    @Test func theSignatureCoversTimestampAndBody() {
        let m = Self.message()
        let body = Array(#"{"a":1}"#.utf8)
        let settings = WebhookSettings(
            url: "http://x", headers: [Header(name: "X-Token", value: .secret(Secret("t0k", source: "test")))],
            auth: .bearer(Secret("b3arer", source: "test")), hmacSecret: Secret("k", source: "test"))
        let h = Dictionary(WebhookNotifier.headers(for: m, body: body, settings: settings), uniquingKeysWith: { a, _ in a })
        #expect(h["X-Vitals-Timestamp"] == "1795392131")
        #expect(h["X-Vitals-Signature"] == "sha256=" + SHA256.hex(SHA256.hmac(key: Array("k".utf8), message: Array("1795392131.".utf8) + body)))
        #expect(h["Idempotency-Key"] == m.key)
        #expect(h["Authorization"] == "Bearer b3arer" && h["X-Token"] == "t0k")
    }

    @Test func aChangeOfSeverityResolvesTheOldOneInAlertmanager() {
        let raised = PostableAlert.from(
            Self.message(severity: .critical, previous: .warning, reason: .raised).message.notifications[0], instance: "web1", now: 1000,
            resend: .seconds(60))
        #expect(raised.map { $0.labels["severity"] } == ["warning", "critical"])
        #expect(raised[0].endsAt == Timestamp.rfc3339(1_795_392_130), "the warning ends now")
        #expect(raised[1].endsAt == Timestamp.rfc3339(1000 + 240), "the critical fires for four resend intervals")
        let resolved = PostableAlert.from(
            Self.message(severity: .ok, previous: .critical, reason: .resolved).message.notifications[0], instance: "web1", now: 1000,
            resend: .seconds(60))
        #expect(resolved.count == 1 && resolved[0].labels["severity"] == "critical" && resolved[0].endsAt == Timestamp.rfc3339(1_795_392_130))
    }

    @Test func theMailHasHeadersAndADotStuffedBody() {
        var m = Self.message()
        m.message.notifications[0].message = ".leading dot"
        let text = String(decoding: SMTPMessage.compose(m, settings: SMTPSettings(servers: [], from: "v@web1", to: ["a@x", "b@x"])), as: UTF8.self)
        #expect(
            text.hasPrefix(
                "Date: Mon, 23 Nov 2026 00:02:11 +0000\r\nFrom: vitals on web1 <v@web1>\r\nTo: a@x, b@x\r\nSubject: [CRITICAL] web1: .leading dot\r\n"
            ))
        #expect(
            text.contains("\r\n  ..leading dot\r\n") == false && text.contains("\r\n  .leading dot\r\n"),
            "only a dot at the start of a line is doubled")
        #expect(text.hasSuffix("\r\n.\r\n"))
        #expect(!text.contains("\n\n") && !text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "CRLF only")
        #expect(SMTPMessage.encodeHeader("[CRITICAL] h: disk /häuser full").hasPrefix("=?UTF-8?B?"))
    }

    @Test func urlsAreParsedAndCredentialsInThemRefused() {
        #expect(HTTPTarget("https://hooks.example.com/a?b=1") == HTTPTarget(tls: true, host: "hooks.example.com", port: 443, path: "/a?b=1"))
        #expect(HTTPTarget("http://[::1]:8080") == HTTPTarget(tls: false, host: "::1", port: 8080, path: "/"))
        #expect(HTTPTarget("http://h:8080?x") == HTTPTarget(tls: false, host: "h", port: 8080, path: "/?x"))
        #expect(HTTPTarget("http://user:pw@h/") == nil)
        #expect(HTTPTarget("ftp://h/") == nil)
        #expect(HTTPTarget("http://h:99999/") == nil)
        #expect(HTTPTarget("http://[::1]:8080")?.hostHeader == "[::1]:8080")
        #expect(HTTPSender.retryAfter("120") == .seconds(120) && HTTPSender.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
    }
}
