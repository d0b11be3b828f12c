import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 request and its response on a connection of its own.
enum HTTPExchange {
    struct Response: Sendable {
        var head: HTTPResponseHead
        var body: [UInt8]
    }

    enum Failure: Error {
        /// The deadline passed before the whole response came.
        case timedOut
        /// The server closed the connection before the response ended.
        case closedEarly
        /// More than 64 KiB came back.
        case tooLarge
    }

    static let maxResponse = 65536

    static func run(
        target: HTTPTarget, tls: TLSClientContext?, headers: [(String, String)], body: [UInt8], group: any EventLoopGroup, connectTimeout: Duration,
        deadline: NIODeadline, method: HTTPMethod = .POST
    ) async throws -> Response {
        let promise = group.next().makePromise(of: Response.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    if let tls { try ops.addHandler(TLSClientHandler(context: tls, host: target.host)) }
                    try ops.addHTTPClientHandlers()
                    try ops.addHandler(ResponseCollector(promise: promise))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: target.host, port: target.port).get()
        } catch {
            promise.fail(error)
            throw error
        }
        let timer = channel.eventLoop.scheduleTask(deadline: deadline) {
            promise.fail(Failure.timedOut)
            channel.close(promise: nil)
        }
        var h = HTTPHeaders()
        h.add(name: "Host", value: target.hostHeader)
        h.add(name: "User-Agent", value: "vitals")
        if method != .GET || !body.isEmpty { h.add(name: "Content-Length", value: "\(body.count)") }
        h.add(name: "Connection", value: "close")
        for (name, value) in headers { h.add(name: name, value: value) }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: target.path, headers: h)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if !body.isEmpty || method != .GET { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        do {
            let response = try await promise.futureResult.get()
            timer.cancel()
            try? await channel.close()
            return response
        } catch {
            timer.cancel()
            try? await channel.close()
            throw error
        }
    }
}

/// Collects the response (head and up to 64 KiB of body) and completes the promise at its end,
/// or fails it when the connection ends or errs first. Event loop only.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    let promise: EventLoopPromise<HTTPExchange.Response>
    var head: HTTPResponseHead?
    var body: [UInt8] = []

    init(promise: EventLoopPromise<HTTPExchange.Response>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            // 1xx answers (100 Continue) are not the response.
            if h.status.code >= 200 { head = h }
        case .body(var b):
            if body.count + b.readableBytes > HTTPExchange.maxResponse {
                promise.fail(HTTPExchange.Failure.tooLarge)
                context.close(promise: nil)
                return
            }
            body += b.readBytes(length: b.readableBytes) ?? []
        case .end:
            if let head { promise.succeed(.init(head: head, body: body)) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(HTTPExchange.Failure.closedEarly)
        context.fireChannelInactive()
    }
}
