public import NIOCore
import Synchronization
public import VitalsCore

/// Sends a message as mail: each server of the failover list in turn until one takes it. TLS is
/// what the channel says (STARTTLS required, implicit, or none), certificates verified against
/// the system's roots or the channel's CA file; AUTH PLAIN or LOGIN when a user is set.
public final class SMTPNotifier: Notifier {
    let settings: SMTPSettings
    let group: any EventLoopGroup
    /// Made at the first delivery (loading OpenSSL then), kept for the channel's life.
    private let context = Mutex<Result<TLSClientContext, TLSFailure>?>(nil)

    public init(settings: SMTPSettings, group: any EventLoopGroup) {
        self.settings = settings
        self.group = group
    }

    /// The channel's TLS context, nil for `tls: none`; made on first use, so an agent whose mail
    /// is never sent never loads OpenSSL.
    var tls: Result<TLSClientContext, TLSFailure>? {
        guard settings.tls != .none else { return nil }
        return context.withLock { c in
            if let made = c { return made }
            let made = ClientTLS.context(caFile: settings.caFile)
            c = made
            return made
        }
    }

    public func deliver(_ m: OutgoingMessage) async -> DeliveryOutcome {
        var failures: [String] = []
        var transient = false
        for server in settings.servers {
            do {
                let detail = try await send(m, via: server)
                return .delivered(detail: "\(server): \(detail)\(failures.isEmpty ? "" : " (after \(failures.joined(separator: "; ")))")")
            } catch let f as SMTPFailure {
                failures.append("\(server): \(f.description)")
                transient = transient || f.transient
                // A permanent answer about the message or its recipients is the same elsewhere.
                if !f.transient { break }
            } catch {
                failures.append("\(server): \(Self.describe(error))")
                transient = true
            }
        }
        return .failed(reason: failures.joined(separator: "; "), retry: transient)
    }

    /// One SMTP session with one server; returns the server's answer to the message.
    func send(_ m: OutgoingMessage, via server: SMTPSettings.Server) async throws -> String {
        let context: TLSClientContext?
        switch tls {
        case .none: context = nil
        case .success(let c): context = c
        case .failure(let e): throw SMTPFailure(description: "cannot set up TLS (\(e)); check ca_file", transient: false)
        }
        let conn = try await SMTPConnection.connect(
            host: server.host, port: server.port, tls: settings.tls == .implicit ? context : nil, group: group, timeout: settings.timeout)
        do {
            let detail = try await session(conn, m, context: context, host: server.host)
            await conn.close()
            return detail
        } catch {
            await conn.close()
            throw error
        }
    }

    private func session(_ conn: SMTPConnection, _ m: OutgoingMessage, context: TLSClientContext?, host: String) async throws -> String {
        try expect(try await conn.exchange(nil as String?), "greeting", 220)
        let helo = settings.helo ?? m.instance
        var ehlo = try await conn.exchange("EHLO \(helo)")
        try expect(ehlo, "EHLO", 250)
        if settings.tls == .starttls {
            guard capabilities(ehlo).contains("STARTTLS") else {
                throw SMTPFailure(
                    description: "the server does not offer STARTTLS (tls: starttls requires it; use tls: none only for a relay on loopback)",
                    transient: false)
            }
            try expect(try await conn.exchange("STARTTLS"), "STARTTLS", 220)
            guard let context else { throw SMTPFailure(description: "no TLS context", transient: false) }
            try await conn.startTLS(context, host: host)
            ehlo = try await conn.exchange("EHLO \(helo)")
            try expect(ehlo, "EHLO after STARTTLS", 250)
        }
        if let user = settings.username, let password = settings.password {
            let caps = capabilities(ehlo)
            let mechanisms =
                caps.first { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }.map { $0.dropFirst(5).split(separator: " ").map(String.init) } ?? []
            if mechanisms.contains("PLAIN") {
                let token = Base64.encode([0] + Array(user.utf8) + [0] + Array(password.reveal().utf8))
                try expectAuth(try await conn.exchange("AUTH PLAIN \(token)"))
            } else if mechanisms.contains("LOGIN") {
                try expect(try await conn.exchange("AUTH LOGIN"), "AUTH LOGIN", 334)
                try expect(try await conn.exchange(Base64.encode(Array(user.utf8))), "AUTH LOGIN user", 334)
                try expectAuth(try await conn.exchange(Base64.encode(Array(password.reveal().utf8))))
            } else {
                throw SMTPFailure(
                    description:
                        "the server offers no AUTH PLAIN or LOGIN\(mechanisms.isEmpty ? " (no AUTH at all; with tls: starttls it is offered after TLS)" : " (offers \(mechanisms.joined(separator: " ")))")",
                    transient: false)
            }
        }
        try expect(try await conn.exchange("MAIL FROM:<\(settings.from)>"), "MAIL FROM", 250)
        var accepted: [String] = []
        var refused: [String] = []
        for to in settings.to {
            let r = try await conn.exchange("RCPT TO:<\(to)>")
            if r.code == 250 || r.code == 251 {
                accepted.append(to)
            } else if r.isTransient {
                throw SMTPFailure(description: "RCPT TO <\(to)> answered \(r)", transient: true)
            } else {
                refused.append("\(to) (\(r))")
            }
        }
        guard !accepted.isEmpty else {
            throw SMTPFailure(description: "every recipient was refused: \(refused.joined(separator: ", ")); fix the channel's to:", transient: false)
        }
        try expect(try await conn.exchange("DATA"), "DATA", 354)
        let done = try await conn.exchange(SMTPMessage.compose(m, settings: settings))
        try expect(done, "the message", 250)
        _ = try? await conn.exchange("QUIT")
        return "\(done)" + (refused.isEmpty ? "" : "; refused: \(refused.joined(separator: ", "))")
    }

    private func capabilities(_ ehlo: SMTPReply) -> [String] { ehlo.lines.dropFirst().map { $0.uppercased() } }

    private func expect(_ r: SMTPReply, _ step: String, _ code: Int) throws {
        guard r.code == code else {
            throw SMTPFailure(description: "\(step) answered \(r)", transient: r.isTransient || !r.isPositive && r.code < 500)
        }
    }

    private func expectAuth(_ r: SMTPReply) throws {
        guard r.code == 235 else {
            throw SMTPFailure(
                description: "authentication failed: \(r)\(r.code == 535 ? "; check the channel's username and password" : "")",
                transient: r.isTransient)
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let e as TLSFailure: "TLS failed: \(e); check the server's certificate or ca_file"
        default: "\(error)"
        }
    }
}
