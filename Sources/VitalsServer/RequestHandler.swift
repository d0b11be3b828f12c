import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#endif

/// Collects one request at a time, answers it through the route handler, and enforces the
/// per-connection limits. Parser errors (a header over NIO's 80 KiB limit, garbage) get 431 or
/// 400 and the connection is closed.
final class RequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let limits: ServerLimits
    private let handler: StatusServer.Handler
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false
    private var served = 0
    private var peer: PeerCredentials?

    private let admission: Admission

    init(limits: ServerLimits, handler: @escaping StatusServer.Handler, admission: Admission = Admission()) {
        self.limits = limits
        self.handler = handler
        self.admission = admission
    }

    /// Asks the kernel who connected, once per connection.
    func channelActive(context: ChannelHandlerContext) {
        if let provider = context.channel as? any SocketOptionProvider {
            let cred: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(
                level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
            cred.assumeIsolated().whenSuccess { c in
                self.peer = PeerCredentials(pid: c.pid, uid: c.uid, gid: c.gid)
            }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
            tooLarge = false
        case .body(var buf):
            if body.count + buf.readableBytes > limits.maxBodyBytes {
                tooLarge = true
            } else if let bytes = buf.readBytes(length: buf.readableBytes) {
                body += bytes
            }
        case .end:
            guard let h = head else { return }
            head = nil
            served += 1
            let reply: StatusReply
            if let refusal = admission.refusal {
                write(.error(503, refusal), version: h.version, close: true, context: context)
                return
            } else if tooLarge {
                reply = .error(413, "request body larger than \(limits.maxBodyBytes) bytes")
            } else {
                let target = h.uri
                let q = target.firstIndex(of: "?")
                let request = StatusRequest(
                    method: h.method.rawValue, path: q.map { String(target[..<$0]) } ?? target,
                    query: q.map { String(target[target.index(after: $0)...]) } ?? "",
                    headers: h.headers.map { ($0.name, $0.value) }, body: body, peer: peer)
                reply = handler(request)
            }
            let close = tooLarge || !h.isKeepAlive || served >= limits.maxRequestsPerConnection
            write(reply, version: h.version, close: close, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let e = error as? HTTPParserError {
            let reply: StatusReply =
                e == .headerOverflow
                ? .error(431, "request header too large") : .error(400, "malformed HTTP request: \(e)")
            write(reply, version: .http1_1, close: true, context: context)
        } else {
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func write(_ reply: StatusReply, version: HTTPVersion, close: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: reply.contentType)
        headers.add(name: "Content-Length", value: "\(reply.body.count)")
        headers.add(name: "Cache-Control", value: "no-store")
        if close { headers.add(name: "Connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: reply.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: reply.body.count)
        buffer.writeBytes(reply.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlushPromise()
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if close {
            let channel = context.channel
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

/// Linux's `struct ucred` (pid, uid, gid), which Glibc's module does not export without _GNU_SOURCE.
private struct UCred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushPromise() -> EventLoopPromise<Void> { eventLoop.makePromise() }
}
