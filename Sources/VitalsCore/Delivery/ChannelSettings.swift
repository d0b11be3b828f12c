/// A webhook channel: where to POST, how to authenticate and sign, and how long to wait.
public struct WebhookSettings: Sendable, Equatable {
    /// How the request authenticates.
    public enum Auth: Sendable, Equatable {
        case none
        case bearer(Secret)
        case basic(user: String, password: Secret)
    }

    public var url: String
    /// Extra headers, in the order written.
    public var headers: [Header]
    public var auth: Auth
    /// When set, `X-Vitals-Signature: sha256=<hex HMAC of "<timestamp>.<body>">` is added, with
    /// the timestamp in `X-Vitals-Timestamp` (so a captured request cannot be replayed later).
    public var hmacSecret: Secret?
    public var connectTimeout: Duration
    public var timeout: Duration
    /// A CA bundle to trust instead of the system's, for https receivers with a private CA.
    public var caFile: String?
    /// The operator's own `summary` annotation (issue 19); nil keeps the check's message.
    public var summary: MessageTemplate?

    public init(
        url: String, headers: [Header] = [], auth: Auth = .none, hmacSecret: Secret? = nil, connectTimeout: Duration = .seconds(5),
        timeout: Duration = .seconds(10), caFile: String? = nil, summary: MessageTemplate? = nil
    ) {
        self.summary = summary
        self.url = url
        self.headers = headers
        self.auth = auth
        self.hmacSecret = hmacSecret
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.caFile = caFile
    }
}

/// One extra HTTP header; a value may be a secret (then it prints as `<secret>`).
public struct Header: Sendable, Equatable {
    public var name: String
    public var value: HeaderValue

    public init(name: String, value: HeaderValue) {
        self.name = name
        self.value = value
    }
}

/// A header's value: plain text, or a secret read from a file or credential.
public enum HeaderValue: Sendable, Equatable, CustomStringConvertible {
    case text(String)
    case secret(Secret)

    public var wire: String {
        switch self {
        case .text(let s): s
        case .secret(let s): s.reveal()
        }
    }

    public var description: String {
        switch self {
        case .text(let s): s
        case .secret: "<secret>"
        }
    }
}

/// An SMTP channel: servers in failover order, TLS, authentication and the envelope.
public struct SMTPSettings: Sendable, Equatable {
    /// How the connection is secured; never guessed from the port.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain connection, then STARTTLS (required: a server that does not offer it fails).
        case starttls
        /// TLS from the first byte (SMTPS, usually port 465).
        case implicit
        /// No TLS at all (a relay on loopback).
        case none
    }

    /// One server of the failover list.
    public typealias Server = HostPort

    public var servers: [Server]
    public var tls: TLSMode
    /// A CA bundle to trust instead of the system's; certificates are always verified.
    public var caFile: String?
    public var username: String?
    public var password: Secret?
    public var from: String
    public var to: [String]
    public var timeout: Duration
    /// The name given in EHLO (the host's name when unset).
    public var helo: String?

    /// The operator's own subject and body (issue 19); nil keeps vitals' own wording.
    public var subject: MessageTemplate?
    public var body: MessageTemplate?

    public init(
        servers: [Server], tls: TLSMode = .starttls, caFile: String? = nil, username: String? = nil, password: Secret? = nil, from: String,
        to: [String], timeout: Duration = .seconds(30), helo: String? = nil
    ) {
        self.servers = servers
        self.tls = tls
        self.caFile = caFile
        self.username = username
        self.password = password
        self.from = from
        self.to = to
        self.timeout = timeout
        self.helo = helo
    }
}

/// An Alertmanager channel: the cluster's URLs (each gets every post, as Prometheus does).
public struct AlertmanagerSettings: Sendable, Equatable {
    public var urls: [String]
    public var timeout: Duration
    /// Firing alerts are posted again this often so Alertmanager never resolves them by
    /// timeout; each post says `endsAt` = now + 4 x this.
    public var resendInterval: Duration
    public var caFile: String?
    public var auth: WebhookSettings.Auth

    public init(
        urls: [String], timeout: Duration = .seconds(10), resendInterval: Duration = .seconds(60), caFile: String? = nil,
        auth: WebhookSettings.Auth = .none
    ) {
        self.urls = urls
        self.timeout = timeout
        self.resendInterval = resendInterval
        self.caFile = caFile
        self.auth = auth
    }
}
