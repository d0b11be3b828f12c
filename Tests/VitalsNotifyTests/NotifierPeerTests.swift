import Foundation
import NIOCore
import NIOPosix
import Testing
import VitalsCore
import VitalsNotify
import VitalsTestKit
import VitalsTestSupport

/// Each notifier against the real peer: the webhook receiver in its failing modes, aiosmtpd with
/// STARTTLS, implicit TLS, AUTH and temporary failures, and Alertmanager's v2 API.
@Suite(.serialized, .offThePool) struct NotifierPeerTests {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    static func dir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-notify-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static func message(_ channel: String = "c", severity: Severity = .critical, reason: NotificationReason = .first, previous: Severity? = nil)
        -> OutgoingMessage
    {
        let labels = LabelSet(["alertname": "VitalsDiskSpace", "instance": "web1", "check": "disk_space", "resource": "/srv"])
        let n = AlertNotification(
            fingerprint: labels.fingerprint, labels: labels, severity: severity, previous: previous, reason: reason,
            message: "disk /srv 96.2% used, above critical 95%; 3.1 GiB free", value: 96.2, threshold: 95, startsAt: 1_795_392_000, at: 1_795_392_130,
            sequence: 1)
        return OutgoingMessage(message: ChannelMessage(channel: channel, notifications: [n], at: 1_795_392_130), instance: "web1", now: 1_795_392_131)
    }

    // MARK: webhook

