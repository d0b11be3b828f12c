import Synchronization
public import VitalsCore

/// What the agent knows right now, shared between the sampling loop (writer) and the status
/// socket (reader). Values are replaced whole, never edited in place.
public final class AgentState: Sendable {
    /// One consistent reading of the state.
    public struct Contents: Sendable {
        public var config: Config
        public var configFile: String?
        public var snapshot: HostSnapshot?
        public var checks: [CheckStatus] = []
        public var cycles: UInt64 = 0
        /// The latest cycle whose result the alert stage has been through.
        public var alertedCycle: UInt64 = 0
        public var lastCycleEnd: ContinuousClock.Instant?
        public var lastCycleDuration: Duration?
        public var overruns = 0
        public var startedAt: Double
        public var reloads = 0
        public var lastReloadError: String?
        /// Unix time of the last refused reload.
        public var lastReloadErrorAt: Double?
        /// When the last cycle overran its interval.
        public var lastOverrunAt: ContinuousClock.Instant?
        /// Why the alert state (alerts.json) could not be written, until a write succeeds.
        public var stateWriteError: String?
        /// Why the outbox could not be written, until a write succeeds.
        public var outboxWriteError: String?
        /// Every alert the engine tracks, as the state file holds it.
        public var alerts: [PersistedAlert] = []
    }

    private let contents: Mutex<Contents>

    public init(config: Config, configFile: String?, startedAt: Double) {
        contents = Mutex(Contents(config: config, configFile: configFile, startedAt: startedAt))
    }

    /// A copy of the current state.
    public var current: Contents { contents.withLock { $0 } }

    /// The configuration in force.
    public var config: Config { contents.withLock { $0.config } }

    /// Records a finished cycle.
    public func recordCycle(_ snapshot: HostSnapshot, checks: [CheckStatus], took: Duration, endedAt: ContinuousClock.Instant) {
        contents.withLock {
            $0.snapshot = snapshot
            $0.checks = checks
            $0.cycles = snapshot.cycle
            $0.lastCycleEnd = endedAt
            $0.lastCycleDuration = took
        }
    }

    /// Counts a cycle that ran past its next tick.
    public func recordOverrun(at instant: ContinuousClock.Instant = .now) {
        contents.withLock {
            $0.overruns += 1
            $0.lastOverrunAt = instant
        }
    }

    /// The outcome of the latest alert-state write: nil when it succeeded, else why it failed.
    public func recordStateWrite(error: String?) { contents.withLock { $0.stateWriteError = error } }

    /// The outcome of the latest outbox write: nil when it succeeded, else why it failed.
    public func recordOutboxWrite(error: String?) { contents.withLock { $0.outboxWriteError = error } }

    /// Swaps in a reloaded configuration.
    public func replace(config: Config, file: String?) {
        contents.withLock {
            $0.config = config
            $0.configFile = file
            $0.reloads += 1
            $0.lastReloadError = nil
        }
    }

    /// Records that the alert stage has been through a cycle's result.
    public func recordAlerted(cycle: UInt64) { contents.withLock { $0.alertedCycle = max($0.alertedCycle, cycle) } }

    /// Publishes the alert engine's state.
    public func recordAlerts(_ alerts: [PersistedAlert]) { contents.withLock { $0.alerts = alerts } }

    /// Remembers why the last reload was refused.
    public func recordReloadError(_ text: String, at wall: Double = WallClock.now()) {
        contents.withLock {
            $0.lastReloadError = text
            $0.lastReloadErrorAt = wall
        }
    }
}
