import Foundation
import Testing
import VitalsTestKit
import VitalsTestSupport

/// Delivery against real peers: the webhook receiver (HMAC, auth, headers, Alertmanager v4
/// JSON), a receiver that is down while the agent is killed with SIGKILL, and a failing channel
/// whose messages go to its fallback.
@Suite(.serialized, .offThePool) struct DeliveryTests {
    /// A test folder whose paths `nobody` (the plugins' user) can reach.
    static func dir() throws -> String {
        let d = try AgentProcess.tempDir()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: d)
        try FileManager.default.createDirectory(atPath: d + "/checks.d", withIntermediateDirectories: true)
        return d
    }

    static func write(_ text: String, to path: String, mode: Int = 0o644) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    /// Checks that are critical while `<dir>/flag-<name>` is missing and ok once it exists (the
    /// real check_file_age).
    static func flagChecks(_ names: [String], dir d: String) throws {
        let text = names.map { n in
            """
            - name: \(n)
              command: [/usr/lib/nagios/plugins/check_file_age, -f, \(d)/flag-\(n), -w, "100000", -c, "200000"]
              interval: 2s
              timeout: 1s

            """
        }.joined()
        try write(text, to: d + "/checks.d/flags.yaml")
    }

    static func base(_ d: String) -> String {
        "interval: 1s\nalerts:\n  unknown_after: 1m\n  resolve_hold: 0\nplugins:\n  directory: \(d)/checks.d\n"
    }

    @Test func aWebhookGetsSignedAlertmanagerJSONAndNoSecretLeaks() throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let sink = try Peer("webhook-sink", dir: d + "/hook", ["--secret", "s3cret-hmac"])
        defer { sink.stop() }
        try Self.write("s3cret-hmac\n", to: d + "/hmac", mode: 0o600)
        try FileManager.default.createDirectory(atPath: d + "/creds", withIntermediateDirectories: true)
        try Self.write("tok-98765", to: d + "/creds/hook-token", mode: 0o600)
        try Self.flagChecks(["flag"], dir: d)
        try Self.write(
            """
            - name: loadavg
              command: [/usr/lib/nagios/plugins/check_load, -w, "1000,1000,1000", -c, "2000,2000,2000"]
              interval: 2s
              timeout: 1s
            """, to: d + "/checks.d/load.yaml")
        try Self.write(
            Self.base(d) + """
                channels:
                  hook:
                    type: webhook
                    url: \(sink["WEBHOOK_SINK_URL"])/alerts
                    hmac_secret: {file: \(d)/hmac}
                    bearer_token: {credential: hook-token}
                    headers: {X-Team: ops}
                  log: {type: log}
                # The hook gets the flag check only: the counts below are its two messages, whatever
                # the machine running the tests finds about itself meanwhile (that goes to the log).
                routes:
                  - name: flag
                    match: [check=flag]
                    steps:
                      - channels: [hook]
                  - name: default
                    match: []
                    steps:
                      - channels: [log]
                """, to: d + "/v.yaml")
        let agent = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d, environment: ["CREDENTIALS_DIRECTORY": d + "/creds"])
        defer { _ = agent.stop() }
        let requests = sink["WEBHOOK_SINK_REQUESTS"]
        #expect(eventually { jsonLines(requests).count >= 1 }, "no request; agent log: \(agent.stderrText())")
        let first = try #require(jsonLines(requests).first)
        #expect(first["signature"] as? String == "valid", "HMAC over timestamp.body with the file's secret")
        let headers = try #require(first["headers"] as? [String: String])
        #expect(headers["authorization"] == "Bearer tok-98765")
        #expect(headers["x-team"] == "ops")
        #expect(headers["content-type"] == "application/json")
        let key = try #require(headers["idempotency-key"])
        #expect(key.hasPrefix("hook:"))
        let body = try #require(first["body_json"] as? [String: Any])
        #expect(body["version"] as? String == "4")
        #expect(body["status"] as? String == "firing")
        #expect(body["receiver"] as? String == "hook")
        let alert = try #require((body["alerts"] as? [[String: Any]])?.first)
        let labels = try #require(alert["labels"] as? [String: String])
        #expect(labels["check"] == "flag" && labels["severity"] == "critical" && labels["alertname"] == "VitalsFlag")
        let annotations = try #require(alert["annotations"] as? [String: String])
        #expect(annotations["summary"]?.contains("File not found") == true, "\(annotations)")
        #expect(annotations["reason"] == "first")
        #expect(alert["endsAt"] as? String == "0001-01-01T00:00:00Z")
        #expect((alert["fingerprint"] as? String)?.count == 16)

        // Recovery: the same alert, resolved, with an end time.
        try Self.write("x", to: d + "/flag-flag")
        #expect(eventually { jsonLines(requests).count >= 2 }, "no recovery; agent log: \(agent.stderrText())")
        let second = try #require(jsonLines(requests).last?["body_json"] as? [String: Any])
        #expect(second["status"] as? String == "resolved")
        let resolved = try #require((second["alerts"] as? [[String: Any]])?.first)
        #expect(resolved["fingerprint"] as? String == alert["fingerprint"] as? String)
        #expect((resolved["endsAt"] as? String)?.hasPrefix("20") == true)

        // Channel state in the API and the metrics; secrets nowhere.
        let channels = try runVitals(["status", "--socket", agent.socket])
        #expect(channels.out.contains("hook"), "vitals status lists the channel: \(channels.out)")
        let metrics = try runVitals(["metrics", "--socket", agent.socket])
        #expect(metrics.out.contains("vitals_notifications_delivered_total{channel=\"hook\"} 2"), "\(metrics.out)")
        #expect(metrics.out.contains("vitals_outbox_messages{channel=\"hook\"} 0"))
        #expect(metrics.out.contains("vitals_channel_breaker_state{channel=\"hook\",state=\"closed\"} 1"))
        #expect(metrics.out.contains("vitals_delivery_latency_seconds_count{channel=\"hook\"} 2"))
        // The custom check's state as it is now (its 1 s timeout can run out on a loaded machine,
        // and then it is unknown until its next run).
        #expect(
            eventually {
                (try? runVitals(["metrics", "--socket", agent.socket]).out.contains(
                    "vitals_check_status{check=\"flag\",resource=\"\",severity=\"ok\"} 1")) == true
            })
        #expect(metrics.out.contains("vitals_memory_available_bytes "))
        // A plugin's perfdata (issue 7): check_load's load1, with its warning and critical limits.
        #expect(
            eventually {
                (try? runVitals(["metrics", "--socket", agent.socket]).out.contains(
                    "vitals_plugin_perfdata{check=\"loadavg\",label=\"load1\",unit=\"\"}")) ?? false
            })
        let lint = try Self.promtool(try runVitals(["metrics", "--socket", agent.socket]).out)
        #expect(lint.status == 0, "promtool check metrics: \(lint.out)")
        let shown = Peer.run(
            AgentProcess.binary, ["config", "show", "--config", d + "/v.yaml"], environment: ["CREDENTIALS_DIRECTORY": d + "/creds"])
        let everything =
            agent.stderrText() + channels.out + metrics.out + shown.1 + (try runVitals(["status", "--json", "--socket", agent.socket])).out
        for secret in ["s3cret-hmac", "tok-98765"] { #expect(!everything.contains(secret), "\(secret) leaked") }
        #expect(shown.1.contains("<secret>"), "\(shown.1)")
    }

    /// The receiver is down, alerts fire, the agent is killed with SIGKILL and started again, the
    /// receiver comes back: every notification arrives, each once by idempotency key, in order.
    @Test func nothingIsLostWhenTheAgentIsKilledWhileTheReceiverIsDown() throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        // Learn a free port, then take the receiver down: connections are refused.
        let sink = try Peer("webhook-sink", dir: d + "/hook")
        defer { sink.stop() }
        let port = sink["WEBHOOK_SINK_PORT"]
        sink.stop()
        let names = ["a", "b", "c"]
        try Self.flagChecks(names, dir: d)
        try Self.write(
            Self.base(d) + """
                channels:
                  hook:
                    type: webhook
                    url: http://127.0.0.1:\(port)/alerts
                    connect_timeout: 500ms
                    retry: {initial: 200ms, max: 1s}
                    breaker: {failures: 3, recovery: 1s, successes: 1}
                """, to: d + "/v.yaml")
        var decided: [String] = []
        do {
            let agent = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d)
            // Three problems, then one recovers: four notifications for the channel.
            #expect(eventually { Self.queued(agent).count >= 3 }, "\(agent.stderrText())")
            try Self.write("x", to: d + "/flag-a")
            #expect(eventually { Self.queued(agent).count >= 4 }, "\(agent.stderrText())")
            #expect(eventually { Self.outboxFiles(d).count >= 1 })
            agent.signal(SIGKILL)
            _ = agent.waitForExit()
            decided += Self.queued(agent)
            #expect(Self.outboxFiles(d).count >= 1, "the outbox survives SIGKILL")
        }
        let agent = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d)
        defer { _ = agent.stop() }
        _ = try agent.waitForCycles(1)
        // While it is still down, one more problem comes back.
        try FileManager.default.removeItem(atPath: d + "/flag-a")
        #expect(eventually { Self.queued(agent).count >= 1 }, "\(agent.stderrText())")
        try sink.start(["--port", port])
        #expect(eventually(60) { Self.outboxFiles(d).isEmpty }, "outbox drained; \(agent.stderrText())")
        decided += Self.queued(agent)
        let received = Self.receivedKeys(sink)
        var seen = Set<String>()
        let unique = received.filter { seen.insert($0).inserted }
        #expect(Set(unique) == Set(decided), "decided \(decided), received \(received)")
        #expect(decided.count >= 5)
        // In order: each alert's notifications arrive in the order decided.
        for fp in Set(decided.map { $0.split(separator: "-")[0] }) {
            let sequenceOf = { (k: String) in Int(k.split(separator: "-")[1]) ?? 0 }
            let got = unique.filter { $0.hasPrefix(fp + "-") }.map(sequenceOf)
            #expect(got == got.sorted(), "alert \(fp): \(got)")
        }
    }

    /// A failing channel's breaker opens: its messages go to the fallback, and "channel X is
    /// failing" reaches the other channel.
    @Test func aFailingChannelHandsOverToItsFallbackAndIsAlerted() throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let backup = try Peer("webhook-sink", dir: d + "/backup")
        defer { backup.stop() }
        let broken = try Peer("webhook-sink", dir: d + "/broken", ["--mode", "fail", "--fail-status", "503"])
        defer { broken.stop() }
        try Self.flagChecks(["x"], dir: d)
        try Self.write(
            Self.base(d) + """
                channels:
                  primary:
                    type: webhook
                    url: \(broken["WEBHOOK_SINK_URL"])/
                    retry: {initial: 100ms, max: 300ms}
                    breaker: {failures: 2, recovery: 1h}
                    fallback: backup
                  backup:
                    type: webhook
                    url: \(backup["WEBHOOK_SINK_URL"])/
                routes:
                  - match: [check=x]
                    steps: [{channels: [primary]}]
                  - steps: [{channels: [backup]}]
                """, to: d + "/v.yaml")
        let agent = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d)
        defer { _ = agent.stop() }
        let requests = backup["WEBHOOK_SINK_REQUESTS"]
        func bodies() -> [[String: Any]] { jsonLines(requests).compactMap { $0["body_json"] as? [String: Any] } }
        // The backup also gets what the machine running the tests finds about itself (a load
        // warning when it is busy): the two messages are looked for, not counted.
        func viaFallback() -> [String: Any]? { bodies().first { ($0["vitals"] as? [String: Any])?["via"] as? String == "primary" } }
        func failing() -> [String: Any]? {
            bodies().first { body in
                (body["alerts"] as? [[String: Any]])?.contains { ($0["labels"] as? [String: String])?["resource"] == "primary" } ?? false
            }
        }
        #expect(eventually { viaFallback() != nil && failing() != nil }, "\(agent.stderrText())")
        #expect(viaFallback() != nil, "the primary's message came through the fallback: \(bodies())")
        #expect(failing() != nil, "channel primary is failing, alerted through backup: \(bodies())")
        #expect(jsonLines(broken["WEBHOOK_SINK_REQUESTS"]).count == 2, "two attempts, then the breaker stayed open")
        let doc = try JSONSerialization.jsonObject(with: Data(try runVitals(["status", "--channels", "--json", "--socket", agent.socket]).out.utf8))
        let channels = (doc as? [String: Any])?["channels"] as? [[String: Any]] ?? []
        #expect(channels.first { $0["name"] as? String == "primary" }?["breaker"] as? String == "open", "\(channels)")
    }

    /// Mail over STARTTLS with AUTH (password from a systemd credential) and Alertmanager push,
    /// through the agent: the problem and its recovery arrive by mail, Alertmanager shows the
    /// alert while it fires (re-sent, so it does not time out) and drops it at the recovery.
    @Test func mailAndAlertmanagerThroughTheAgent() throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let smtp = try Peer("smtp-sink", dir: d + "/smtp", ["--mode", "starttls-auth", "--password", "mail-pw-4711"])
        defer { smtp.stop() }
        let am = try Peer("alertmanager", dir: d + "/am")
        defer { am.stop() }
        try FileManager.default.createDirectory(atPath: d + "/creds", withIntermediateDirectories: true)
        try Self.write("mail-pw-4711\n", to: d + "/creds/smtp-password", mode: 0o600)
        try Self.write("am-tok-5150", to: d + "/creds/am-token", mode: 0o600)
        try Self.flagChecks(["svc"], dir: d)
        try Self.write(
            Self.base(d) + """
                channels:
                  mail:
                    type: smtp
                    servers: [localhost:\(smtp["SMTP_SINK_PORT"])]
                    tls: starttls
                    ca_file: \(smtp["SMTP_SINK_CERT"])
                    username: vitals
                    password: {credential: smtp-password}
                    from: vitals@test.example.com
                    to: [ops@example.com]
                  am:
                    type: alertmanager
                    urls: [\(am["ALERTMANAGER_URL"])]
                    resend_interval: 2s
                    bearer_token: {credential: am-token}
                """, to: d + "/v.yaml")
        let env = ["CREDENTIALS_DIRECTORY": d + "/creds"]
        let agent = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d, environment: env)
        defer { _ = agent.stop() }
        func mails() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: d + "/smtp/mail")) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
                .compactMap { try? String(contentsOfFile: d + "/smtp/mail/" + $0, encoding: .utf8) }
        }
        func amAlerts() -> [[String: Any]] {
            let (_, text) = Peer.run("/usr/bin/curl", ["-sf", am["ALERTMANAGER_URL"] + "/api/v2/alerts"])
            return (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]) ?? []
        }
        func svc() -> [String: Any]? { amAlerts().first { ($0["labels"] as? [String: String])?["check"] == "svc" } }
        #expect(eventually { mails().contains { $0.contains("Subject: [CRITICAL] ") && $0.contains("File not found") } }, "\(agent.stderrText())")
        // STARTTLS loaded the host's OpenSSL at the first mail.
        #expect(agent.mapsLibrary("libssl.so.3") && agent.mapsLibrary("libcrypto.so.3"))
        #expect(eventually { svc() != nil }, "Alertmanager has the alert: \(amAlerts())")
        let firstEnd = try #require(svc()?["endsAt"] as? String)
        #expect(eventually(10) { (svc()?["endsAt"] as? String).map { $0 > firstEnd } ?? false }, "re-sent while firing: endsAt moves on")
        let meta = jsonLines(d + "/smtp/events.jsonl").filter { $0["event"] as? String == "auth" }
        #expect(meta.contains { $0["ok"] as? Bool == true })
        try Self.write("x", to: d + "/flag-svc")
        #expect(eventually { mails().contains { $0.contains("Subject: [RESOLVED] ") } }, "\(agent.stderrText())")
        #expect(eventually { svc() == nil }, "resolved by endsAt")
        let status = try runVitals(["status", "--channels", "--socket", agent.socket]).out
        #expect(status.contains("mail") && status.contains("am"), "\(status)")
        let shown = Peer.run(AgentProcess.binary, ["config", "show", "--config", d + "/v.yaml"], environment: env).1
        #expect(shown.contains("password: <secret>  # from credential smtp-password"), "\(shown)")
        let everything =
            agent.stderrText() + status + shown + (try runVitals(["metrics", "--socket", agent.socket])).out
            + (try runVitals(["status", "--json", "--socket", agent.socket])).out
            + (try runVitals(["status", "--channels", "--json", "--socket", agent.socket])).out
        #expect(!everything.contains("mail-pw-4711"), "the SMTP password leaked")
        #expect(!everything.contains("am-tok-5150"), "the Alertmanager token leaked")
        #expect(shown.contains("bearer_token: <secret>  # from credential am-token"), "\(shown)")
    }

    /// `metrics.listen`: Prometheus can scrape /metrics over TCP; nothing else is served there.
    @Test func theMetricsListenerServesOnlyMetrics() throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let port = freePort()
        try Self.write("interval: 1s\nmetrics:\n  listen: \(port)\n", to: d + "/v.yaml")
        let agent = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d)
        defer { _ = agent.stop() }
        _ = try agent.waitForCycles(1)
        let (status, text) = Peer.run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(port)/metrics"])
        #expect(status == 0 && text.contains("# TYPE vitals_load1 gauge"), "\(text)")
        #expect(try Self.promtool(text).status == 0)
        let (_, other) = Peer.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/v1/status"])
        #expect(other == "404", "the status API stays on the unix socket")
        let (_, post) = Peer.run(
            "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "http://127.0.0.1:\(port)/v1/silences", "-d", "{}"])
        #expect(post == "404")
    }

    /// `promtool check metrics` (Debian's prometheus package) on `text`.
    static func promtool(_ text: String) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
        p.arguments = ["check", "metrics"]
        let input = Pipe()
        let out = Pipe()
        p.standardInput = input
        p.standardOutput = out
        p.standardError = out
        try p.run()
        try input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The keys of the notifications the agent decided for the hook channel; with `checks`, only
    /// those of these checks (the host's own findings, a load warning on a busy machine, left out).
    static func queued(_ agent: AgentProcess, checks: Set<String>? = nil) -> [String] {
        agent.logLines().filter { line in
            line["message_id"] == "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a0a" && line["channel"] == "hook"
                && (checks.map { $0.contains(line["check"] ?? "") } ?? true)
        }.compactMap { $0["key"] }
    }

    /// The idempotency keys of every alert the webhook receiver got, in order of arrival; with
    /// `checks`, only those of these checks.
    static func receivedKeys(_ sink: Peer, checks: Set<String>? = nil) -> [String] {
        jsonLines(sink["WEBHOOK_SINK_REQUESTS"]).compactMap { r -> [String]? in
            guard let body = r["body_json"] as? [String: Any], let alerts = body["alerts"] as? [[String: Any]] else { return nil }
            return alerts.compactMap { a -> String? in
                if let checks, !checks.contains((a["labels"] as? [String: String])?["check"] ?? "") { return nil }
                return (a["annotations"] as? [String: String])?["idempotency_key"]
            }
        }.flatMap { $0 }
    }

    static func outboxFiles(_ d: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: d + "/state/outbox")) ?? []).filter { $0.hasSuffix(".json") }
    }
}