    @Test(arguments: [("400", false), ("404", false), ("503", true), ("429", true)])
    func webhookFailuresAreRetriedOrNotByStatus(status: String, retry: Bool) async throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let sink = try Peer("webhook-sink", dir: d + "/h", ["--mode", "fail", "--fail-status", status])
        defer { sink.stop() }
        // A long deadline: this checks how answers are classified, and the whole suite runs in
        // parallel on two cores (a 10 s default once ran out in CI).
        let n = WebhookNotifier(settings: WebhookSettings(url: sink["WEBHOOK_SINK_URL"] + "/x", timeout: .seconds(60)), group: Self.group)
        let outcome = await n.deliver(Self.message())
        await n.shutdown()
        guard case .failed(let reason, let r, _) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(r == retry, "\(reason)")
        #expect(reason.contains("HTTP \(status)"))
    }

    @Test func aSlowWebhookTimesOutAndIsRetried() async throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let sink = try Peer("webhook-sink", dir: d + "/h", ["--mode", "slow", "--delay", "20"])
        defer { sink.stop() }
        let n = WebhookNotifier(settings: WebhookSettings(url: sink["WEBHOOK_SINK_URL"] + "/x", timeout: .milliseconds(500)), group: Self.group)
        let outcome = await n.deliver(Self.message())
        await n.shutdown()
        // The receiver answers after 20 s: a failure here is the client's deadline at work.
        guard case .failed(let reason, true, _) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(reason.contains("no answer"), "\(reason)")
    }

    @Test func aRefusedConnectionIsRetried() async throws {
        let n = WebhookNotifier(settings: WebhookSettings(url: "http://127.0.0.1:1/x", connectTimeout: .seconds(1)), group: Self.group)
        let outcome = await n.deliver(Self.message())
        await n.shutdown()
        guard case .failed(_, true, _) = outcome else {
            Issue.record("\(outcome)")
            return
        }
    }

    @Test func httpsIsVerifiedAgainstTheChannelsCAFile() async throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let sink = try Peer("webhook-sink", dir: d + "/h", ["--tls"])
        defer { sink.stop() }
        let url = sink["WEBHOOK_SINK_URL"] + "/x"
        #expect(url.hasPrefix("https://localhost:"))
        let trusted = WebhookNotifier(
            settings: WebhookSettings(url: url, timeout: .seconds(60), caFile: sink["WEBHOOK_SINK_CERT"]), group: Self.group)
        let ok = await trusted.deliver(Self.message())
        #expect(ok.isDelivered, "\(ok)")
        let untrusted = WebhookNotifier(settings: WebhookSettings(url: url, timeout: .seconds(60)), group: Self.group)
        let refused = await untrusted.deliver(Self.message())
        guard case .failed(let reason, _, _) = refused else {
            Issue.record("a self-signed certificate was accepted: \(refused)")
            return
        }
        #expect(reason.contains("TLS") || reason.lowercased().contains("certificate"), "\(reason)")
        #expect(jsonLines(sink["WEBHOOK_SINK_REQUESTS"]).count == 1, "nothing was sent over the unverified connection")
    }

    /// The name check is not the trust check: a certificate the CA file vouches for, but issued
    /// for another name (or address), is refused. The server is `openssl s_server` with a
    /// certificate made here for `other.example` only.
    @Test func aTrustedCertificateForAnotherNameIsRefused() async throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let made = try Self.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other.example", "-addext",
                "subjectAltName=DNS:other.example",
                "-keyout", d + "/key.pem", "-out", d + "/cert.pem",
            ])
        #expect(made == 0)
        let port = freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = ["s_server", "-quiet", "-accept", "127.0.0.1:\(port)", "-cert", d + "/cert.pem", "-key", d + "/key.pem", "-www"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        server.standardInput = Pipe()
        try server.run()
        defer {
            // SIGKILL: a child started from a dispatch thread inherits its blocked SIGTERM.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        for _ in 0..<200 where !Self.listening(port) { try await Task.sleep(for: .milliseconds(25)) }
        for (host, verdict) in [("localhost", "hostname mismatch"), ("127.0.0.1", "IP address mismatch")] {
            let n = WebhookNotifier(
                settings: WebhookSettings(url: "https://\(host):\(port)/x", timeout: .seconds(60), caFile: d + "/cert.pem"), group: Self.group)
            let outcome = await n.deliver(Self.message())
            await n.shutdown()
            guard case .failed(let reason, _, _) = outcome else {
                Issue.record("a certificate for other.example was accepted for \(host): \(outcome)")
                continue
            }
            #expect(reason.contains("certificate verify failed: \(verdict)"), "\(reason)")
        }
    }

    static func run(_ path: String, _ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Whether something accepts connections on 127.0.0.1:`port`.
    static func listening(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    // MARK: SMTP

    static func smtp(_ sink: Peer, tls: SMTPSettings.TLSMode, auth: Bool = false, password: String = "vitals-secret", host: String = "localhost")
        -> SMTPSettings
    {
        SMTPSettings(
            servers: [.init(host: host, port: Int(sink["SMTP_SINK_PORT"])!)], tls: tls, caFile: sink.facts["SMTP_SINK_CERT"],
            username: auth ? "vitals" : nil, password: auth ? Secret(password, source: "test") : nil, from: "vitals@web1.example.com",
            to: ["ops@example.com", "oncall@example.com"], timeout: .seconds(60))
    }

    @Test(arguments: [
        ("starttls-auth", SMTPSettings.TLSMode.starttls, true), ("tls-auth", .implicit, true), ("plain", .none, false), ("auth", .none, true),
    ])
    func mailIsDeliveredInEveryTLSAndAuthMode(mode: String, tls: SMTPSettings.TLSMode, auth: Bool) async throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let sink = try Peer("smtp-sink", dir: d + "/s", ["--mode", mode])
        defer { sink.stop() }
        let n = SMTPNotifier(settings: Self.smtp(sink, tls: tls, auth: auth), group: Self.group)
        let outcome = await n.deliver(Self.message())
        guard case .delivered(let detail) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(detail.contains("250"))
        let mail = d + "/s/mail/000001"
        let meta = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: mail + ".json"))) as? [String: Any])
        #expect(meta["rcpt_tos"] as? [String] == ["ops@example.com", "oncall@example.com"])
        #expect(meta["mail_from"] as? String == "vitals@web1.example.com")
        #expect((meta["tls"] as? Bool ?? false) == (tls != .none))
        if auth { #expect(meta["auth_user"] as? String == "vitals") }
        let eml = try String(contentsOfFile: mail + ".eml", encoding: .utf8)
        #expect(eml.contains("Subject: [CRITICAL] web1: disk /srv 96.2% used, above critical 95%; 3.1 GiB free\r\n"))
        #expect(eml.contains("Date: Mon, 23 Nov 2026 00:02:11 +0000\r\n"))
        #expect(eml.contains("Message-ID: <"))
        #expect(eml.contains("From: vitals on web1 <vitals@web1.example.com>\r\n"))
        #expect(eml.contains("To: ops@example.com, oncall@example.com\r\n"))
        #expect(eml.contains("  value:     96.2\r\n") && eml.contains("  limit:     95\r\n"))
        #expect(eml.contains("  since:     2026-11-23T00:00:00.000Z"))
    }

    @Test func aWrongPasswordIsNotRetriedAndNeverPrinted() async throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let sink = try Peer("smtp-sink", dir: d + "/s", ["--mode", "starttls-auth"])
        defer { sink.stop() }
        let n = SMTPNotifier(settings: Self.smtp(sink, tls: .starttls, auth: true, password: "wrong-pass-123"), group: Self.group)
        let outcome = await n.deliver(Self.message())
        guard case .failed(let reason, false, _) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(reason.contains("535"))
        #expect(!reason.contains("wrong-pass-123"))
    }

    @Test func starttlsIsRequiredAndCertificatesAreVerified() async throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let sink = try Peer("smtp-sink", dir: d + "/s", ["--mode", "plain"])
        defer { sink.stop() }
        // The server offers no STARTTLS: with tls: starttls nothing is sent in clear.
        let noTLS = await SMTPNotifier(settings: Self.smtp(sink, tls: .starttls), group: Self.group).deliver(Self.message())
        guard case .failed(let reason, _, _) = noTLS else {
            Issue.record("\(noTLS)")
            return
        }
        #expect(reason.contains("does not offer STARTTLS"))
        sink.stop()
        // A self-signed certificate without the CA file is refused.
        try sink.start(["--mode", "starttls"])
        var settings = Self.smtp(sink, tls: .starttls)
        settings.caFile = nil
        let untrusted = await SMTPNotifier(settings: settings, group: Self.group).deliver(Self.message())
        guard case .failed(let why, _, _) = untrusted else {
            Issue.record("\(untrusted)")
            return
        }
        #expect(why.lowercased().contains("certificate") || why.contains("TLS"), "\(why)")
        #expect(!FileManager.default.fileExists(atPath: d + "/s/mail/000001.eml"))
    }

    @Test func aTemporaryFailureIsRetriedAndTheFailoverServerTakesOver() async throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let sink = try Peer("smtp-sink", dir: d + "/s", ["--mode", "fail", "--fail-code", "451", "--fail-stage", "data", "--fail-count", "1"])
        defer { sink.stop() }
        let n = SMTPNotifier(settings: Self.smtp(sink, tls: .none), group: Self.group)
        let first = await n.deliver(Self.message())
        guard case .failed(let reason, true, _) = first else {
            Issue.record("\(first)")
            return
        }
        #expect(reason.contains("451"))
        let second = await n.deliver(Self.message())
        #expect(second.isDelivered, "\(second)")
        // A dead first server: the second of the list delivers.
        var settings = Self.smtp(sink, tls: .none)
        settings.servers.insert(.init(host: "127.0.0.1", port: 1), at: 0)
        let failover = await SMTPNotifier(settings: settings, group: Self.group).deliver(Self.message())
        guard case .delivered(let detail) = failover else {
            Issue.record("\(failover)")
            return
        }
        #expect(detail.contains("after 127.0.0.1:1"), "\(detail)")
    }

    // MARK: Alertmanager

    @Test func alertmanagerShowsTheAlertAndResolvesItByEndsAt() async throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let am = try Peer("alertmanager", dir: d + "/am")
        defer { am.stop() }
        let url = am["ALERTMANAGER_URL"]
        let n = AlertmanagerNotifier(settings: AlertmanagerSettings(urls: [url, "http://127.0.0.1:1"], timeout: .seconds(60)), group: Self.group)
        defer { Task { await n.shutdown() } }
        var firing = Self.message()
        firing.now = Date().timeIntervalSince1970
        firing.message.notifications[0].startsAt = firing.now - 60
        firing.message.notifications[0].at = firing.now
        let outcome = await n.deliver(firing)
        guard case .delivered(let detail) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(detail.contains("1 of 2"), "one member down, the cluster still has it: \(detail)")
        func alerts() throws -> [[String: Any]] {
            let (status, text) = Peer.run("/usr/bin/curl", ["-sf", url + "/api/v2/alerts"])
            guard status == 0 else { throw PeerError(description: "GET /api/v2/alerts: curl exit \(status)") }
            return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] ?? []
        }
        let shown = try alerts()
        #expect(shown.count == 1)
        let labels = try #require(shown.first?["labels"] as? [String: String])
        #expect(labels["alertname"] == "VitalsDiskSpace" && labels["severity"] == "critical" && labels["resource"] == "/srv")
        #expect((shown.first?["annotations"] as? [String: String])?["summary"]?.contains("96.2%") == true)
        #expect((shown.first?["generatorURL"] as? String) == "vitals://web1/checks/disk_space")
        // Resolved: endsAt in the past, and it is gone.
        var resolved = Self.message(severity: .ok, reason: .resolved, previous: .critical)
        resolved.now = Date().timeIntervalSince1970
        resolved.message.notifications[0].startsAt = firing.now - 60
        resolved.message.notifications[0].at = resolved.now
        #expect(await n.deliver(resolved).isDelivered)
        #expect(try eventually(5) { try alerts().isEmpty })
    }

    /// Two Alertmanagers gossiping on loopback, both posted to: the alert shows in each, and the
    /// receiver behind them is notified once (firing) and once (resolved).
    @Test func aTwoNodeClusterNotifiesOnce() async throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let sink = try Peer("webhook-sink", dir: d + "/hook")
        defer { sink.stop() }
        let (c1, c2) = (freePort(), freePort())
        let hook = sink["WEBHOOK_SINK_URL"] + "/am"
        let am1 = try Peer(
            "alertmanager", dir: d + "/am1", ["--webhook", hook, "--cluster-listen", "127.0.0.1:\(c1)", "--cluster-peer", "127.0.0.1:\(c2)"])
        defer { am1.stop() }
        let am2 = try Peer(
            "alertmanager", dir: d + "/am2", ["--webhook", hook, "--cluster-listen", "127.0.0.1:\(c2)", "--cluster-peer", "127.0.0.1:\(c1)"])
        defer { am2.stop() }
        let urls = [am1["ALERTMANAGER_URL"], am2["ALERTMANAGER_URL"]]
        func status(_ url: String) -> [String: Any] {
            let (_, text) = Peer.run("/usr/bin/curl", ["-sf", url + "/api/v2/status"])
            return (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
        }
        #expect(eventually(20) { ((status(urls[0])["cluster"] as? [String: Any])?["peers"] as? [Any])?.count == 2 }, "the two members see each other")
        let n = AlertmanagerNotifier(settings: AlertmanagerSettings(urls: urls, timeout: .seconds(60)), group: Self.group)
        defer { Task { await n.shutdown() } }
        var firing = Self.message()
        firing.now = Date().timeIntervalSince1970
        firing.message.notifications[0].startsAt = firing.now - 60
        firing.message.notifications[0].at = firing.now
        guard case .delivered(let detail) = await n.deliver(firing) else {
            Issue.record("not delivered")
            return
        }
        #expect(detail.contains("2 of 2"))
        for url in urls {
            let (_, text) = Peer.run("/usr/bin/curl", ["-sf", url + "/api/v2/alerts"])
            let alerts = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]) ?? []
            #expect(alerts.count == 1, "\(url) shows the alert once")
        }
        func notifications(_ status: String) -> Int {
            jsonLines(sink["WEBHOOK_SINK_REQUESTS"]).filter { ($0["body_json"] as? [String: Any])?["status"] as? String == status }.count
        }
        #expect(eventually(20) { notifications("firing") >= 1 })
        try await Task.sleep(for: .seconds(6))  // longer than the second member's wait (peer timeout 2s)
        #expect(notifications("firing") == 1, "the cluster notified once")
        var resolved = Self.message(severity: .ok, reason: .resolved, previous: .critical)
        resolved.now = Date().timeIntervalSince1970
        resolved.message.notifications[0].startsAt = firing.now - 60
        resolved.message.notifications[0].at = resolved.now
        #expect(await n.deliver(resolved).isDelivered)
        #expect(eventually(20) { notifications("resolved") >= 1 })
        try await Task.sleep(for: .seconds(6))
        #expect(notifications("resolved") == 1)
    }
}

