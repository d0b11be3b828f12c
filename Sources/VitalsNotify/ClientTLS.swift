import CTLS
import NIOCore
import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// TLS for the channels that connect out (SMTP, webhooks, Alertmanager), on the host's OpenSSL
/// (libssl3 from Debian: its security updates reach vitals without a rebuild, and no second TLS
/// library is compiled into the binary). One way to build the client context and to name the
/// server, so every channel verifies certificates alike.
enum ClientTLS {
    /// A client context that verifies the server's certificate against the system's roots, or
    /// only against `caFile` when the channel names one.
    static func context(caFile: String?) -> Result<TLSClientContext, TLSFailure> {
        do {
            return .success(try TLSClientContext(caFile: caFile))
        } catch {
            return .failure(error)
        }
    }
}

/// Why TLS failed, in OpenSSL's words (a certificate's verdict when that was the cause).
public struct TLSFailure: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// A client TLS configuration (an `SSL_CTX`): peer verification, TLS 1.2 at least, the trusted
/// roots. Immutable once made, so it is shared by the connections of a channel.
final class TLSClientContext: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer

    init(caFile: String?) throws(TLSFailure) {
        var err = [CChar](repeating: 0, count: 512)
        let made = caFile.map { vitals_tls_context_new($0, &err, err.count) } ?? vitals_tls_context_new(nil, &err, err.count)
        guard let made else { throw TLSFailure(description: String(cBuffer: err)) }
        pointer = made
    }

    deinit { vitals_tls_context_free(pointer) }
}

/// The client end of a TLS connection as a channel handler, over `TLSClientContext`: added before
/// the connection is up (HTTPS, SMTP implicit TLS) or on an open one (STARTTLS). It starts the
/// handshake as soon as the connection is active, holds the application's writes until the
/// handshake is done, and closes with close_notify. A failed handshake or certificate check is
/// fired as `TLSFailure` and closes the connection.
final class TLSClientHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let session: UnsafeMutableRawPointer
    /// Kept alive as long as the session that refers to it.
    private let context: TLSClientContext
    private var started = false
    private var established = false
    private var failure: TLSFailure?
    /// Writes that came before the handshake was done, in order.
    private var held: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var heldFlush = false

    /// `host`: the server's name (SNI and the certificate's names) or an IP address literal.
    init(context: TLSClientContext, host: String) throws(TLSFailure) {
        var err = [CChar](repeating: 0, count: 512)
        guard let s = vitals_tls_new(context.pointer, host, &err, err.count) else { throw TLSFailure(description: String(cBuffer: err)) }
        session = s
        self.context = context
    }

    deinit { vitals_tls_free(session) }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        failHeld(failure ?? TLSFailure(description: "the connection closed during the TLS handshake"))
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard failure == nil else { return }
        let bytes = unwrapInboundIn(data)
        let fed = bytes.withUnsafeReadableBytes { raw in
            vitals_tls_feed(session, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
        }
        guard fed == VITALS_TLS_OK else { return fail(context) }
        advance(context)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if let failure {
            promise?.fail(failure)
            return
        }
        let plain = unwrapOutboundIn(data)
        guard established else {
            held.append((plain, promise))
            return
        }
        encrypt(plain, promise: promise, context: context)
    }

    func flush(context: ChannelHandlerContext) {
        guard established else {
            heldFlush = true
            return
        }
        context.flush()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all && established && failure == nil {
            vitals_tls_shutdown(session)
            if sendPending(context) { context.flush() }
        }
        context.close(mode: mode, promise: promise)
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        advance(context)
    }

    /// Moves the handshake on, then hands up whatever plaintext has arrived.
    private func advance(_ context: ChannelHandlerContext) {
        if !established {
            let r = vitals_tls_handshake(session)
            if sendPending(context) { context.flush() }
            if r == VITALS_TLS_ERROR { return fail(context) }
            guard r == VITALS_TLS_OK else { return }
            established = true
            let writes = held
            held = []
            for (plain, promise) in writes { encrypt(plain, promise: promise, context: context) }
            if heldFlush || !writes.isEmpty { context.flush() }
            heldFlush = false
        }
        var delivered = false
        while true {
            var buffer = context.channel.allocator.buffer(capacity: 16 * 1024)
            var code = 0
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 16 * 1024) { raw in
                code = vitals_tls_read(session, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
                return max(code, 0)
            }
            if code > 0 {
                delivered = true
                context.fireChannelRead(wrapInboundOut(buffer))
                continue
            }
            // Nothing read: more ciphertext is needed, the peer closed the session, or it failed.
            if code == Int(VITALS_TLS_ERROR) { return fail(context) }
            if code == Int(VITALS_TLS_CLOSED) { context.close(promise: nil) }
            break
        }
        // Post-handshake messages (a key update) go out at once.
        if sendPending(context) { context.flush() }
        if delivered { context.fireChannelReadComplete() }
    }

    private func encrypt(_ plain: ByteBuffer, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        let r = plain.withUnsafeReadableBytes { raw in
            raw.isEmpty ? VITALS_TLS_OK : vitals_tls_write(session, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
        }
        guard r == VITALS_TLS_OK else {
            let f = TLSFailure(description: Self.text(vitals_tls_error(session)))
            promise?.fail(f)
            return fail(context, f)
        }
        if !sendPending(context, promise: promise) { promise?.succeed() }
    }

    /// Writes the ciphertext the session produced (not flushed); false when there was none.
    @discardableResult
    private func sendPending(_ context: ChannelHandlerContext, promise: EventLoopPromise<Void>? = nil) -> Bool {
        let count = vitals_tls_pending(session)
        guard count > 0 else { return false }
        var out = context.channel.allocator.buffer(capacity: count)
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
            vitals_tls_take(session, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
        }
        context.write(wrapOutboundOut(out), promise: promise)
        return true
    }

    private func fail(_ context: ChannelHandlerContext, _ given: TLSFailure? = nil) {
        guard failure == nil else { return }
        let f = given ?? TLSFailure(description: Self.text(vitals_tls_error(session)))
        failure = f
        failHeld(f)
        context.fireErrorCaught(f)
        context.close(promise: nil)
    }

    /// A NUL-terminated reason from the C side (static or in the session), decoded leniently.
    private static func text(_ p: UnsafePointer<CChar>) -> String {
        String(decoding: UnsafeRawBufferPointer(start: p, count: strlen(p)), as: UTF8.self)
    }

    private func failHeld(_ error: any Error) {
        let writes = held
        held = []
        for (_, promise) in writes { promise?.fail(error) }
    }
}
