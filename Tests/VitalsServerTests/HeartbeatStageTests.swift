import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing
import VitalsCore
import VitalsNotify
import VitalsTestKit
import VitalsTestSupport

@testable import VitalsDaemon

/// The heartbeat stage in process (issue 19) on a manual clock, calling the real HTTP receiver:
/// a ping while every stage makes progress, the fail URL with the overdue stage named once a
/// stage misses its deadline, nothing without a fail URL, and a ping again on recovery. Off the
/// cooperative pool: starting the receiver blocks, and a starved pool would resume the call after
/// its deadline has passed.
@Suite(.serialized, .offThePool) struct HeartbeatStageTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func pingsFailsWithTheOverdueStageHoldsWithoutAFailURLAndRecovers() async throws {
        let d = NSTemporaryDirectory() + "vitals-hb-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: d) }
        let sink = try Peer("webhook-sink", dir: d + "/sink")
        defer { sink.stop() }
        let base = sink["WEBHOOK_SINK_URL"]
        let time = ManualTime()
        let tracker = ProgressTracker(clock: time.clock)
        tracker.register("sampling", deadline: .seconds(30))
        let settings = HeartbeatConfig(url: .text(base + "/hb"), failURL: .text(base + "/hb/fail"), interval: .seconds(60), timeout: .seconds(30))
        let state = AgentState(config: Config(), configFile: nil, startedAt: time.wall)
        // Its own event loop: a shared one may be busy with another test's work.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let board = HeartbeatBoard(HeartbeatStatus(target: HeartbeatConfig.shown(base), intervalSeconds: 60))
        let service = HeartbeatService(
            board: board, tracker: tracker, delivery: Delivery(store: nil), state: state, logger: Self.quiet, clock: time.clock,
            makePinger: { HeartbeatPinger(settings: $0, group: group) })
        let pinger = HeartbeatPinger(settings: settings, group: group)
        func paths() -> [String] { jsonLines(sink["WEBHOOK_SINK_REQUESTS"]).compactMap { $0["path"] as? String } }

        #expect(await service.tick(settings: settings, pinger: pinger, previous: nil) == "ping")
        #expect(paths() == ["/hb"], "\(String(describing: board.current))")
        #expect(board.current?.pings == 1 && board.current?.lastResult == "HTTP 200")

        // Sampling misses its 30 s deadline: the fail URL gets the stage's name.
        time.advance(by: .seconds(45))
        #expect(await service.tick(settings: settings, pinger: pinger, previous: "ping") == "fail")
        #expect(paths() == ["/hb", "/hb/fail"])
        let body = jsonLines(sink["WEBHOOK_SINK_REQUESTS"]).last?["body"] as? String ?? ""
        #expect(body.contains("is degraded: stage overdue: sampling made no progress for 45s (deadline 30s)"), "\(body)")
        #expect(board.current?.failPings == 1 && board.current?.lastReason?.hasPrefix("stage overdue: sampling") == true)

        // Without a fail URL nothing is called while degraded: the outside service sees silence.
        var noFail = settings
        noFail.failURL = nil
        #expect(await service.tick(settings: noFail, pinger: HeartbeatPinger(settings: noFail, group: group), previous: "fail") == "held")
        #expect(paths().count == 2)
        #expect(board.current?.held == 1)

        // Sampling moves again: a ping.
        tracker.progress("sampling")
        #expect(await service.tick(settings: settings, pinger: pinger, previous: "held") == "ping")
        #expect(paths() == ["/hb", "/hb/fail", "/hb"])
        #expect(board.current?.pings == 2 && board.current?.errors == 0)
        try await group.shutdownGracefully()
    }

    @Test func theScheduleWaitsForTheFirstCycleAndFollowsAReloadedConfig() async throws {
        let d = NSTemporaryDirectory() + "vitals-hb-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: d) }
        let sink = try Peer("webhook-sink", dir: d + "/sink")
        defer { sink.stop() }
        let time = ManualTime()
        var config = Config()
        config.heartbeat = HeartbeatConfig(url: .text(sink["WEBHOOK_SINK_URL"] + "/a"), interval: .seconds(60), method: .get, timeout: .seconds(30))
        let state = AgentState(config: config, configFile: nil, startedAt: time.wall)
        // Its own event loop: a shared one may be busy with another test's work.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let board = HeartbeatBoard(nil)
        let service = HeartbeatService(
            board: board, tracker: ProgressTracker(clock: time.clock), delivery: Delivery(store: nil), state: state, logger: Self.quiet,
            clock: time.clock, makePinger: { HeartbeatPinger(settings: $0, group: group) })
        let running = Task { try await service.run() }
        defer { running.cancel() }
        func requests() -> [[String: Any]] { jsonLines(sink["WEBHOOK_SINK_REQUESTS"]) }
        /// Advances the manual clock in steps until `condition` holds (each step lets the service run).
        func advance(_ total: Duration, step: Duration = .seconds(1), until condition: () -> Bool = { false }) async throws {
            var moved = Duration.zero
            while moved < total && !condition() {
                time.advance(by: step)
                moved += step
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        try await advance(.seconds(5))
        #expect(requests().isEmpty, "no call before the first cycle")
        state.recordCycle(HostSnapshot(timestamp: time.wall, cycle: 1), checks: [], took: .milliseconds(5), endedAt: time.now)
        for _ in 0..<300 where requests().isEmpty {
            time.advance(by: .seconds(1))
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(requests().count == 1)
        #expect(requests().first?["method"] as? String == "GET" && requests().first?["path"] as? String == "/a")
        // One interval later, the next; not before.
        try await advance(.seconds(50))
        #expect(requests().count == 1)
        try await advance(.seconds(20), until: { requests().count >= 2 })
        #expect(requests().count == 2)
        // A reload that changes the URL takes effect at the next tick; one that removes the section stops the calls.
        var changed = config
        changed.heartbeat?.url = .text(sink["WEBHOOK_SINK_URL"] + "/b")
        state.replace(config: changed, file: nil)
        try await advance(.seconds(70), until: { requests().contains { $0["path"] as? String == "/b" } })
        #expect(requests().last?["path"] as? String == "/b")
        var removed = changed
        removed.heartbeat = nil
        state.replace(config: removed, file: nil)
        try await advance(.seconds(65))
        let count = requests().count
        try await advance(.seconds(130))
        #expect(requests().count == count, "no calls once the section is gone")
        #expect(board.current == nil)
        running.cancel()
        _ = await running.result
        try await group.shutdownGracefully()
    }
}
