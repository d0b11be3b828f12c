import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// A URL as the HTTP channels use it: http or https, host, port, path with query.
struct HTTPTarget: Sendable, Equatable {
    var tls: Bool
    var host: String
    var port: Int
    var path: String

    init(tls: Bool, host: String, port: Int, path: String) {
        self.tls = tls
        self.host = host
        self.port = port
        self.path = path
    }

    /// Parses `http://host[:port]/path?query` (IPv6 hosts in brackets); nil when it is not one.
    /// Credentials in the URL are refused: they would print wherever the URL does.
    init?(_ url: String) {
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            tls = true
            rest = url.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            tls = false
            rest = url.dropFirst(7)
        } else {
            return nil
        }
        let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<slash]
        path = slash == rest.endIndex ? "/" : (rest[slash] == "?" ? "/" : "") + String(rest[slash...])
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                port = tls ? 443 : 80
            } else {
                guard after.first == ":", let p = Int(after.dropFirst()), (1...65535).contains(p) else { return nil }
                port = p
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            port = p
        } else {
            host = String(authority)
            port = tls ? 443 : 80
        }
        guard !host.isEmpty else { return nil }
    }

    /// The Host header's value.
    var hostHeader: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port == (tls ? 443 : 80) ? h : "\(h):\(port)"
    }
}

/// An HTTP/1.1 client for one channel, on the agent's one event-loop thread: one connection per
/// request (`Connection: close`; alerts are rare, and nothing stays open between them), TLS with
/// verified certificates (system roots or the channel's CA file), a connect timeout and a total
/// deadline, no redirects. Written on NIOHTTP1 and the host's OpenSSL (`TLSClientHandler`) rather than async-http-client, whose
/// compression support vendors a copy of zlib into the binary.
/// Classifies answers as the channels need: 2xx delivered; 5xx, 429, 408 and timeouts worth a
/// retry (with the receiver's `Retry-After`); other 4xx given up.
final class HTTPSender: Sendable {
    let group: any EventLoopGroup
    let connectTimeout: Duration
    let caFile: String?
    /// Made at the first https:// request (loading OpenSSL then), kept for the channel's life.
    private let context = Mutex<Result<TLSClientContext, TLSFailure>?>(nil)

    init(group: any EventLoopGroup, connectTimeout: Duration, caFile: String?) {
        self.group = group
        self.connectTimeout = connectTimeout
        self.caFile = caFile
    }

    /// The channel's TLS context, made on first use: a channel that only speaks http:// never
    /// loads OpenSSL.
    var tls: Result<TLSClientContext, TLSFailure> {
        context.withLock { c in
            if let made = c { return made }
            let made = ClientTLS.context(caFile: caFile)
            c = made
            return made
        }
    }

