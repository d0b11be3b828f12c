public import Logging
public import ServiceLifecycle
import UnixSignals
public import VitalsConfig
import VitalsCore
public import VitalsSamplers
public import VitalsSystemd

/// Reloads the configuration on SIGHUP. A valid new configuration is swapped in whole; an invalid
/// one is refused with every error logged, and the old one keeps running.
public struct ReloadService: Service {
    let state: AgentState
    let cycle: SamplingCycle
    let logger: Logger
    let notifier: SystemdNotifier
    let load: @Sendable () throws(ConfigErrors) -> LoadedConfig
    /// Wakes the loops that sleep until their next work (the plugin runs, delivery), so a
    /// reloaded configuration takes effect at once.
    let applied: @Sendable () -> Void

    /// `applied` runs after a new configuration is in force.
    public init(
        state: AgentState, cycle: SamplingCycle, logger: Logger, notifier: SystemdNotifier = SystemdNotifier(),
        applied: @escaping @Sendable () -> Void = {},
        load: @escaping @Sendable () throws(ConfigErrors) -> LoadedConfig
    ) {
        self.state = state
        self.cycle = cycle
        self.logger = logger
        self.notifier = notifier
        self.load = load
        self.applied = applied
    }

    public func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            reload()
        }
    }

    /// Loads the configuration again and applies it, or keeps the old one.
    public func reload() {
        notifier.reloading(monotonicMicros: Monotonic.micros())
        defer { notifier.notify("READY=1") }
        do {
            let loaded = try load()
            Failpoint.hit("reload-after-load")
            let old = state.config
            if loaded.config.socketPath != old.socketPath {
                logger.warning("socket path changes take effect at the next restart", metadata: ["socket": "\(loaded.config.socketPath ?? "auto")"])
            }
            if loaded.config.log != old.log {
                logger.warning("log settings change at the next restart")
            }
            state.replace(config: loaded.config, file: loaded.file)
            cycle.apply(loaded.config)
            applied()
            Failpoint.hit("reload-after-apply")
            logger.notice(
                "configuration reloaded",
                metadata: [LogKey.messageID: "\(EventKind.configReloaded.messageID)", "file": "\(loaded.file ?? "none (embedded defaults)")"])
        } catch {
            state.recordReloadError(error.description)
            logger.error(
                "configuration rejected; the previous configuration stays in force",
                metadata: [LogKey.messageID: "\(EventKind.configRejected.messageID)", "errors": "\(error.description)"])
        }
    }
}
