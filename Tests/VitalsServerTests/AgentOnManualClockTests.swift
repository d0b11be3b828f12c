import Foundation
import Testing
import VitalsCore
import VitalsDaemon
import VitalsTestKit
import VitalsTestSupport

/// Issue 16: the timing scenarios of the whole agent (`Agent.run`, every service, the real state
/// directory and outbox) in process on a manual clock. Time moves when the test says so, so an
/// hour of repeats or a five-minute breaker takes milliseconds and nothing waits "to prove
/// nothing else arrived": the agent settles, and what it did by then is all it did.
@Suite(.serialized, .offThePool) struct AgentOnManualClockTests {
    /// Load 0.29 per core on the fixture: critical above these thresholds from the first cycle.
    static let loadCritical = """
        interval: 1s
        thresholds:
          load:
            warning: 0.00001
            warning_clear: 0.000005
            critical: 0.00002
            critical_clear: 0.000005

        """
    static let loadFine = "0.00 0.00 0.00 1/80 4910\n"

    /// Runs `body` on a fresh agent in `dir` (a new temporary directory unless given) and stops it
    /// after, also when `body` throws.
    static func withAgent(
        _ yaml: String, dir: String? = nil, time: ManualTime = ManualTime(), _ body: (InProcessAgent) async throws -> Void
    ) async throws {
        let d = try dir ?? Self.tempDir()
        // The test drives the agent from the same threads the agent runs on (InProcessAgent).
        try await withTaskExecutorPreference(DispatchTaskExecutor.shared) {
            let agent = try await InProcessAgent.start(yaml, dir: d, time: time)
            do {
                try await body(agent)
            } catch {
                try? await agent.stop()
                throw error
            }
            try await agent.stop()
        }
        if dir == nil { try? FileManager.default.removeItem(atPath: d) }
    }

    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-inproc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The load check's notifications (the compiled-in checks speak of the host itself).
    static func load(_ agent: InProcessAgent) -> [String] {
        agent.notifications.filter { $0.metadata["check"] == "load" }.map { "\($0.metadata["reason"] ?? "?") \($0.metadata["severity"] ?? "?")" }
    }

    @Test func samplingKeepsItsTicksAndAfterASuspendRunsOnceInsteadOfCatchingUp() async throws {
        try await Self.withAgent("interval: 1s\n") { agent in
            #expect(agent.state.cycles == 1, "the first cycle runs at start")
            try await agent.advance(by: .milliseconds(999))
            #expect(agent.state.cycles == 1, "not before its tick")
            try await agent.advance(by: .milliseconds(1))
            #expect(agent.state.cycles == 2, "on its tick")
            // The host sleeps for 30 s (the monotonic clock counts a suspend).
            try await agent.advance(by: .seconds(30))
            #expect(agent.state.cycles == 3, "one cycle after the gap, not 30 back to back")
            #expect(agent.state.overruns == 1)
            #expect(agent.logs.records.contains { $0.metadata["message_id"] == EventKind.cycleOverrun.messageID && $0.metadata["skipped"] == "29" })
            // The schedule stays anchored at the start: the next tick is at 32 s, not 31 s + 1 s.
            try await agent.advance(by: .milliseconds(500))
            #expect(agent.state.cycles == 3)
            try await agent.advance(by: .milliseconds(500))
            #expect(agent.state.cycles == 4)
        }
    }

