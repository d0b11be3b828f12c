/// A request the status server received, reduced to what the routes need.
public struct StatusRequest: Sendable {
    public var method: String
    /// The path without the query string.
    public var path: String
    public var query: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Who is on the other end of the unix socket (SO_PEERCRED), when the kernel said.
    public var peer: PeerCredentials?

    public init(
        method: String, path: String, query: String = "", headers: [(String, String)] = [], body: [UInt8] = [],
        peer: PeerCredentials? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.peer = peer
    }
}

/// The process that connected to the status socket, as the kernel reports it: it cannot be
/// forged by the client, so writes (silences, acknowledgements) are authorised and signed by it.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }
}

/// A reply to send: status code, content type and body.
public struct StatusReply: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String = "application/json", body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// A JSON error body: `{"error": "..."}`.
    public static func error(_ status: Int, _ message: String) -> StatusReply {
        var escaped = ""
        for c in message.unicodeScalars {
            switch c {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case _ where c.value < 0x20: escaped += " "
            default: escaped.unicodeScalars.append(c)
            }
        }
        return StatusReply(status: status, body: Array("{\"error\":\"\(escaped)\"}\n".utf8))
    }
}

/// Limits that keep the status socket from becoming the host's problem.
public struct ServerLimits: Sendable {
    /// Connections served at once; further ones are answered 503 and closed.
    public var maxConnections = 64
    /// Connections one user may hold at once (by SO_PEERCRED; TCP peers count as one user).
    public var maxConnectionsPerUser = 16
    /// Of `maxConnections`, this many are kept for root and the agent's own user, so whoever
    /// holds the others cannot lock the operator out.
    public var reservedForPrivileged = 8
    /// Largest request body accepted.
    public var maxBodyBytes = 65_536
    /// Requests served on one keep-alive connection before it is closed.
    public var maxRequestsPerConnection = 100
    /// A connection that sends nothing for this long is closed.
    public var idleTimeout: Duration = .seconds(10)

    public init() {}
}
