public import Logging
public import ServiceLifecycle
import Synchronization
public import VitalsCore
import VitalsPlugins

#if canImport(Dispatch)
    import Dispatch
#endif

/// The latest result of every custom check, debounced, written by the plugin runs and read by
/// the sampling cycle.
public final class PluginResults: Sendable {
    struct Entry: Sendable {
        var debouncer: Debouncer<ContinuousClock.Instant>
        var result: PluginResult
        var finishedWall: Double
        var finishedAt: ContinuousClock.Instant
        var sinceWall: Double
        var pending: String?
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// The states the checks had before a restart (from the alert state), by check name.
    private let baseline: Mutex<[String: Severity]>
    /// When the service started: a check without any result for two intervals since then is stale.
    let started: ContinuousClock.Instant

    /// `baseline`: each check's state before a restart, so its first result is debounced against
    /// that rather than ok (a notified problem is neither resolved nor raised again by a restart).
    public init(started: ContinuousClock.Instant, baseline: [String: Severity] = [:]) {
        self.started = started
        self.baseline = Mutex(baseline)
    }

    /// Records one run's result; returns the change of the check's (debounced) state, if any.
    @discardableResult
    func record(_ check: CheckDefinition, _ result: PluginResult, at now: ContinuousClock.Instant, wall: Double) -> Transition? {
        entries.withLock { all in
            let start = baseline.withLock { $0[check.name] } ?? .ok
            var e =
                all[check.name] ?? Entry(debouncer: Debouncer(baseline: start), result: result, finishedWall: wall, finishedAt: now, sinceWall: wall)
            // The state shown so far (nil before the first result): debounced, or unknown at once.
            let before = all[check.name]?.result.severity
            let wasNotApplicable = all[check.name]?.result.notApplicable ?? false
            let state: Severity
            if result.severity.isKnown {
                state = e.debouncer.feed(result.severity, raise: .samples(check.raiseAfter), clear: .samples(check.clearAfter), at: now)
            } else {
                e.debouncer.interrupt()
                state = result.severity
            }
            if state != before { e.sinceWall = wall }
            var shown = result
            shown.severity = state
            if state != result.severity {
                // A change still waiting for its debounce keeps the old state and says so.
                shown.message = e.result.message
            }
            e.result = shown
            e.pending = e.debouncer.describePending(at: now, counting: "results")
            e.finishedWall = wall
            e.finishedAt = now
            all[check.name] = e
            let newlyNotApplicable = result.notApplicable && (before == nil || !wasNotApplicable)
            guard state != before || newlyNotApplicable else { return nil }
            var status = CheckStatus(
                check: check.name, resource: "", severity: state, message: shown.message, value: nil, threshold: nil, since: wall,
                evaluatedAt: wall, pending: nil)
            if result.notApplicable { status.notApplicable = true }
            return Transition(key: CheckKey(check: check.name), from: before, to: state, status: status)
        }
    }

    /// The debounced state of a check, for `depends_on`.
    func state(of name: String) -> Severity? { entries.withLock { $0[name]?.result.severity } }