    /// Issue 17: an idle agent wakes once a second to sample and seldom for anything else.
    /// Delivery with an empty outbox looks again every 10 s (its watchdog deadline is 30 s), the
    /// plugin runs sleep until their next check falls due, the heartbeat without a target looks
    /// every 10 s. Before, delivery and the plugin runs each woke every second too.
    @Test func anIdleAgentWakesEverySecondOnlyToSample() async throws {
        try await Self.withAgent("interval: 1s\n") { agent in
            // Past the compiled-in checks' first runs, spread over their first 30 s.
            try await agent.tick(40)
            var wakes = 0
            for _ in 0..<20 {
                wakes += agent.time.deadlines.filter { $0 <= .seconds(1) }.count
                try await agent.tick(1)
            }
            #expect(agent.time.deadlines.contains { $0 > .seconds(1) && $0 <= .seconds(10) }, "delivery idles up to 10 s: \(agent.time.deadlines)")
            // 20 samples, 2 each for delivery and the heartbeat, at most 2 compiled-in checks.
            #expect(wakes >= 20 && wakes <= 26, "wake-ups in 20 s: \(wakes)")
        }
    }

    /// Issue 17: a quiet agent does not rewrite its alert state while the alerts' flap histories
    /// fill (their first 21 results); it writes when something a restart needs changes, here a
    /// problem. (The file holds each alert's latest message and value too, so any write changes
    /// its bytes.)
    @Test func theAlertStateIsNotRewrittenWhileQuietFlapHistoriesFill() async throws {
        let yaml = Self.loadCritical.replacingOccurrences(of: "warning: 0.00001", with: "warning: 50")
            .replacingOccurrences(of: "critical: 0.00002", with: "critical: 100")
        try await Self.withAgent(yaml) { agent in
            let file = agent.dir + "/state/alerts.json"
            // Past the compiled-in checks' first results (over the first 30 s): every alert exists.
            try await agent.tick(32)
            let quiet = try Data(contentsOf: URL(fileURLWithPath: file))
            // Their histories are 2 to 32 results long here and grow to 21 over the next 20 s.
            try await agent.tick(20)
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == quiet, "no write while only quiet flap histories grew")
            // A problem is a change a restart needs: written at once.
            try agent.write("loadavg", "100000.00 100000.00 100000.00 1/80 4910\n")
            try await agent.tick(2)
            let now = try String(contentsOfFile: file, encoding: .utf8)
            #expect(now.contains("\"critical\""), "the problem's state is written")
        }
    }

    /// The plugin stage on the same clock: a custom check's first run comes at its jittered
    /// offset (within 30 s of the start), the next an interval after it, never before.
    @Test func aCustomCheckRunsAtItsOffsetAndThenEveryIntervalOnTheAgentsClock() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Plugins run as nobody when the agent is root: their definitions must be readable.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir)
        let checksDir = dir + "/checks.d"
        try FileManager.default.createDirectory(atPath: checksDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try """
        - name: web_probe
          command: [/usr/lib/nagios/plugins/check_dummy, "0", "web answers"]
          interval: 1m
          timeout: 5s
        """.write(toFile: checksDir + "/web.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: checksDir + "/web.yaml")
        let offset = PluginSchedule<ContinuousClock.Instant>.jitter("web_probe", interval: PluginSchedule<ContinuousClock.Instant>.firstRunSpread)
        try await Self.withAgent("plugins:\n  directory: \(checksDir)\n" + "interval: 1s\n", dir: dir) { agent in
            func probe() -> CheckStatus? { agent.checks.first { $0.check == "web_probe" } }
            try await agent.advance(by: offset - .milliseconds(500))
            #expect(probe() == nil, "no run before its offset")
            try await agent.advance(by: .seconds(1))
            let first = try await agent.waitFor("the first run") { probe() }
            #expect(first.severity == .ok && first.message.contains("web answers"), "\(first)")
            try await agent.advance(by: .seconds(58))
            try await Task.sleep(for: .milliseconds(300))
            #expect(probe()?.evaluatedAt == first.evaluatedAt, "no second run before the interval")
            try await agent.advance(by: .seconds(2))
            let second = try await agent.waitFor("the second run") { probe().flatMap { $0.evaluatedAt > first.evaluatedAt ? $0 : nil } }
            #expect(second.evaluatedAt - first.evaluatedAt == 60, "an interval after the first, on the agent's clock")
        }
    }

    @Test func aProblemIsDebouncedNotifiedOnceRepeatedOnTheHourAndResolvedOnce() async throws {
        let yaml = Self.loadCritical.replacingOccurrences(
            of: "    critical_clear: 0.000005\n", with: "    critical_clear: 0.000005\n    raise_after: 3\n")
        try await Self.withAgent("alerts:\n  resolve_hold: 0\n  repeat: {critical: 1h}\n" + yaml) { agent in
            #expect(Self.load(agent).isEmpty, "1 of 3 samples")
            try await agent.tick(1)
            #expect(Self.load(agent).isEmpty, "2 of 3 samples")
            try await agent.tick(1)
            #expect(Self.load(agent) == ["first critical"], "the third sample raises it")
            try await agent.tick(10)
            try await agent.advance(by: .seconds(3600 - 12))
            #expect(Self.load(agent) == ["first critical"], "no repeat before the hour")
            try await agent.tick(2)
            #expect(Self.load(agent) == ["first critical", "repeat critical"], "one repeat on the hour")
            try agent.write("loadavg", Self.loadFine)
            try await agent.tick(3)
            #expect(Self.load(agent) == ["first critical", "repeat critical", "resolved ok"])
        }
    }

    @Test func aFailingWebhookIsRetriedWithBackoffAndItsBreakerOpensAndProbes() async throws {
        // Free now, and nobody listens on it: connecting is refused at once.
        let port = freePort()
        let yaml = """
            channels:
              hook:
                type: webhook
                url: http://127.0.0.1:\(port)/alerts
                retry: {initial: 10s, max: 40s}
                breaker: {failures: 3, recovery: 5m, successes: 1}
              log: {type: log}
            routes:
              - name: all
                steps:
                  - channels: [hook, log]

            """
        try await Self.withAgent(yaml + Self.loadCritical) { agent in
            func attempts() -> UInt64 { agent.running.delivery.channels.first { $0.name == "hook" }?.failedAttempts ?? 0 }
            _ = try await agent.waitFor("the first attempt fails") { attempts() >= 1 ? true : nil }
            try await agent.settle()
            #expect(attempts() == 1)
            // Full jitter: the first retry comes within `initial`, the second within twice that.
            try await agent.advance(by: .seconds(10))
            #expect(attempts() == 2)
            try await agent.advance(by: .seconds(20))
            #expect(attempts() == 3)
            #expect(agent.logs.records.contains { $0.metadata["breaker"] == "open" && $0.metadata["channel"] == "hook" }, "three failures open it")
            // The channel's health reaches the alert stage: "hook is failing" goes to the log channel.
            try await agent.tick(1)
            let failing = agent.notifications.filter { $0.metadata["check"] == "channel" && $0.metadata["resource"] == "hook" }
            #expect(failing.map { $0.metadata["severity"] } == ["critical"], "\(failing)")
            // Open: nothing is tried until the recovery time is up, then one probe.
            try await agent.advance(by: .seconds(289))
            #expect(attempts() == 3, "no attempt while the breaker is open")
            try await agent.advance(by: .seconds(20))
            #expect(attempts() == 4, "one probe after the recovery time")
            #expect(agent.logs.records.contains { $0.metadata["breaker"] == "half_open" })
            #expect(agent.running.delivery.depth >= 1, "the message still waits in the outbox")
        }
    }

    @Test func aRestartNeitherRepeatsNorForgetsAProblemAndItsRecoveryIsNotifiedOnce() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = "alerts:\n  resolve_hold: 0\n" + Self.loadCritical
        var sequence: String? = nil
        try await Self.withAgent(yaml, dir: dir) { agent in
            try await agent.tick(2)
            #expect(Self.load(agent) == ["first critical"])
            sequence = agent.notifications.first { $0.metadata["check"] == "load" }?.metadata["sequence"]
        }
        // Ten minutes later, the same condition: nothing is notified again.
        try await Self.withAgent(yaml, dir: dir, time: ManualTime(wallStart: 1_800_000_600)) { agent in
            try await agent.tick(5)
            #expect(Self.load(agent).isEmpty, "restored, not raised again")
            #expect(agent.logs.records.contains { $0.message == "alert state restored" })
            try agent.write("loadavg", Self.loadFine)
            try await agent.tick(2)
            #expect(Self.load(agent) == ["resolved ok"])
            let resolved = agent.notifications.first { $0.metadata["check"] == "load" }?.metadata["sequence"]
            #expect(resolved.flatMap { UInt64($0) } == sequence.flatMap { UInt64($0) }.map { $0 + 1 }, "the same incident's next message")
        }
    }

    /// Issue 19: a self-healing action through the whole agent on the manual clock, with a real
    /// executable under the plugin runner: it runs once the problem is notified, settles, runs
    /// again, gives up (the check `action` turns critical and is notified like any alert), and
    /// when the problem clears the give-up resolves and the next incident starts afresh.
    @Test func anActionRunsAfterTheDebounceSettlesGivesUpWithAnAlertAndStartsAfreshAfterTheProblemClears() async throws {
        let yaml = """
            alerts:
              resolve_hold: 0
            actions:
              - name: fix-load
                match: [check=load]
                exec: [/usr/bin/false]
                settle: 10s
                give_up_after: 2
                max_per_hour: 10

            """ + Self.loadCritical
        try await Self.withAgent(yaml) { agent in
            let board = try #require(agent.running.sources.actions)
            func attempts() -> [ActionAttempt] { board.current.attempts }
            func action() -> [String] {
                agent.notifications.filter { $0.metadata["check"] == "action" }.map {
                    "\($0.metadata["reason"] ?? "?") \($0.metadata["severity"] ?? "?")"
                }
            }
            _ = try await agent.waitFor("the first attempt") { attempts().count == 1 ? true : nil }
            #expect(Self.load(agent) == ["first critical"], "the action answers a notified problem")
            let first = try #require(attempts().first)
            #expect(first.outcome == .failed && first.detail.hasPrefix("exited 1 after"), "\(first)")
            #expect(
                agent.logs.records.contains { $0.metadata["message_id"] == EventKind.actionFailed.messageID && $0.metadata["action"] == "fix-load" })
            try await agent.tick(5)
            #expect(attempts().count == 1, "settling")
            try await agent.tick(6)
            _ = try await agent.waitFor("the second attempt") { attempts().count == 2 ? true : nil }
            #expect(attempts().last?.number == 2)
            try await agent.tick(11)
            _ = try await agent.waitFor("the give-up") { board.current.givenUp.isEmpty ? nil : true }
            #expect(agent.logs.records.contains { $0.metadata["message_id"] == EventKind.actionGaveUp.messageID })
            try await agent.tick(2)
            #expect(action() == ["first critical"], "the give-up is an alert of its own")
            let alert = try #require(agent.checks.first { $0.check == "action" && $0.resource == "fix-load" })
            #expect(alert.message.hasPrefix("ran /usr/bin/false 2 times in "), "\(alert.message)")
            #expect(alert.message.contains("giving up: load is still critical"), "\(alert.message)")
            try await agent.tick(30)
            #expect(attempts().count == 2, "no attempt after giving up")
            let metrics = MetricsDocument.render(
                agent.state, channels: [], actions: board.counts(agent.state.config), version: "test")
            #expect(metrics.contains("vitals_action_attempts_total{action=\"fix-load\",outcome=\"failed\"} 2"), "\(metrics)")
            // The problem clears: the action's incident ends and its alert resolves.
            try agent.write("loadavg", Self.loadFine)
            try await agent.tick(3)
            #expect(board.current.givenUp.isEmpty)
            #expect(agent.logs.records.contains { $0.metadata["message_id"] == EventKind.actionEnded.messageID })
            try await agent.tick(2)
            #expect(action() == ["first critical", "resolved ok"])
        }
    }
}
