import ServiceLifecycle
import VitalsCore
import VitalsSystemd

/// Tells systemd STOPPING=1 the moment a graceful shutdown begins (it is the last service in the
/// group, so the first to hear of it), before the other parts finish what they have in flight.
struct StoppingNoticeService: Service {
    let notifier: SystemdNotifier
    let onStopping: @Sendable () -> Void

    func run() async throws {
        try? await gracefulShutdown()
        notifier.stopping()
        onStopping()
    }
}

/// Runs `action` every `period` until shutdown, then `final` once.
struct PeriodicService: Service {
    let period: Duration
    let clock: AgentClock
    let action: @Sendable () -> Void
    let final: @Sendable () -> Void

    func run() async throws {
        while !Task.isCancelled {
            do {
                try await clock.sleepUnlessShuttingDown(for: period)
            } catch {
                break
            }
            action()
        }
        final()
    }
}
