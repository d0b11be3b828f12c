public import Logging
public import ServiceLifecycle
public import VitalsCore
public import VitalsSamplers
public import VitalsSystemd

/// Samples the host every `interval` on a monotonic schedule anchored at start (tick n runs at
/// start + n x interval, so the schedule does not drift), evaluates the built-in checks, logs every
/// transition, publishes their states to `AgentState`, and hands each cycle's result to the alert
/// stage (`AlertService`), which adds the custom checks' and the channels' and does the writes. A
/// cycle that overruns skips the ticks it missed instead of running back to back.
public struct SamplingService: Service {
    let state: AgentState
    let cycle: SamplingCycle
    let logger: Logger
    let notifier: SystemdNotifier
    let clock: AgentClock
    let maxCycles: UInt64?
    let tracker: ProgressTracker?
    /// Where each cycle's result goes for alerting (nil: sampling only, no alert stage).
    let results: CycleResults?
    /// The checks' states before the restart (`AlertDispatcher.restoredStates`).
    let restored: [CheckKey: Severity]

    /// The longest a healthy sampling loop stays silent: as long as its results stay fresh.
    public static func deadline(_ config: Config) -> Duration { config.cycleStaleAfter }
    let releaseStartupPages: Bool
    /// The thread the loop runs on (`LoopExecutor`); nil: Swift's default pool.
    let loop: LoopExecutor?

    /// `maxCycles` stops the loop after that many cycles (for `--cycles` and tests);
    /// `releaseStartupPages` hands the executable's start-up pages back (`StartupPages.Schedule`;
    /// off where the agent runs inside another program, such as a test).
    public init(
        state: AgentState, cycle: SamplingCycle, logger: Logger, notifier: SystemdNotifier = SystemdNotifier(),
        clock: AgentClock, maxCycles: UInt64? = nil, tracker: ProgressTracker? = nil,
        results: CycleResults? = nil, restored: [CheckKey: Severity] = [:], releaseStartupPages: Bool = false,
        loop: LoopExecutor? = nil
    ) {
        self.loop = loop
        self.releaseStartupPages = releaseStartupPages
        self.restored = restored
        self.tracker = tracker
        self.results = results
        self.state = state
        self.cycle = cycle
        self.logger = logger
        self.notifier = notifier
        self.clock = clock
        self.maxCycles = maxCycles
    }

    public func run() async throws {
        if let loop {
            try await withTaskExecutorPreference(loop) { try await sample() }
        } else {
            try await sample()
        }
    }

    private func sample() async throws {
        var evaluator = CheckEvaluator<ContinuousClock.Instant>()
        evaluator.seed(restored)
        // The alert stage takes the last result and stops once sampling does.
        defer { results?.finish() }
        var schedule = TickSchedule(interval: state.config.interval, start: clock.now)
        var number: UInt64 = 0
        var pages = StartupPages.Schedule()
        let began = clock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let started = clock.now
            number += 1
            let snapshot = await cycle.run(cycle: number, timestamp: clock.wall, at: started)
            let config = state.config
            var keep = Set<CheckKey>()
            for obs in snapshot.observations() {
                guard let spec = config.spec(for: obs.key), spec.enabled else { continue }
                keep.insert(obs.key)
                if let t = evaluator.evaluate(obs, spec: spec, at: started, timestamp: snapshot.timestamp) {
                    log(t)
                }
            }
            evaluator.retain(only: keep)
            for report in snapshot.samplers where report.outcome == .failed {
                logger.warning(
                    "sampler failed",
                    metadata: [
                        LogKey.messageID: "\(EventKind.samplerFailed.messageID)", "sampler": "\(report.name)", "error": "\(report.error ?? "")",
                    ])
            }
            let ended = clock.now
            let took = started.duration(to: ended)
            let wall = clock.wall
            let statuses = evaluator.statuses
            state.recordCycle(snapshot, checks: statuses, took: took, endedAt: ended)
            // READY=1 before the result goes on: the alert stage's STATUS= lines come after it.
            // Without an alert stage, sampling keeps STATUS= itself.
            let line = StatusLine.text(statuses, took: took)
            if number == 1 { notifier.ready(status: line) } else if results == nil { notifier.status(line) }
            // Start-up is over once a few cycles have gone through every stage, and its late
            // one-off work once every compiled-in check has run (issue 17).
            if releaseStartupPages, pages.due(cycle: number, uptime: began.duration(to: ended)) { StartupPages.release() }
            results?.publish(CycleResult(snapshot: snapshot, statuses: statuses, config: config, endedAt: ended, wall: wall, took: took))
            tracker?.register("sampling", deadline: Self.deadline(state.config))
            tracker?.progress("sampling")
            if let maxCycles, number >= maxCycles { return }

            let now = clock.now
            let next = schedule.next(after: started, now: now, interval: state.config.interval)
            if next.skipped > 0 {
                state.recordOverrun(at: now)
                logger.warning(
                    "sampling cycle overran its interval; skipping missed ticks",
                    metadata: [
                        LogKey.messageID: "\(EventKind.cycleOverrun.messageID)", "skipped": "\(next.skipped)",
                        "duration_ms": "\(took.seconds * 1000)",
                    ])
            }
            let deadline = next.at
            do {
                try await clock.sleepUnlessShuttingDown(until: deadline)
            } catch {
                return
            }
        }
    }
    private func log(_ t: Transition) { logger.logTransition(t) }
}

extension Logger {
    /// One check's change of state (or first result), with MESSAGE_ID vitals-check-transition.
    func logTransition(_ t: Transition) {
        let s = t.status
        var meta: Logger.Metadata = [
            LogKey.messageID: "\(EventKind.checkTransition.messageID)",
            LogKey.check: "\(s.check)",
            LogKey.severity: "\(t.to)",
        ]
        if !s.resource.isEmpty { meta[LogKey.resource] = "\(s.resource)" }
        if let v = s.value { meta[LogKey.value] = "\(Units.formatNumber(v))" }
        if let th = s.threshold { meta[LogKey.threshold] = "\(Units.formatNumber(th))" }
        if s.notApplicable == true {
            // Said once, at notice: the check stays out of the alerts for as long as this holds.
            log(level: .notice, "check not applicable here: \(s.message)", metadata: meta)
            return
        }
        let level: Logger.Level =
            switch t.to {
            case .critical: .error
            case .warning, .stale: .warning
            case .unknown: t.from == nil ? .info : .warning
            case .ok: t.from == nil ? .debug : .notice
            }
        if let from = t.from { meta[LogKey.oldSeverity] = "\(from)" } else { meta[LogKey.oldSeverity] = nil }
        log(level: level, "\(t.from.map { "\($0) -> " } ?? "first result: ")\(t.to): \(s.message)", metadata: meta)
    }
}
