import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import VitalsCore

/// One HTTP client per HTTP channel (its own connect timeout and trust roots), on the agent's one
/// event-loop thread. Classifies answers as the issue says: 2xx delivered; 5xx, 429 and timeouts
/// worth a retry (with the receiver's `Retry-After`); other 4xx given up.
final class HTTPSender: Sendable {
    let client: HTTPClient

    init(group: any EventLoopGroup, connectTimeout: Duration, caFile: String?) {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.trustRoots = .file(caFile) }
        var config = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: .init(connect: .init(connectTimeout)))
        config.connectionPool = .init(idleTimeout: .seconds(30))
        client = HTTPClient(eventLoopGroup: group, configuration: config, backgroundActivityLogger: Logger(label: "vitals.http", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// POSTs `body` to `url` with `headers`, waiting at most `timeout` for the whole exchange.
    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> DeliveryOutcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "User-Agent", value: "vitals")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .init(timeout))
            let text = (try? await response.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
            let code = Int(response.status.code)
            let snippet = text.isEmpty ? "" : ": \(text.prefix(200).filter { $0 != "\n" && $0 != "\r" })"
            switch code {
            case 200..<300:
                return .delivered(detail: "HTTP \(code)")
            case 429, 500..<600:
                let after = response.headers.first(name: "Retry-After").flatMap(Self.retryAfter)
                return .failed(reason: "HTTP \(code) from \(Self.redact(url))\(snippet)", retry: true, after: after)
            case 408:
                return .failed(reason: "HTTP 408 (request timeout) from \(Self.redact(url))", retry: true)
            default:
                return .failed(reason: "HTTP \(code) from \(Self.redact(url))\(snippet); not retried (fix the receiver or the channel's settings)", retry: false)
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .failed(reason: "no answer from \(Self.redact(url)) within \(Units.formatDuration(timeout))", retry: true)
        } catch let error as HTTPClientError where error == .connectTimeout {
            return .failed(reason: "cannot connect to \(Self.redact(url)): connect timeout", retry: true)
        } catch let error as HTTPClientError where error == .invalidURL || error == .emptyHost || error == .emptyScheme || error == .unsupportedScheme("") {
            return .failed(reason: "the URL \(Self.redact(url)) is not valid (\(error)); fix the channel's url", retry: false)
        } catch let error as NIOSSLError {
            return .failed(reason: "TLS with \(Self.redact(url)) failed: \(error); check the certificate or ca_file", retry: true)
        } catch {
            return .failed(reason: "cannot reach \(Self.redact(url)): \(error)", retry: true)
        }
    }

    func shutdown() async { try? await client.shutdown() }

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
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? table[Int((b1 & 0xf) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? table[Int(b2 & 0x3f)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
