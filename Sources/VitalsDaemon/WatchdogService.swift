public import Logging
public import ServiceLifecycle
public import VitalsCore
public import VitalsSystemd

/// Pings the systemd watchdog at half its timeout, but only while every long-running part has
/// made progress within its own deadline. When a part is overdue the pings stop (so systemd kills
/// and restarts the agent) and the part is logged by name; when it recovers that is logged too.
/// Without WatchdogSec= this service returns at once.
public struct WatchdogService: Service {
    let tracker: ProgressTracker
    let notifier: SystemdNotifier
    let logger: Logger
    let timeout: Duration?
    let clock: AgentClock

    public init(tracker: ProgressTracker, notifier: SystemdNotifier, logger: Logger, clock: AgentClock) {
        self.clock = clock
        self.tracker = tracker
        self.notifier = notifier
        self.logger = logger
        self.timeout = notifier.watchdogTimeout()
    }

    public func run() async throws {
        guard let timeout else { return }
        logger.info("watchdog armed", metadata: ["timeout_ms": "\(timeout.wholeMilliseconds)"])
        var wasStuck = false
        while !Task.isShuttingDownGracefully {
            let stuck = tracker.stuck()
            if stuck.isEmpty {
                notifier.watchdogPing()
                if wasStuck {
                    logger.notice(
                        "watchdog: every part makes progress again; pinging", metadata: [LogKey.messageID: "\(EventKind.watchdogRecovered.messageID)"]
                    )
                }
            } else if !wasStuck {
                logger.error(
                    "watchdog: not pinging: \(stuck.map(\.description).joined(separator: "; "))",
                    metadata: [LogKey.messageID: "\(EventKind.watchdogStuck.messageID)", "parts": "\(stuck.map(\.part).joined(separator: ","))"])
            }
            wasStuck = !stuck.isEmpty
            do {
                try await clock.sleepUnlessShuttingDown(for: timeout / 2)
            } catch {
                return
            }
        }
    }
}