    /// POSTs `body` to `url` with `headers` (or GETs it, `get`), waiting at most `timeout` for the
    /// whole exchange.
    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration, get: Bool = false) async -> DeliveryOutcome {
        guard let target = HTTPTarget(url) else {
            return .failed(reason: "the URL \(Self.redact(url)) is not an http:// or https:// URL; fix the channel's url", retry: false)
        }
        var context: TLSClientContext? = nil
        if target.tls {
            switch tls {
            case .success(let c): context = c
            case .failure(let e): return .failed(reason: "cannot set up TLS (\(e)); check ca_file", retry: false)
            }
        }
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let response: HTTPExchange.Response
        do {
            response = try await HTTPExchange.run(
                target: target, tls: context, headers: headers, body: body, group: group, connectTimeout: min(connectTimeout, timeout),
                deadline: deadline, method: get ? .GET : .POST)
        } catch let e as HTTPExchange.Failure {
            switch e {
            case .timedOut: return .failed(reason: "no answer from \(Self.redact(url)) within \(Units.formatDuration(timeout))", retry: true)
            case .closedEarly: return .failed(reason: "\(Self.redact(url)) closed the connection before answering", retry: true)
            case .tooLarge: return .failed(reason: "\(Self.redact(url)) answered with more than 64 KiB of headers and body", retry: true)
            }
        } catch let e as NIOConnectionError {
            return .failed(reason: "cannot connect to \(Self.redact(url)): \(Self.why(e))", retry: true)
        } catch let e as ChannelError {
            if case .connectTimeout = e { return .failed(reason: "cannot connect to \(Self.redact(url)): connect timeout", retry: true) }
            return .failed(reason: "cannot reach \(Self.redact(url)): \(e)", retry: true)
        } catch let e as TLSFailure {
            return .failed(reason: "TLS with \(Self.redact(url)) failed: \(e); check the certificate or ca_file", retry: true)
        } catch {
            return .failed(reason: "cannot reach \(Self.redact(url)): \(error)", retry: true)
        }
        let code = Int(response.head.status.code)
        let text = String(decoding: response.body.prefix(200), as: UTF8.self).filter { $0 != "\n" && $0 != "\r" }
        let snippet = text.isEmpty ? "" : ": \(text)"
        switch code {
        case 200..<300:
            return .delivered(detail: "HTTP \(code)")
        case 429, 500..<600:
            let after = response.head.headers.first(name: "Retry-After").flatMap(Self.retryAfter)
            return .failed(reason: "HTTP \(code) from \(Self.redact(url))\(snippet)", retry: true, after: after)
        case 408:
            return .failed(reason: "HTTP 408 (request timeout) from \(Self.redact(url))", retry: true)
        default:
            return .failed(
                reason: "HTTP \(code) from \(Self.redact(url))\(snippet); not retried (fix the receiver or the channel's settings)", retry: false)
        }
    }

    func shutdown() async {}

    /// A failed connect in a few words: the system's text for each distinct errno ("Connection
    /// refused"), or that the name did not resolve.
    static func why(_ e: NIOConnectionError) -> String {
        var reasons: [String] = []
        for f in e.connectionErrors {
            let text = (f.error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(f.error)"
            if !reasons.contains(text) { reasons.append(text) }
        }
        if reasons.isEmpty { return e.dnsAError != nil || e.dnsAAAAError != nil ? "the host name does not resolve" : "no address to connect to" }
        return reasons.joined(separator: "; ")
    }

    /// `Retry-After: 120` (seconds; an HTTP date is not honoured and backoff applies).
    static func retryAfter(_ value: String) -> Duration? {
        guard let s = Int(value.trimmingCharacters(in: " ")), s >= 0 else { return nil }
        return .seconds(min(s, 86400))
    }

    /// The URL without user information (`https://user:pass@host/` -> `https://host/`).
    static func redact(_ url: String) -> String {
        let bytes = Array(url.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon + 2 < bytes.count, bytes[colon + 1] == UInt8(ascii: "/"),
            bytes[colon + 2] == UInt8(ascii: "/")
        else { return url }
        let hostStart = colon + 3
        let slash = bytes[hostStart...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.count
        guard let at = bytes[hostStart..<slash].lastIndex(of: UInt8(ascii: "@")) else { return url }
        return String(decoding: bytes[..<hostStart], as: UTF8.self) + "<secret>@" + String(decoding: bytes[(at + 1)...], as: UTF8.self)
    }
}

extension TimeAmount {
    init(_ d: Duration) {
        let (s, atto) = d.components
        self = .nanoseconds(s * 1_000_000_000 + atto / 1_000_000_000)
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}

extension WebhookSettings.Auth {
    /// The Authorization header, if any (the secret revealed only here).
    var header: (String, String)? {
        switch self {
        case .none: return nil
        case .bearer(let s): return ("Authorization", "Bearer \(s.reveal())")
        case .basic(let user, let p): return ("Authorization", "Basic \(Base64.encode(Array("\(user):\(p.reveal())".utf8)))")
        }
    }
}

/// Base64 (RFC 4648) for Basic auth and SMTP AUTH.
public enum Base64 {
    public static func encode(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i]
            let b1 = i + 1 < bytes.count ? bytes[i + 1] : 0
            let b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? table[Int((b1 & 0xf) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? table[Int(b2 & 0x3f)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
