import Logging
import NIOCore
import NIOPosix
import VitalsConfig
import VitalsCore
import VitalsDaemon
import VitalsNotify

/// `vitals test-notify [CHANNEL]`: one test message through each channel's real notifier.
struct TestNotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-notify",
        abstract: "Send a test message through a channel (or every channel) and report what happened.",
        discussion: """
            Uses the configuration, secrets and notifier code the agent uses (the same TLS, authentication and signature), but not the agent's outbox: it works while the agent is stopped, and prints the receiver's answer or the reason it failed. Exit status: 0 when every channel took the message, 1 otherwise, 3 for a bad configuration.

            Examples:
              sudo vitals test-notify              # every channel
              sudo vitals test-notify ops-mail
              sudo vitals test-notify --config /etc/vitals/vitals.yaml hook
              vitals test-notify --template ops-mail      # show the subject and body, send nothing
            """)

    @Option(help: "Configuration file (default /etc/vitals/vitals.yaml when it exists, else embedded defaults).")
    var config: String?

    @Argument(help: "The channel to test (default: every channel).")
    var channel: String?

    @Flag(
        help:
            "Send nothing: print what the channel's templates make of a sample alert (mail subject and body, webhook summary), or vitals' own wording where none is set."
    )
    var template = false

    func run() async throws {
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(path: config, environment: DefaultPaths.environment())
        } catch {
            printError(error.description)
            throw ExitCode(3)
        }
        let all = loaded.config.notify.channels
        let chosen = channel.map { name in all.filter { $0.name == name } } ?? all
        if let name = channel, chosen.isEmpty {
            printError("vitals: no channel named \"\(name)\"; channels are: \(all.map(\.name).joined(separator: ", "))")
            throw ExitCode(3)
        }
        let instance = Hostname.current()
        if template {
            for c in chosen { print(Self.preview(c, instance: instance, wall: WallClock.now())) }
            return
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var failed = false
        for c in chosen {
            let wall = WallClock.now()
            let message = Self.testMessage(channel: c.name, instance: instance, wall: wall)
            guard let notifier = DeliveryService.notifier(for: c, group: group, logger: .init(label: "vitals.test-notify")) else { continue }
            let started = ContinuousClock.now
            let outcome = await notifier.deliver(OutgoingMessage(message: message, instance: instance, now: wall))
            let took = started.duration(to: .now)
            await notifier.shutdown()
            switch outcome {
            case .delivered(let detail):
                print("\(c.name) (\(c.kind.rawValue)): delivered in \(Units.formatDecimal(took.seconds * 1000, places: 0)) ms: \(detail)")
            case .failed(let reason, let retry, _):
                failed = true
                print("\(c.name) (\(c.kind.rawValue)): FAILED after \(Units.formatDecimal(took.seconds * 1000, places: 0)) ms: \(reason)")
                print("  the agent would \(retry ? "retry this with backoff" : "give this message up (not retryable)")")
            }
        }
        try? await group.shutdownGracefully()
        if failed { throw ExitCode(1) }
    }

    /// What a channel's texts make of a sample alert (a critical disk alert with its culprits).
    static func preview(_ c: ChannelConfig, instance: String, wall: Double) -> String {
        let labels = LabelSet(["alertname": "VitalsDisk", "instance": instance, "check": "disk", "resource": "/srv"])
        var n = AlertNotification(
            fingerprint: labels.fingerprint, labels: labels, severity: .critical, previous: .warning, reason: .raised,
            message: "disk /srv 96.2% used, above critical 95%; 12.4 GiB free", value: 96.2, threshold: 95, startsAt: wall - 600, at: wall,
            duration: nil, worstSeverity: nil, worstValue: nil, sequence: 1, flapPercent: nil, route: "default")
        n.annotations = ["unit": "%"]
        let m = ChannelMessage(channel: c.name, notifications: [n], digest: nil, limitReached: false, at: wall)
        var out = "\(c.name) (\(c.kind.rawValue)), for a sample critical disk alert:\n"
        switch c.kind {
        case .smtp:
            out +=
                "  Subject: \(MessageText.subject(m, instance: instance, template: c.smtp?.subject))\(c.smtp?.subject == nil ? "   (vitals' own)" : "")\n"
            out += "  Body\(c.smtp?.body == nil ? " (vitals' own)" : ""):\n"
            out += MessageText.body(m, instance: instance, template: c.smtp?.body).split(separator: "\n", omittingEmptySubsequences: false)
                .map { "    " + $0 }.joined(separator: "\n")
        case .webhook:
            let summary = WebhookPayload.annotations(n, summary: c.webhook?.summary, instance: instance, count: 1, channel: c.name)["summary"] ?? ""
            out += "  summary: \(summary)\(c.webhook?.summary == nil ? "   (vitals' own: the check's message)" : "")\n"
        case .alertmanager, .log:
            out +=
                "  (no templates: \(c.kind == .log ? "the journal line is the check's message" : "Alertmanager's own templates format its notifications"))\n"
        }
        return out
    }

    /// A warning from the check `test`, marked as a test everywhere it shows.
    static func testMessage(channel: String, instance: String, wall: Double) -> ChannelMessage {
        let labels = LabelSet(["alertname": "VitalsTest", "instance": instance, "check": "test", "resource": ""])
        let n = AlertNotification(
            fingerprint: labels.fingerprint, labels: labels, severity: .warning, previous: nil, reason: .first,
            message: "test message from vitals test-notify on \(instance); no action needed", value: nil, threshold: nil, startsAt: wall, at: wall,
            duration: nil, worstSeverity: nil, worstValue: nil, sequence: UInt64(wall), flapPercent: nil, route: nil)
        return ChannelMessage(channel: channel, notifications: [n], digest: nil, limitReached: false, at: wall)
    }
}
