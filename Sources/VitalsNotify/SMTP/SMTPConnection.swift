import NIOCore
import NIOPosix
import Synchronization

/// One SMTP reply: the code and its text lines (a multi-line reply has several).
struct SMTPReply: Sendable, CustomStringConvertible {
    var code: Int
    var lines: [String]

    var text: String { lines.joined(separator: " ") }
    var description: String { "\(code) \(text)" }
    var isPositive: Bool { (200..<400).contains(code) }
    var isTransient: Bool { (400..<500).contains(code) }
}

/// Why a session ended early.
struct SMTPFailure: Error, CustomStringConvertible {
    var description: String
    /// Worth trying again later (or on the next server).
    var transient: Bool
}

/// Collects reply lines into replies and hands each to the command waiting for it. Lives on the
/// channel's event loop only.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var partial: [UInt8] = []
    private var lines: [String] = []
    private var waiting: [EventLoopPromise<SMTPReply>] = []
    private var arrived: [SMTPReply] = []
    private var failure: (any Error)?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
        for b in bytes {
            guard b == UInt8(ascii: "\n") else {
                partial.append(b)
                if partial.count > 4096 {
                    fail(SMTPFailure(description: "the server sent a line longer than 4 KiB", transient: true), context: context)
                }
                continue
            }
            if partial.last == UInt8(ascii: "\r") { partial.removeLast() }
            let line = String(decoding: partial, as: UTF8.self)
            partial = []
            let utf8 = Array(line.utf8)
            guard utf8.count >= 3, let code = Int(String(decoding: utf8[0..<3], as: UTF8.self)) else {
                fail(
                    SMTPFailure(description: "the server sent something that is not an SMTP reply: \(line.prefix(80))", transient: true),
                    context: context)
                return
            }
            lines.append(utf8.count > 4 ? String(decoding: utf8[4...], as: UTF8.self) : "")
            if utf8.count == 3 || utf8[3] == UInt8(ascii: " ") {
                let reply = SMTPReply(code: code, lines: lines)
                lines = []
                if waiting.isEmpty { arrived.append(reply) } else { waiting.removeFirst().succeed(reply) }
            }
        }
    }

    /// Registers the wait for the next reply.
    func next(_ promise: EventLoopPromise<SMTPReply>) {
        if let failure {
            promise.fail(failure)
        } else if !arrived.isEmpty {
            promise.succeed(arrived.removeFirst())
        } else {
            waiting.append(promise)
        }
    }

    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        failure = failure ?? error
        let w = waiting
        waiting = []
        for p in w { p.fail(failure!) }
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { fail(error, context: context) }

    func channelInactive(context: ChannelHandlerContext) {
        fail(SMTPFailure(description: "the server closed the connection", transient: true), context: context)
        context.fireChannelInactive()
    }
}

/// A connection to one SMTP server: send a line, await its reply; TLS can be started midway.
final class SMTPConnection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<SMTPReplyHandler>
    private let timer: Scheduled<Void>

    private init(channel: any Channel, handler: NIOLoopBound<SMTPReplyHandler>, timeout: Duration) {
        self.channel = channel
        self.handler = handler
        let flag = FlagBox()
        timer = channel.eventLoop.scheduleTask(in: .init(timeout)) {
            flag.set()
            channel.close(promise: nil)
        }
        timedOutBox = flag
    }

    private let timedOutBox: FlagBox

    /// Whether the session ran past its time and was closed for it.
    var didTimeOut: Bool { timedOutBox.value }

    /// Connects (with TLS from the first byte when `tls` is given) and waits for nothing yet.
    static func connect(
        host: String, port: Int, tls: TLSClientContext?, group: any EventLoopGroup, timeout: Duration
    ) async throws -> SMTPConnection {
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.init(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(TLSClientHandler(context: tls, host: host))
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler())
                }
            }
        let channel = try await bootstrap.connect(host: host, port: port).get()
        let handler = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: SMTPReplyHandler.self), eventLoop: channel.eventLoop)
        }.get()
        return SMTPConnection(channel: channel, handler: handler, timeout: timeout)
    }

    /// Sends `line` (nil: only wait, for the greeting) and returns the reply to it.
    func exchange(_ line: String?) async throws -> SMTPReply {
        try await exchange(line.map { Array(($0 + "\r\n").utf8) })
    }

    func exchange(_ bytes: [UInt8]?) async throws -> SMTPReply {
        let promise = channel.eventLoop.makePromise(of: SMTPReply.self)
        let handler = self.handler
        let channel = self.channel
        channel.eventLoop.execute {
            handler.value.next(promise)
            if let bytes { channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil) }
        }
        do {
            return try await promise.futureResult.get()
        } catch {
            if didTimeOut { throw SMTPFailure(description: "no answer within the channel's timeout", transient: true) }
            throw error
        }
    }

    /// Starts TLS on the open connection (after `STARTTLS` was accepted).
    func startTLS(_ context: TLSClientContext, host: String) async throws {
        let channel = self.channel
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(TLSClientHandler(context: context, host: host), position: .first)
        }.get()
    }

    func close() async {
        timer.cancel()
        try? await channel.close()
    }
}

/// A flag set once from the event loop, read from anywhere.
final class FlagBox: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var value: Bool { flag.withLock { $0 } }
}
