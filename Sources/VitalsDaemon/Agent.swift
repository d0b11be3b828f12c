public import Logging
import NIOCore
import NIOPosix
public import ServiceLifecycle
public import UnixSignals
public import VitalsConfig
public import VitalsCore
import VitalsNotify
import VitalsPlugins
import VitalsSamplers
import VitalsServer
public import VitalsSystemd

#if canImport(Glibc)
    import Glibc
#endif

/// Wires the agent: state, samplers, status socket, reload, and runs them as one service group
/// that stops gracefully on SIGTERM or SIGINT (in reverse order).
public enum Agent {
    public static let version = "0.1.0"

    /// Runs until a shutdown signal (or `maxCycles` cycles). `load` reads the configuration; it is
    /// called again on SIGHUP. The status socket is `inheritedSocket` when systemd passed one
    /// (socket activation), else a new one at `socketPath`. `logFlush`, when given, is called
    /// every few seconds and once at shutdown with `final` true (the log flood summaries).
    ///
    /// Every service runs on `clock`. Tests run the whole agent in process on a manual clock, with
    /// no shutdown signals, and get hold of it through `started` (to read its state and stop it).
    /// `containRuns` makes the process a child subreaper that kills whatever a plugin run leaves
    /// behind (`RunContainment`): every child of the agent is a plugin run, so any other child is
    /// an orphan to kill. A test process has children of its own and runs the agent without it.
    /// `releaseStartupPages` hands the executable's start-up pages back to the kernel after the
    /// first cycles (`StartupPages`); a test process keeps its own.
    public static func run(
        loaded: LoadedConfig, load: @escaping @Sendable () throws(ConfigErrors) -> LoadedConfig, logger: Logger,
        socketPath: String, stateDirectory: String? = nil, inheritedSocket: SocketActivation.Inherited? = nil,
        logFlush: (@Sendable (_ final: Bool) -> Void)? = nil, maxCycles: UInt64? = nil,
        clock: AgentClock = .system, shutdownSignals: [UnixSignal] = [.sigterm, .sigint], containRuns: Bool = true,
        releaseStartupPages: Bool = true, started: (@Sendable (Running) -> Void)? = nil
    ) async throws {
        let notifier = SystemdNotifier()
        // Every child of the agent is a plugin run: what a run leaves behind dies with it.
        if containRuns && !RunContainment.shared.enable() {
            logger.warning("cannot become a child subreaper; a plugin's setsid'd descendants may outlive its run")
        }
        let state = AgentState(config: loaded.config, configFile: loaded.file, startedAt: clock.wall)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var store: AlertStore? = nil
        var controlsDirectory: String? = nil
        if let dir = stateDirectory {
            do {
                try AlertStore.prepare(directory: dir)
                store = AlertStore(directory: dir)
                controlsDirectory = dir
            } catch {
                logger.error(
                    "alert state cannot be kept; alerts, silences and acknowledgements work in memory only",
                    metadata: [LogKey.messageID: "\(EventKind.alertStateProblem.messageID)", "error": "\(error.description)"])
            }
        }
        // The disks' fill histories survive a restart beside the alert state.
        // The sampling stage runs on its own thread, which keeps every service's timers and the
        // statvfs deadline too (`LoopExecutor`, issue 17): no libdispatch timer thread wakes. The
        // watchdog keeps the host's clock, so it still wakes, and names the stuck part, should that
        // thread stop. A test's manual clock keeps its own sleeps.
        let loop = LoopExecutor.sampling
        let watchdogClock = clock
        let clock = clock.source is SystemTime ? AgentClock(source: LoopTime(loop: loop)) : clock
        let cycle = SamplingCycle.standard(
            config: loaded.config, statvfs: StatvfsWorker(timers: loop), historyFile: controlsDirectory.map { $0 + "/forecast-history" })
        for problem in cycle.forecaster?.load(now: clock.wall) ?? [] {
            logger.warning("\(problem)", metadata: [LogKey.messageID: "\(EventKind.alertStateProblem.messageID)"])
        }
        let controls = ControlStore(directory: controlsDirectory)
        AlertDispatcher.restoreControls(controls, logger: logger, wall: clock.wall)
        let instance = Hostname.current()
        let tracker = ProgressTracker(clock: clock)
        let delivery = Delivery(store: controlsDirectory.map { OutboxStore(stateDirectory: $0) })
        delivery.configure(loaded.config.notify.channels)
        if let dir = controlsDirectory {
            do {
                try OutboxStore(stateDirectory: dir).prepare()
                let (count, problems) = delivery.restore(wall: clock.wall)
                for p in problems { logger.error("\(p)", metadata: [LogKey.messageID: "\(EventKind.deliveryFailed.messageID)"]) }
                if count > 0 {
                    logger.notice("outbox restored: \(count) message\(count == 1 ? "" : "s") still to deliver", metadata: ["outbox": "\(count)"])
                }
            } catch {
                logger.error(
                    "the outbox cannot be kept on disk; messages wait in memory only",
                    metadata: [LogKey.messageID: "\(EventKind.deliveryFailed.messageID)", "error": "\(error.description)"])
            }
        }
        let deliveryService = DeliveryService(
            delivery: delivery, state: state, group: group, logger: logger, instance: instance, clock: clock, tracker: tracker)
        tracker.register("delivery", deadline: .seconds(30))
        let alerts = AlertDispatcher(
            policy: loaded.config.alerts, store: store, controls: controls, instance: instance, logger: logger, state: state, now: clock.now,
            wall: clock.wall,
            delivery: delivery, poke: { deliveryService.poke() })
        tracker.register("sampling", deadline: SamplingService.deadline(loaded.config))
        let restored = alerts.restoredStates
        let pluginResults = PluginResults(
            started: clock.now,
            baseline: Dictionary(restored.filter { $0.key.resource.isEmpty }.map { ($0.key.check, $0.value) }) { a, _ in a })
        // The self-healing actions' ledger (the hourly budget and give-ups survive a restart).
        let actions = ActionBoard(stateDirectory: controlsDirectory)
        if let problem = actions.load(definitions: loaded.config.actions, wall: clock.wall) {
            logger.warning("\(problem)", metadata: [LogKey.messageID: "\(EventKind.alertStateProblem.messageID)"])
        }
        // The checks sampling does not run: read by the alert stage and by the status socket.
        let sources = CheckSources(plugins: pluginResults, delivery: delivery, actions: actions)
        let heartbeat = HeartbeatBoard(nil)
        let routes = Routes(
            state: state, controls: controls, version: version, pid: getpid(), now: { clock.now }, wall: { clock.wall }, logger: logger,
            delivery: delivery, sources: sources, heartbeat: heartbeat)
        let server =
            if let inherited = inheritedSocket {
                StatusServer(inheritedDescriptor: inherited.descriptor, path: inherited.path, group: group, handler: { routes.handle($0) })
            } else {
                StatusServer(path: socketPath, group: group, handler: { routes.handle($0) })
            }
        do {
            try await server.start()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        // The optional TCP listener for Prometheus: GET /metrics only, read-only.
        var metricsServer: StatusServer? = nil
        if let address = loaded.config.metricsListen {
            let m = StatusServer(tcp: address, group: group) { request in
                guard request.path == "/metrics" else {
                    return .error(404, "this listener serves GET /metrics only; the status API is on the unix socket")
                }
                return routes.handle(request)
            }
            do {
                try await m.start()
                metricsServer = m
                logger.notice("metrics listener on \(address)", metadata: ["listen": "\(address)"])
            } catch {
                logger.error(
                    "cannot listen on \(address) for /metrics (\(error)); the agent runs without it: choose a free port in metrics.listen",
                    metadata: ["listen": "\(address)"])
            }
        }
        logger.notice(
            "vitals agent started",
            metadata: [
                LogKey.messageID: "\(EventKind.agentStarted.messageID)", "socket": "\(server.path)",
                "socket_activated": "\(server.isInherited)",
                "config": "\(loaded.file ?? "none (embedded defaults)")", "interval": "\(Units.formatDuration(loaded.config.interval))",
                "procfs_root": "\(loaded.config.procfsRoot)", "version": "\(version)",
            ])
        let cycleResults = CycleResults()
        let alerting = AlertService(results: cycleResults, dispatcher: alerts, tracker: tracker, sources: sources, notifier: notifier)
        let sampling = SamplingService(
            state: state, cycle: cycle, logger: logger, notifier: notifier, clock: clock, maxCycles: maxCycles,
            tracker: tracker, results: cycleResults, restored: restored, releaseStartupPages: releaseStartupPages, loop: loop)
        let plugins = PluginService(state: state, results: pluginResults, logger: logger, clock: clock, environment: DefaultPaths.environment())
        let reload = ReloadService(
            state: state, cycle: cycle, logger: logger, notifier: notifier,
            applied: {
                plugins.poke()
                deliveryService.poke()
            }, load: load)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: StatusSocketService(server: server)),
            .init(service: reload),
            .init(service: plugins, successTerminationBehavior: .ignore),
            .init(service: deliveryService, successTerminationBehavior: .ignore),
            .init(
                service: WatchdogService(tracker: tracker, notifier: notifier, logger: logger, clock: watchdogClock),
                successTerminationBehavior: .ignore),
            .init(
                service: HeartbeatService(
                    board: heartbeat, tracker: tracker, delivery: delivery, state: state, logger: logger, clock: clock,
                    makePinger: { HeartbeatPinger(settings: $0, group: group) }),
                successTerminationBehavior: .ignore),
        ]
        services.append(
            .init(
                service: ActionService(board: actions, logger: logger, clock: clock, environment: DefaultPaths.environment()),
                successTerminationBehavior: .ignore))
        if let metricsServer { services.append(.init(service: StatusSocketService(server: metricsServer), successTerminationBehavior: .ignore)) }
        if let logFlush {
            services.append(
                .init(
                    service: PeriodicService(period: .seconds(5), clock: clock, action: { logFlush(false) }, final: { logFlush(true) }),
                    successTerminationBehavior: .ignore))
        }
        // The alert stage before sampling: a shutdown reaches sampling first, which ends the
        // stream, so the alert stage finishes the last cycle's result and then stops.
        services.append(.init(service: alerting, successTerminationBehavior: .ignore))
        // Sampling ends the group when it stops on its own (a --cycles run).
        services.append(.init(service: sampling, successTerminationBehavior: .gracefullyShutdownGroup))
        // Last, so it hears of a shutdown first: STOPPING=1 goes out before anything winds down.
        services.append(
            .init(
                service: StoppingNoticeService(
                    notifier: notifier,
                    onStopping: {
                        logger.notice("vitals agent stopping", metadata: [LogKey.messageID: "\(EventKind.agentStopping.messageID)"])
                    }),
                successTerminationBehavior: .ignore))
        let serviceGroup = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: shutdownSignals, logger: logger))
        started?(Running(state: state, group: serviceGroup, socketPath: server.path, delivery: delivery, sources: sources, heartbeat: heartbeat))
        do {
            try await serviceGroup.run()
        } catch {
            await server.stop()
            try? await group.shutdownGracefully()
            throw error
        }
        if let e = cycle.forecaster?.saveNow() {
            logger.warning("cannot save the fill history at shutdown: \(e.description); the forecasts rebuild after the restart")
        }
        logger.notice("vitals agent stopped", metadata: [LogKey.messageID: "\(EventKind.agentStopping.messageID)"])
        try? await group.shutdownGracefully()
    }

    /// A running agent, for whoever started it in process: its state as `/v1/status` shows it,
    /// and its service group (`triggerGracefulShutdown()` stops it as SIGTERM would).
    public struct Running: Sendable {
        public let state: AgentState
        public let group: ServiceGroup
        public let socketPath: String
        /// The outbox and the channels' delivery state.
        public let delivery: Delivery
        /// The custom checks' latest results and the channels' health.
        public let sources: CheckSources
        /// The heartbeat's record (nil inside while none is configured).
        public let heartbeat: HeartbeatBoard

        /// Whether the alert stage has been through the latest cycle's result.
        public var alertStageIdle: Bool {
            let c = state.current
            return c.alertedCycle >= c.cycles
        }
    }
}
