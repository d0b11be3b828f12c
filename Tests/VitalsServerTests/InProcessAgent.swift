import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import VitalsConfig
import VitalsCore
import VitalsDaemon
import VitalsTestKit

/// The whole agent (`Agent.run`: every service, the status socket, the state directory) in this
/// process on a manual clock: a test moves time with `advance(by:)` and waits for what the agent
/// does with it, instead of sleeping while a binary runs. Its /proc is a copy of a fixture the
/// test may rewrite; its log is captured. Stopped by a graceful shutdown, as SIGTERM would.
final class InProcessAgent: Sendable {
    let time: ManualTime
    let dir: String
    let proc: String
    let logs: LogCapture
    let running: Agent.Running
    let task: Task<Void, any Error>

    /// Starts the agent on `yaml` (its procfs_root is set to the fixture copy) and waits for its
    /// first cycle. `dir` keeps the state between a stop and the next start (a restart).
    static func start(_ yaml: String, dir: String, time: ManualTime = ManualTime(), fixture: String = "debian12") async throws -> InProcessAgent {
        let proc = dir + "/proc"
        if !FileManager.default.fileExists(atPath: proc) {
            try FileManager.default.copyItem(atPath: Fixtures.path("proc/\(fixture)"), toPath: proc)
        }
        // From a file, as the agent reads it (a `plugins.directory` of custom checks included).
        try ("procfs_root: \(proc)\n" + yaml).write(toFile: dir + "/vitals.yaml", atomically: true, encoding: .utf8)
        let loaded = try ConfigLoader.load(path: dir + "/vitals.yaml", environment: [:])
        let logs = LogCapture()
        let logger = Logger(label: "vitals") { _ in logs.handler }
        let box = Mutex<Agent.Running?>(nil)
        // Off the cooperative pool, which other tests of the run may block (DispatchTaskExecutor).
        let task = Task(executorPreference: DispatchTaskExecutor.shared) {
            try await Agent.run(
                loaded: loaded, load: { loaded }, logger: logger, socketPath: dir + "/vitals.sock", stateDirectory: dir + "/state",
                // Not a subreaper: this process's other children belong to other tests.
                clock: time.clock, shutdownSignals: [], containRuns: false, releaseStartupPages: false, started: { r in box.withLock { $0 = r } })
        }
        let running = try await waitFor("the agent starts") { box.withLock { $0 } }
        let agent = InProcessAgent(time: time, dir: dir, proc: proc, logs: logs, running: running, task: task)
        _ = try await agent.waitFor("the first cycle") { agent.state.cycles >= 1 ? true : nil }
        try await agent.settle()
        return agent
    }

    private init(time: ManualTime, dir: String, proc: String, logs: LogCapture, running: Agent.Running, task: Task<Void, any Error>) {
        self.time = time
        self.dir = dir
        self.proc = proc
        self.logs = logs
        self.running = running
        self.task = task
    }

    /// What `/v1/status` would show now.
    var state: AgentState.Contents { running.state.current }

    /// Every check's state as `/v1/status` lists it now: the sampled ones, then the custom
    /// checks and the channels (`CheckSources`).
    var checks: [CheckStatus] {
        let c = state
        return c.checks + running.sources.statuses(c.config, now: time.now, wall: time.wall)
    }

    /// The notifications the `log` channel (the default route) has written so far.
    var notifications: [LogCapture.Record] { logs.records.filter { $0.metadata["message_id"] == EventKind.alertNotification.messageID } }

    /// Moves the clock and waits until the agent has done what falls due by then and sleeps again.
    func advance(by d: Duration) async throws {
        time.advance(by: d)
        try await settle()
    }

    /// Moves the clock a second at a time (one sampling cycle each on a 1 s interval).
    func tick(_ seconds: Int) async throws {
        for _ in 0..<seconds { try await advance(by: .seconds(1)) }
    }

    /// Waits until the sampling result of the latest cycle has gone through the alert stage and
    /// delivery, and every service sleeps on the clock again.
    func settle() async throws {
        var quiet = 0
        _ = try await waitFor("the agent settles") { () -> Bool? in
            // The services that sleep on the clock: sampling, the plugin runs, delivery, and the
            // heartbeat (which looks at the configuration every 10 s when it has none).
            let busy = running.delivery.channels.contains { $0.inFlight } || !running.alertStageIdle || time.sleeping < 4
            quiet = busy ? 0 : quiet + 1
            // Idle on several looks in a row: a wake-up in flight has time to show.
            return quiet >= 5 ? true : nil
        }
    }

    /// Polls `value` in real time (the agent's work is real I/O) until it is non-nil.
    func waitFor<T>(_ what: String, timeout: Double = 60, _ value: () throws -> T?) async throws -> T {
        try await Self.waitFor(what, timeout: timeout, value)
    }

    /// The timeout is generous (a loaded CI machine); a test waits only as long as it takes.
    static func waitFor<T>(_ what: String, timeout: Double = 60, _ value: () throws -> T?) async throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let v = try value() { return v }
            guard Date() < deadline else { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw InProcessAgentError(description: "timed out after \(timeout) s waiting until \(what)")
    }

    /// Writes a file of the /proc copy (e.g. `loadavg`).
    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: proc + "/" + name, atomically: true, encoding: .utf8)
    }

    /// Stops the agent as SIGTERM would and waits for it to finish.
    func stop() async throws {
        await running.group.triggerGracefulShutdown()
        // Sleepers on the manual clock are woken by the shutdown's cancellation.
        try await task.value
    }
}

struct InProcessAgentError: Error, CustomStringConvertible {
    var description: String
}

/// A log handler that keeps every record, for assertions on what the agent logged.
final class LogCapture: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let store = Mutex<[Record]>([])

    var records: [Record] { store.withLock { $0 } }

    var handler: Handler { Handler(capture: self) }

    func append(_ r: Record) { store.withLock { $0.append(r) } }

    /// The handler the logger writes to.
    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var all = metadata
            if let m = event.metadata { all.merge(m) { _, b in b } }
            capture.append(Record(level: event.level, message: "\(event.message)", metadata: all.mapValues { "\($0)" }))
        }
    }
}