/// Issue 15: the agent killed on purpose at each named crash point of a decision's durable steps
/// (FAILPOINT_VITALS), then started again: every decided notification reaches the receiver,
/// once by idempotency key, and none is lost.
@Suite(.offThePool) struct CrashPointTests {
    /// A test folder with the receiver up, flag checks `flags` (critical until their flag file
    /// exists) and a webhook channel to the receiver (`extra` lines join the channel's settings).
    static func setUp(flags: [String], extra: String = "") throws -> (dir: String, sink: Peer) {
        let d = try DeliveryTests.dir()
        let sink = try Peer("webhook-sink", dir: d + "/hook")
        try DeliveryTests.flagChecks(flags, dir: d)
        try DeliveryTests.write(
            DeliveryTests.base(d) + """
                channels:
                  hook:
                    type: webhook
                    url: \(sink["WEBHOOK_SINK_URL"])/alerts
                    retry: {initial: 200ms, max: 1s}

                """ + extra, to: d + "/v.yaml")
        return (d, sink)
    }

    @Test(arguments: [
        "alerts-after-outbox", "alerts-after-state", "outbox-after-tmp", "outbox-after-rename", "state-after-tmp", "state-after-rename",
        "delivery-after-2xx",
    ])
    func aKillAtACrashPointLosesNothing(_ point: String) throws {
        let (d, sink) = try Self.setUp(flags: ["a"])
        defer { try? FileManager.default.removeItem(atPath: d) }
        defer { sink.stop() }
        let first = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d, environment: ["FAILPOINT_VITALS": point])
        let died = first.waitForExit()
        #expect(
            died == 9 || died == -9 || first.stderrText().contains("failpoint \(point) reached"), "exit \(died): \(first.stderrText().suffix(400))")
        let decidedBefore = DeliveryTests.queued(first, checks: ["a"])
        let second = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d)
        defer { _ = second.stop() }
        // Only the flag check's: a true finding of the machine running the tests (a load warning
        // while it is busy) is not what this counts.
        let received = { DeliveryTests.receivedKeys(sink, checks: ["a"]) }
        #expect(eventually(30) { !received().isEmpty && DeliveryTests.outboxFiles(d).isEmpty }, "\(second.stderrText().suffix(600))")
        let decided = decidedBefore + DeliveryTests.queued(second, checks: ["a"])
        let keys = Set(received())
        // A decision is logged once it is in the outbox (a crash after the rename recovers it
        // from there, with no log line in either run).
        #expect(Set(decided).isSubset(of: keys), "decided \(decided), received \(received())")
        // One incident, one first notification: a repeat, if any, carries the same key.
        #expect(keys.count == 1, "\(received())")
    }

    /// A reload killed half way (read, not applied; or applied): the restarted agent runs the new
    /// configuration, notifies the new check's problem once and the old one not again.
    @Test(arguments: ["reload-after-load", "reload-after-apply"])
    func aKillDuringAReloadLosesNothing(_ point: String) throws {
        let (d, sink) = try Self.setUp(flags: ["a"])
        defer { try? FileManager.default.removeItem(atPath: d) }
        defer { sink.stop() }
        let first = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d, environment: ["FAILPOINT_VITALS": point])
        #expect(eventually { DeliveryTests.receivedKeys(sink, checks: ["a"]).count == 1 }, "\(first.stderrText().suffix(600))")
        try DeliveryTests.flagChecks(["a", "b"], dir: d)
        first.signal(SIGHUP)
        _ = first.waitForExit()
        #expect(first.stderrText().contains("failpoint \(point) reached"), "\(first.stderrText().suffix(400))")
        let second = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d)
        defer { _ = second.stop() }
        #expect(eventually(30) { Set(DeliveryTests.receivedKeys(sink, checks: ["a", "b"])).count >= 2 }, "\(second.stderrText().suffix(600))")
        _ = try second.waitForCycles(((try? second.get(true))?["cycles"] as? Int ?? 0) + 3, timeout: 15)
        let keys = DeliveryTests.receivedKeys(sink, checks: ["a", "b"])
        #expect(Set(keys).count == 2, "a once, b once: \(keys)")
        #expect(Set(keys.map { $0.split(separator: "-")[0] }).count == 2, "\(keys)")
    }

    /// A silence being written when the agent dies: `vitals silence add` fails (no answer), the
    /// operator runs it again against the restarted agent, and exactly one silence is in force,
    /// whether the first write landed (after the rename) or not (after the temporary file).
    @Test(arguments: ["controls-after-tmp", "controls-after-rename"])
    func aKillWhileASilenceIsWrittenLeavesItOnce(_ point: String) throws {
        let d = try DeliveryTests.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try DeliveryTests.write("interval: 1s\n", to: d + "/v.yaml")
        let first = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d, environment: ["FAILPOINT_VITALS": point])
        _ = try first.waitForCycles(1)
        let add = ["silence", "add", "--match", "check=disk", "--match", "resource=/srv", "--for", "2h", "--comment", "crash test"]
        let lost = try runVitals(add + ["--socket", first.socket])
        #expect(lost.status != 0, "the agent died before it answered: \(lost.out)")
        _ = first.waitForExit()
        #expect(first.stderrText().contains("failpoint \(point) reached"))
        let second = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d)
        defer { _ = second.stop() }
        _ = try second.waitForCycles(1)
        func silences() throws -> [[String: Any]] {
            let out = try runVitals(["silence", "list", "--json", "--socket", second.socket]).out
            let doc = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
            return doc?["silences"] as? [[String: Any]] ?? []
        }
        #expect(try silences().count == (point == "controls-after-rename" ? 1 : 0), "the write landed only after the rename")
        let retried = try runVitals(add + ["--socket", second.socket])
        #expect(retried.status == 0, "\(retried.err)")
        let after = try silences()
        #expect(after.count == 1, "one silence, not two: \(after)")
    }

    /// The storm limit across a crash: the channel may send one alert an hour; the agent dies
    /// with that message in the outbox and its state not written. The restarted agent counts the
    /// message against the hour, so the other problems are folded into the digest, not sent.
    @Test func theStormLimitHoldsAcrossACrashBetweenOutboxAndState() throws {
        let (d, sink) = try Self.setUp(flags: ["a", "b", "c"], extra: "    max_alerts_per_hour: 1\n")
        defer { try? FileManager.default.removeItem(atPath: d) }
        defer { sink.stop() }
        let first = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d, environment: ["FAILPOINT_VITALS": "alerts-after-outbox"])
        _ = first.waitForExit()
        #expect(first.stderrText().contains("failpoint alerts-after-outbox reached"), "\(first.stderrText().suffix(400))")
        let second = try AgentProcess(arguments: ["--config", d + "/v.yaml"], dir: d)
        defer { _ = second.stop() }
        #expect(eventually(30) { DeliveryTests.receivedKeys(sink).count >= 1 }, "\(second.stderrText().suffix(600))")
        // Every check has run and been judged since (plugins every 2 s).
        _ = try second.waitForCycles(((try? second.get(true))?["cycles"] as? Int ?? 0) + 6, timeout: 20)
        let doc = try JSONSerialization.jsonObject(with: Data(try runVitals(["alerts", "--json", "--socket", second.socket]).out.utf8))
        let alerts = (doc as? [String: Any])?["alerts"] as? [[String: Any]] ?? []
        let flags = alerts.filter { ["a", "b", "c"].contains(($0["labels"] as? [String: String])?["check"] ?? "") }
        #expect(flags.filter { ($0["severity"] as? String) == "critical" }.count == 3, "\(alerts)")
        #expect(Set(DeliveryTests.receivedKeys(sink)).count == 1, "the hour's one alert, once: \(DeliveryTests.receivedKeys(sink))")
    }
}
