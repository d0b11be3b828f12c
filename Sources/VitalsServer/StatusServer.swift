public import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
public import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// HTTP/1.1 over a unix socket, bounded in connections, body size, requests per connection and
/// idle time. Routing is a synchronous function over the request: every answer comes from state
/// already in memory, so nothing blocks the one event-loop thread.
public final class StatusServer: Sendable {
    public typealias Handler = @Sendable (StatusRequest) -> StatusReply

    /// The socket's path (for an inherited socket, the path it was bound to, or "" when unknown).
    public let path: String
    private let inheritedDescriptor: CInt?
    /// A TCP address instead of a unix socket (the metrics listener).
    private let tcp: ListenAddress?
    private let group: any EventLoopGroup
    private let limits: ServerLimits
    private let handler: Handler
    private let connections = Atomic<Int>(0)
    /// Admitted connections by user (nil: a TCP peer), and in all.
    private let admitted = Mutex<(total: Int, byUser: [UInt32?: Int])>((0, [:]))
    private let channel = Mutex<(any Channel)?>(nil)

    public convenience init(path: String, group: any EventLoopGroup, limits: ServerLimits = ServerLimits(), handler: @escaping Handler) {
        self.init(path: path, inherited: nil, group: group, limits: limits, handler: handler)
    }

    /// Serves on a socket that is already bound and listening, handed over by the service manager
    /// (socket activation). Its file and mode belong to the `.socket` unit: `stop` leaves them.
    public convenience init(
        inheritedDescriptor fd: CInt, path: String, group: any EventLoopGroup, limits: ServerLimits = ServerLimits(),
        handler: @escaping Handler
    ) {
        self.init(path: path, inherited: fd, group: group, limits: limits, handler: handler)
    }

    /// Serves over TCP (the optional metrics listener for Prometheus). No peer credentials exist
    /// there, so nothing served this way may change state.
    public convenience init(tcp address: ListenAddress, group: any EventLoopGroup, limits: ServerLimits = ServerLimits(), handler: @escaping Handler)
    {
        self.init(path: address.description, inherited: nil, group: group, limits: limits, handler: handler, tcp: address)
    }

    private init(
        path: String, inherited: CInt?, group: any EventLoopGroup, limits: ServerLimits, handler: @escaping Handler, tcp: ListenAddress? = nil
    ) {
        self.tcp = tcp
        self.path = path
        self.inheritedDescriptor = inherited
        self.group = group
        self.limits = limits
        self.handler = handler
    }

    /// Whether the socket came from the service manager.
    public var isInherited: Bool { inheritedDescriptor != nil }

    /// Binds the socket (replacing a stale file, refusing to steal a live one) with mode 0660.
    public func start() async throws {
        if inheritedDescriptor == nil && tcp == nil {
            try SocketFile.ensureParent(of: path)
            try SocketFile.prepare(path)
        }
        let limits = self.limits
        let handler = self.handler
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    let admission = Admission()
                    try ops.addHandler(ConnectionCounter(server: self, limits: limits, admission: admission))
                    try ops.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: false)
                    let idle = limits.idleTimeout.components.seconds
                    try ops.addHandler(IdleStateHandler(readTimeout: .seconds(idle)))
                    try ops.addHandler(RequestHandler(limits: limits, handler: handler, admission: admission))
                }
            }
        let ch: any Channel
        if let tcp {
            ch = try await bootstrap.serverChannelOption(.socketOption(.so_reuseaddr), value: 1).bind(host: tcp.host, port: tcp.port).get()
        } else if let fd = inheritedDescriptor {
            ch = try await bootstrap.withBoundSocket(fd).get()
        } else {
            ch = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false).get()
            chmod(path, 0o660)
        }
        channel.withLock { $0 = ch }
    }

    /// Closes the listening socket and removes its file.
    public func stop() async {
        let ch = channel.withLock { c in
            defer { c = nil }
            return c
        }
        try? await ch?.close()
        if inheritedDescriptor == nil && tcp == nil { unlink(path) }
    }

    /// Connections open now.
    public var openConnections: Int { connections.load(ordering: .relaxed) }

    fileprivate func connectionOpened() -> Int { connections.add(1, ordering: .relaxed).newValue }
    fileprivate func connectionClosed() { connections.subtract(1, ordering: .relaxed) }

    /// Admits a connection from `uid` (nil over TCP) or says why not. Root and the agent's own
    /// user (`privileged`) may use the reserve; nobody may hold more than the per-user share.
    fileprivate func admit(_ uid: UInt32?, privileged: Bool) -> String? {
        admitted.withLock { a in
            let mine = a.byUser[uid, default: 0]
            let cap = privileged ? limits.maxConnections : limits.maxConnections - limits.reservedForPrivileged
            if a.total >= cap {
                return
                    "the agent is busy: \(a.total) connections are open (the limit is \(limits.maxConnections), \(limits.reservedForPrivileged) kept for root); try again, or as root"
            }
            if mine >= limits.maxConnectionsPerUser && !privileged {
                return
                    "the agent is busy: uid \(uid.map { "\($0)" } ?? "(tcp)") already holds \(mine) connections (at most \(limits.maxConnectionsPerUser) per user); close some and try again"
            }
            a.total += 1
            a.byUser[uid, default: 0] += 1
            return nil
        }
    }

    fileprivate func release(_ uid: UInt32?) {
        admitted.withLock { a in
            a.total -= 1
            a.byUser[uid, default: 1] -= 1
            if a.byUser[uid] == 0 { a.byUser[uid] = nil }
        }
    }
}

/// Whether a connection was admitted, shared by its counter and its request handler (both run
/// on the connection's event loop).
final class Admission: @unchecked Sendable {
    /// Why it was refused; the request handler answers 503 with it and closes.
    var refusal: String?
}

/// Admits connections by who they come from (SO_PEERCRED): at most `maxConnections` in all, of
/// which `reservedForPrivileged` only for root and the agent's own user, and at most
/// `maxConnectionsPerUser` per other user. A refused connection is answered 503 with the reason
/// when its request comes (so the client reads why rather than a broken pipe) and is closed
/// within two seconds if none comes.
private final class ConnectionCounter: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny
    private let server: StatusServer
    private let limits: ServerLimits
    private let admission: Admission
    private let uid = Mutex<(admitted: Bool, uid: UInt32?)>((false, nil))

    init(server: StatusServer, limits: ServerLimits, admission: Admission) {
        self.server = server
        self.limits = limits
        self.admission = admission
    }

    func channelActive(context: ChannelHandlerContext) {
        _ = server.connectionOpened()
        let channel = context.channel
        // On the connection's own loop the option is read at once, before any request.
        if let provider = channel as? any SocketOptionProvider {
            let cred: EventLoopFuture<PeerUCred> = provider.unsafeGetSocketOption(
                level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
            cred.assumeIsolated().whenComplete { result in
                self.decide((try? result.get())?.uid, channel: channel)
            }
        } else {
            decide(nil, channel: channel)
        }
        context.fireChannelActive()
    }

    private func decide(_ peer: UInt32?, channel: any Channel) {
        let privileged = peer == 0 || peer == geteuid()
        if let refusal = server.admit(peer, privileged: privileged) {
            admission.refusal = refusal
            channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        } else {
            uid.withLock { $0 = (true, peer) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        server.connectionClosed()
        let (wasAdmitted, peer) = uid.withLock { $0 }
        if wasAdmitted { server.release(peer) }
        context.fireChannelInactive()
    }
}

/// Linux's `struct ucred`, for SO_PEERCRED.
struct PeerUCred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