/// Issue 19: the operator's own subject, body and summary, through the real SMTP server and the
/// real HTTP receiver.
@Suite(.serialized, .offThePool) struct TemplatePeerTests {
    @Test func aTemplatedMailAndWebhookSummaryReachTheRealPeers() async throws {
        let d = try NotifierPeerTests.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let smtp = try Peer("smtp-sink", dir: d + "/s", ["--mode", "plain"])
        defer { smtp.stop() }
        var settings = NotifierPeerTests.smtp(smtp, tls: .none)
        settings.subject = try MessageTemplate("{{ severity | upper }} on {{ instance }}: {{ check }} {{ resource }} at {{ value }}{{ unit }}")
        settings.body = try MessageTemplate("{{ message }}\nteam: {{ labels.team }} (since {{ since }}; id {{ fingerprint }})")
        let sent = await SMTPNotifier(settings: settings, group: NotifierPeerTests.group).deliver(NotifierPeerTests.message())
        #expect(sent.isDelivered, "\(sent)")
        let eml = try String(contentsOfFile: d + "/s/mail/000001.eml", encoding: .utf8)
        #expect(eml.contains("Subject: CRITICAL on web1: disk_space /srv at 96.2\r\n"), "\(eml)")
        #expect(
            eml.contains("\r\n\r\ndisk /srv 96.2% used, above critical 95%; 3.1 GiB free\r\nteam:  (since 2026-11-23T00:00:00.000Z; id "), "\(eml)")

        let hook = try Peer("webhook-sink", dir: d + "/h")
        defer { hook.stop() }
        let w = WebhookNotifier(
            settings: WebhookSettings(
                url: hook["WEBHOOK_SINK_URL"] + "/x", timeout: .seconds(60),
                summary: try MessageTemplate("[{{ status }}] {{ alertname }} {{ resource }}: {{ message | lower }}")),
            group: NotifierPeerTests.group)
        #expect(await w.deliver(NotifierPeerTests.message()).isDelivered)
        let body = try #require(jsonLines(hook["WEBHOOK_SINK_REQUESTS"]).first?["body_json"] as? [String: Any])
        let alert = try #require((body["alerts"] as? [[String: Any]])?.first)
        #expect(
            (alert["annotations"] as? [String: String])?["summary"]
                == "[firing] VitalsDiskSpace /srv: disk /srv 96.2% used, above critical 95%; 3.1 gib free")
    }
}
