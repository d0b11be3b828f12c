public import NIOCore
import NIOPosix
import NIOHTTP1
public import VitalsCore
import Synchronization

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
    public convenience init(tcp address: ListenAddress, group: any EventLoopGroup, limits: ServerLimits = ServerLimits(), handler: @escaping Handler) {
        self.init(path: address.description, inherited: nil, group: group, limits: limits, handler: handler, tcp: address)
    }

    private init(path: String, inherited: CInt?, group: any EventLoopGroup, limits: ServerLimits, handler: @escaping Handler, tcp: ListenAddress? = nil) {
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
                    try ops.addHandler(ConnectionCounter(server: self, limit: limits.maxConnections))
                    try ops.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: false)
                    let idle = limits.idleTimeout.components.seconds
                    try ops.addHandler(IdleStateHandler(readTimeout: .seconds(idle)))
                    try ops.addHandler(RequestHandler(limits: limits, handler: handler))
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
}

/// Counts connections and closes those beyond the limit.
private final class ConnectionCounter: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny
    private let server: StatusServer
    private let limit: Int

    init(server: StatusServer, limit: Int) {
        self.server = server
        self.limit = limit
    }

    func channelActive(context: ChannelHandlerContext) {
        if server.connectionOpened() > limit {
            context.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        server.connectionClosed()
        context.fireChannelInactive()
    }
}
