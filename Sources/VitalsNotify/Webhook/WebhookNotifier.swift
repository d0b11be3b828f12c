public import NIOCore
public import VitalsCore

/// Delivers a message as one HTTP POST of Alertmanager webhook JSON, with the channel's headers,
/// authentication, signature and idempotency key.
public final class WebhookNotifier: Notifier {
    let settings: WebhookSettings
    let sender: HTTPSender

    public init(settings: WebhookSettings, group: any EventLoopGroup) {
        self.settings = settings
        sender = HTTPSender(group: group, connectTimeout: settings.connectTimeout, caFile: settings.caFile)
    }

    /// The headers of one request: content type, idempotency key, authentication, the signature
    /// over "<timestamp>.<body>" when a secret is set, then the channel's own.
    public static func headers(for m: OutgoingMessage, body: [UInt8], settings: WebhookSettings) -> [(String, String)] {
        var h: [(String, String)] = [("Content-Type", "application/json"), ("Idempotency-Key", m.key), ("X-Vitals-Attempt", "\(m.attempt + 1)")]
        if let seq = m.sequence { h.append(("X-Vitals-Sequence", "\(seq)")) }
        if let a = settings.auth.header { h.append(a) }
        if let secret = settings.hmacSecret {
            let timestamp = "\(Int(m.now))"
            let mac = SHA256.hmac(key: Array(secret.reveal().utf8), message: Array((timestamp + ".").utf8) + body)
            h.append(("X-Vitals-Timestamp", timestamp))
            h.append(("X-Vitals-Signature", "sha256=\(SHA256.hex(mac))"))
        }
        for header in settings.headers { h.append((header.name, header.value.wire)) }
        return h
    }

    public func deliver(_ m: OutgoingMessage) async -> DeliveryOutcome {
        let body = WebhookPayload(m, summary: settings.summary).encoded()
        return await sender.post(
            url: settings.url, headers: Self.headers(for: m, body: body, settings: settings), body: body, timeout: settings.timeout)
    }

    public func shutdown() async { await sender.shutdown() }
}