    /// The checks' states for this cycle: the latest result, or `stale` when none came for two
    /// intervals. Checks no longer configured are dropped.
    public func statuses(_ checks: [CheckDefinition], now: ContinuousClock.Instant, wall: Double) -> [CheckStatus] {
        entries.withLock { all in
            let names = Set(checks.map(\.name))
            all = all.filter { names.contains($0.key) }
            var out: [CheckStatus] = []
            for c in checks {
                let limit = Staleness.limit(interval: c.interval, runTime: c.timeout)
                if let e = all[c.name] {
                    let age = e.finishedAt.duration(to: now)
                    if age > limit {
                        out.append(
                            CheckStatus(
                                check: c.name, resource: "", severity: .stale,
                                message:
                                    "no result for \(Units.formatDuration(.seconds(Int64(age.seconds)))) (interval \(Units.formatDuration(c.interval))); last: \(e.result.message)",
                                value: nil, threshold: nil, since: e.finishedWall + limit.seconds, evaluatedAt: wall, pending: nil))
                    } else {
                        var status = CheckStatus(
                            check: c.name, resource: "", severity: e.result.severity, message: e.result.message, value: nil, threshold: nil,
                            since: e.sinceWall, evaluatedAt: e.finishedWall, pending: e.pending)
                        status.perfdata = e.result.perfData.isEmpty ? nil : e.result.perfData
                        if e.result.notApplicable { status.notApplicable = true }
                        out.append(status)
                    }
                } else if let held = baseline.withLock({ $0[c.name] }), started.duration(to: now) <= limit + c.interval {
                    // Not run yet since the restart: it keeps the state its alert had, so the alert
                    // is neither forgotten (and resolved) nor raised again while the first run comes.
                    out.append(
                        CheckStatus(
                            check: c.name, resource: "", severity: held, message: "\(held) before the restart; waiting for the first run",
                            value: nil, threshold: nil, since: wall, evaluatedAt: wall, pending: nil))
                } else if started.duration(to: now) > limit + c.interval {
                    out.append(
                        CheckStatus(
                            check: c.name, resource: "", severity: .stale,
                            message:
                                "no result since the agent started \(Units.formatDuration(.seconds(Int64(started.duration(to: now).seconds)))) ago (interval \(Units.formatDuration(c.interval)))",
                            value: nil, threshold: nil, since: wall, evaluatedAt: wall, pending: nil))
                }
            }
            return out
        }
    }
}

/// Runs the custom checks on their intervals: a bounded pool of runs on threads of their own
/// (never the event loop or the sampling loop, which never wait for a plugin), never two runs of
/// one check at once, jittered starts. Each run checks the plugin's path first, then its
/// dependencies, then runs it; the result goes to `PluginResults`. Between two passes it sleeps
/// until the next check falls due; a finished run or a reload (`poke()`) wakes it earlier.
public struct PluginService: Service {
    let state: AgentState
    let results: PluginResults
    let logger: Logger
    let clock: AgentClock
    let environment: [String: String]
    let bell = Doorbell()

    /// The longest the loop sleeps when no check is scheduled (none configured).
    static let idleWake: Duration = .seconds(60)

    /// Asks the loop to look at the schedule now (the configuration was reloaded).
    public func poke() { bell.ring() }

    public init(state: AgentState, results: PluginResults, logger: Logger, clock: AgentClock, environment: [String: String]) {
        self.state = state
        self.results = results
        self.logger = logger
        self.clock = clock
        self.environment = environment
    }

    public func run() async throws {
        let schedule = ScheduleBox(PluginSchedule(maxConcurrent: state.config.plugins.maxConcurrent))
        let queue = DispatchQueue(label: "vitals.plugins", attributes: .concurrent)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let config = state.config
            let now = clock.now
            let due = schedule.m.withLock { s in
                s.maxConcurrent = config.plugins.maxConcurrent
                return s.due(config.checks, now: now)
            }
            for check in due {
                queue.async { [results, environment, logger, clock, bell] in
                    let started = clock.now
                    let result = CheckExecutor.run(check, environment: environment, dependencyState: { results.state(of: $0) }).result
                    if let t = results.record(check, result, at: clock.now, wall: clock.wall) { logger.logTransition(t) }
                    if result.cause == .refused {
                        logger.warning("custom check refused", metadata: [LogKey.check: "\(check.name)", "error": "\(result.message)"])
                    }
                    schedule.m.withLock { $0.finished(check, started: started) }
                    // Its next run, and a run the pool's bound held back, are scheduled now.
                    bell.ring()
                }
            }
            // Sleep until the next check falls due; a finished run or a reload rings earlier.
            let wake = schedule.m.withLock { $0.earliest } ?? now.advanced(by: Self.idleWake)
            let until = max(wake, now.advanced(by: .milliseconds(20)))
            await cancelWhenGracefulShutdown { await bell.wait(until: until, clock: clock) }
        }
    }

    /// The schedule, shared with the runs that finish on the pool's threads.
    final class ScheduleBox: Sendable {
        let m: Mutex<PluginSchedule<ContinuousClock.Instant>>
        init(_ s: PluginSchedule<ContinuousClock.Instant>) { m = Mutex(s) }
    }
}
