import Foundation
import Testing
import VitalsConfig
import VitalsCore

/// Issue 19: `heartbeat:`: what is accepted (a URL written out or kept in a secret), and the
/// errors, with position and remedy, for what is not.
@Suite struct HeartbeatConfigTests {
    @Test func theSectionIsReadWithDefaultsAndOffIsNone() throws {
        let text = """
            heartbeat:
              url: https://hc-ping.com/0c9d7a1e
              fail_url: https://hc-ping.com/0c9d7a1e/fail
            """
        let h = try #require(try ConfigLoader.load(text: text, name: "v.yaml").config.heartbeat)
        #expect(h.url == .text("https://hc-ping.com/0c9d7a1e"))
        #expect(h.failURL == .text("https://hc-ping.com/0c9d7a1e/fail"))
        #expect(h.interval == .seconds(60) && h.timeout == .seconds(10) && h.method == .post)
        #expect(try ConfigLoader.load(text: "heartbeat: off\n", name: "v.yaml").config.heartbeat == nil)
        #expect(try ConfigLoader.load(text: "", name: "v.yaml").config.heartbeat == nil)
        let kuma = try ConfigLoader.load(
            text: "heartbeat: {url: \"http://kuma.lan:3001/api/push/Ab12?status=up\", method: get, interval: 30s, timeout: 5s}\n", name: "v.yaml")
        #expect(kuma.config.heartbeat?.method == .get && kuma.config.heartbeat?.interval == .seconds(30))
    }

    @Test func aURLInASecretFileIsReadAndNeverShown() throws {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-hb-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: d) }
        try "https://hc-ping.com/very-secret-uuid\n".write(toFile: d + "/url", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: d + "/url")
        let loaded = try ConfigLoader.load(text: "heartbeat:\n  url: {file: \(d)/url}\n", name: "v.yaml")
        #expect(loaded.config.heartbeat?.url.wire == "https://hc-ping.com/very-secret-uuid")
        let shown = ConfigRenderer.render(loaded)
        #expect(shown.contains("url: <secret from file \(d)/url>"), "\(shown)")
        #expect(!shown.contains("very-secret-uuid"))
        // A written-out URL shows scheme and host only: its path is the token.
        let plain = ConfigRenderer.render(try ConfigLoader.load(text: "heartbeat: {url: \"https://hc-ping.com/tok-123\"}\n", name: "v.yaml"))
        #expect(plain.contains("url: \"https://hc-ping.com/…\""), "\(plain)")
        #expect(!plain.contains("tok-123"))
    }

    @Test func mistakesNameTheKeyAndTheRemedy() {
        func errors(_ text: String) -> [String] {
            do {
                _ = try ConfigLoader.load(text: text, name: "v.yaml")
                return []
            } catch {
                return error.issues.map(\.description)
            }
        }
        #expect(
            errors("heartbeat: {interval: 1m}\n") == [
                "v.yaml:1:12: heartbeat.url: needs a url, e.g. url: https://hc-ping.com/<uuid>, or {file: /etc/vitals/secrets/heartbeat-url}"
            ])
        #expect(errors("heartbeat: {url: \"ftp://x/y\"}\n").first?.contains("heartbeat.url: expected an http:// or https:// URL") == true)
        #expect(
            errors("heartbeat: {url: \"https://h/x\", interval: 10s, timeout: 10s}\n").first?.hasSuffix(
                "heartbeat.timeout: 10s must be shorter than heartbeat.interval 10s so one slow call cannot delay the next") == true)
        #expect(errors("heartbeat: {url: \"https://h/x\", interval: 1s}\n").first?.contains("heartbeat.interval") == true)
        #expect(errors("heartbeat: {url: \"https://h/x\", method: put}\n").first?.contains("heartbeat.method") == true)
        #expect(errors("heartbeat: {url: \"https://h/x\", ping: 1}\n").first?.contains("heartbeat") == true)
    }
}

/// Issue 19: channel templates in the configuration: read, shown, and refused with position.
@Suite struct TemplateConfigTests {
    @Test func templatesAreReadShownAndMistakesRefusedWithTheirPosition() throws {
        let text = """
            channels:
              mail:
                type: smtp
                servers: [localhost:25]
                tls: none
                from: vitals@web1.example.com
                to: [ops@example.com]
                subject: "[{{ severity | upper }}] {{ instance }}: {{ message }}"
                body: "{{ message }}\\nrunbook: {{ labels.runbook }}"
              hook:
                type: webhook
                url: https://hooks.example.com/x
                summary: "{{ alertname }} on {{ instance }}"
            """
        let loaded = try ConfigLoader.load(text: text, name: "v.yaml")
        let mail = try #require(loaded.config.notify.channel(named: "mail")?.smtp)
        #expect(mail.subject?.source == "[{{ severity | upper }}] {{ instance }}: {{ message }}")
        #expect(mail.body?.source == "{{ message }}\nrunbook: {{ labels.runbook }}")
        #expect(loaded.config.notify.channel(named: "hook")?.webhook?.summary?.source == "{{ alertname }} on {{ instance }}")
        let shown = ConfigRenderer.render(loaded)
        #expect(shown.contains("body: \"{{ message }}\\nrunbook: {{ labels.runbook }}\""), "\(shown)")
        #expect(try ConfigLoader.load(text: shown, name: "shown.yaml").config.notify == loaded.config.notify, "round trip")
        do {
            _ = try ConfigLoader.load(
                text: "channels:\n  hook:\n    type: webhook\n    url: https://h/x\n    summary: \"{{ sevrity }}\"\n", name: "v.yaml")
            Issue.record("accepted an unknown field")
        } catch {
            #expect(
                error.description.hasPrefix("v.yaml:5:14: channels.hook.summary: character 3: \"sevrity\" is not a field"), "\(error.description)")
        }
    }
}
