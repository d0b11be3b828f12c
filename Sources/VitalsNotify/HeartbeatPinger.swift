public import NIOCore
public import VitalsCore

/// Sends the heartbeat's calls (issue 19) on the agent's event loop, with the HTTP client the
/// webhook channels use: verified TLS, a deadline for the whole exchange, no redirects. The URL's
/// path (usually the token) never appears in what it returns: errors name scheme and host only.
public final class HeartbeatPinger: Sendable {
    let sender: HTTPSender
    let settings: HeartbeatConfig

    public init(settings: HeartbeatConfig, group: any EventLoopGroup) {
        self.settings = settings
        sender = HTTPSender(group: group, connectTimeout: settings.timeout, caFile: settings.caFile)
    }

    /// Calls the URL (`failing` false) or the fail URL with `body`; GET without a body when the
    /// method is get and it is not a failure ping (a failure always POSTs its reason).
    public func call(failing: Bool, body: String) async -> DeliveryOutcome {
        let url = (failing ? settings.failURL : settings.url)?.wire ?? settings.url.wire
        let get = settings.method == .get && !failing
        let outcome = await sender.post(
            url: url, headers: get ? [] : [("Content-Type", "text/plain; charset=utf-8")], body: get ? [] : Array(body.utf8.prefix(10_000)),
            timeout: settings.timeout, get: get)
        let shown = HeartbeatConfig.shown(url)
        switch outcome {
        case .delivered: return outcome
        case .failed(let reason, let retry, let after):
            // HTTPSender names the URL (without credentials); the heartbeat's path is its token.
            return .failed(reason: reason.replacingText(HTTPSender.redact(url), with: shown), retry: retry, after: after)
        }
    }
}
