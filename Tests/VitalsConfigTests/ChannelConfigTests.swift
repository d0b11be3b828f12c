import Foundation
import Testing
import VitalsConfig
import VitalsCore

/// `channels:` with webhook, SMTP and Alertmanager settings, and secrets from files and systemd
/// credentials: what is accepted, and the errors (with position and remedy) for what is not.
@Suite struct ChannelConfigTests {
    static func dir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-cfg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d + "/creds", withIntermediateDirectories: true)
        try "hook-secret\n".write(toFile: d + "/hmac", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: d + "/hmac")
        try "mail-pass".write(toFile: d + "/creds/smtp-password", atomically: true, encoding: .utf8)
        try "open".write(toFile: d + "/world-readable", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: d + "/world-readable")
        return d
    }

    @Test func everyChannelKindIsReadWithItsSecrets() throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let text = """
            channels:
              hook:
                type: webhook
                url: https://hooks.example.com/vitals
                headers: {X-Team: ops}
                hmac_secret: {file: \(d)/hmac}
                basic_auth: {user: vitals, password: {credential: smtp-password}}
                timeout: 3s
                retry: {initial: 2s, max: 1m, max_age: 12h}
                breaker: {failures: 3, recovery: 30s, successes: 1}
                fallback: mail
              mail:
                type: smtp
                servers: [mail1.example.com:587, "[::1]:25"]
                tls: starttls
                username: vitals
                password: {credential: smtp-password}
                from: vitals@web1.example.com
                to: [ops@example.com]
              am:
                type: alertmanager
                urls: [http://am1:9093/, http://am2:9093]
                resend_interval: 30s
            """
        let loaded = try ConfigLoader.load(text: text, name: "v.yaml", environment: ["CREDENTIALS_DIRECTORY": d + "/creds"])
        let n = loaded.config.notify
        let hook = try #require(n.channel(named: "hook"))
        #expect(hook.webhook?.hmacSecret?.reveal() == "hook-secret", "the trailing newline is not part of the secret")
        #expect(hook.webhook?.auth == .basic(user: "vitals", password: Secret("mail-pass", source: "credential smtp-password")))
        #expect(hook.webhook?.headers == [Header(name: "X-Team", value: .text("ops"))])
        #expect(hook.webhook?.timeout == .seconds(3))
        #expect(hook.retry == RetryPolicy(initial: .seconds(2), max: .seconds(60), maxAge: .seconds(12 * 3600)))
        #expect(hook.breaker == .init(failures: 3, recovery: .seconds(30), successes: 1))
        #expect(hook.fallback == "mail")
        let mail = try #require(n.channel(named: "mail")?.smtp)
        #expect(mail.servers == [.init(host: "mail1.example.com", port: 587), .init(host: "::1", port: 25)])
        #expect(mail.tls == .starttls && mail.password?.reveal() == "mail-pass")
        #expect(n.channel(named: "am")?.alertmanager?.urls == ["http://am1:9093", "http://am2:9093"])
        #expect(n.routes.first?.steps.first?.channels == ["hook", "mail", "am"], "the default route reaches every channel")
        let shown = ConfigRenderer.render(loaded)
        #expect(!shown.contains("hook-secret") && !shown.contains("mail-pass"))
        #expect(shown.contains("hmac_secret: <secret>  # from file \(d)/hmac"))
    }

    @Test func mistakesAreNamedWithTheirRemedy() throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let text = """
            channels:
              hook:
                type: webhook
                url: hooks.example.com
                bearer_token: plain-text-token
              mail:
                type: smtp
                servers: [mail.example.com]
                from: vitals@web1
                to: [ops@example.com]
                fallback: hok
              mail2:
                type: smtp
                servers: [mail.example.com:465]
                tls: implicit
                from: vitals@web1
                to: [ops]
                password: {file: \(d)/world-readable}
              am:
                type: alertmanager
                urls: [http://am1:9093]
                bearer_token: {credential: am-token}
            """
        let e = #expect(throws: ConfigErrors.self) { try ConfigLoader.load(text: text, name: "v.yaml") }
        let lines = e?.description.split(separator: "\n").map(String.init) ?? []
        #expect(
            lines.contains(
                "v.yaml:4:10: channels.hook.url: expected an http:// or https:// URL such as https://hooks.example.com/vitals, got \"hooks.example.com\""
            ), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("v.yaml:5:19: channels.hook.bearer_token: a secret is not written in the configuration file") })
        #expect(
            lines.contains(
                "v.yaml:8:14: channels.mail.servers[0]: expected host:port (the port is never guessed), e.g. mail.example.com:587, got \"mail.example.com\""
            ))
        #expect(lines.contains { $0.contains("channels.mail.tls: needs tls: starttls (port 587), implicit (port 465) or none") })
        #expect(lines.contains { $0.contains("channels.mail.fallback: no channel named \"hok\"; did you mean \"hook\"?") })
        #expect(lines.contains { $0.contains("channels.mail2.to[0]: \"ops\" is not a mail address") })
        #expect(
            lines.contains { $0.contains("channels.mail2.password.file: \(d)/world-readable is readable by every user (mode 644); run chmod 600") })
        #expect(lines.contains { $0.contains("channels.mail2.username: username and password go together") })
        #expect(
            lines.contains { $0.contains("channels.am.bearer_token.credential: no systemd credentials here ($CREDENTIALS_DIRECTORY is not set)") })
        #expect(!(e?.description.contains("plain-text-token") ?? true), "not even a refused secret is echoed")
    }

    /// Issue 14: a password inside a URL was echoed in the error.
    @Test func aPasswordInAURLIsNeverEchoed() {
        do {
            _ = try ConfigLoader.load(
                text: "channels:\n  hook:\n    type: webhook\n    url: https://ops:hunter2-secret@hooks.example.com/x\n", name: "v.yaml")
            Issue.record("accepted a URL with credentials")
        } catch {
            #expect(!error.description.contains("hunter2"), "\(error.description)")
            #expect(
                error.description
                    == "v.yaml:4:10: channels.hook.url: expected an http:// or https:// URL such as https://hooks.example.com/vitals, got \"https://<redacted>@hooks.example.com/x\" (credentials go in basic_auth or bearer_token, not the URL)"
            )
        }
    }

    @Test func theMetricsListenerIsOffUnlessAsked() throws {
        #expect(try ConfigLoader.load(text: "", name: "v.yaml").config.metricsListen == nil)
        #expect(
            try ConfigLoader.load(text: "metrics: {listen: 9105}\n", name: "v.yaml").config.metricsListen
                == ListenAddress(host: "127.0.0.1", port: 9105))
        #expect(
            try ConfigLoader.load(text: "metrics: {listen: \"[::1]:9105\"}\n", name: "v.yaml").config.metricsListen
                == ListenAddress(host: "::1", port: 9105))
        let e = #expect(throws: ConfigErrors.self) { try ConfigLoader.load(text: "metrics:\n  listen: everywhere\n", name: "v.yaml") }
        #expect(e?.description.hasPrefix("v.yaml:2:11: metrics.listen: expected a port (9105: loopback)") == true, "\(e?.description ?? "")")
    }

    @Test func fallbacksMustNotGoRoundInACircle() {
        let text = """
            channels:
              a: {type: webhook, url: "http://a/", fallback: b}
              b: {type: webhook, url: "http://b/", fallback: a}
              c: {type: webhook, url: "http://c/", fallback: a}
            """
        let e = #expect(throws: ConfigErrors.self) { try ConfigLoader.load(text: text, name: "v.yaml") }
        let lines = e?.description.split(separator: "\n").map(String.init) ?? []
        #expect(lines.contains { $0.contains("channels.a.fallback: the fallbacks go round in a circle (a -> b -> a)") }, "\(lines)")
        #expect(lines.contains { $0.contains("channels.b.fallback: the fallbacks go round in a circle (b -> a -> b)") })
        #expect(lines.contains { $0.contains("channels.c.fallback: the fallbacks go round in a circle (c -> a -> b -> a)") })
        #expect(throws: Never.self) {
            try ConfigLoader.load(text: "channels:\n  log: {type: log}\n  a: {type: webhook, url: \"http://a/\", fallback: log}\n", name: "v.yaml")
        }
    }
}
