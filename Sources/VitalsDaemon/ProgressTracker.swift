import Synchronization
public import VitalsCore

/// The shared progress board the long-running parts report to and the watchdog reads
/// (a `WatchdogPolicy` behind a lock, on the agent's clock).
public final class ProgressTracker: Sendable {
    private let policy = Mutex(WatchdogPolicy<ContinuousClock.Instant>())
    private let clock: AgentClock

    public init(clock: AgentClock) { self.clock = clock }

    /// Adds a part with the longest silence it may keep.
    public func register(_ part: String, deadline: Duration) {
        policy.withLock { $0.register(part, deadline: deadline, at: clock.now) }
    }

    /// Records that a part made progress.
    public func progress(_ part: String) { policy.withLock { $0.progress(part, at: clock.now) } }

    /// Records that a part finished its work and waits for more (not overdue while it waits).
    public func park(_ part: String) { policy.withLock { $0.park(part, at: clock.now) } }

    /// The parts overdue now.
    public func stuck() -> [WatchdogPolicy<ContinuousClock.Instant>.Stuck] { policy.withLock { $0.stuck(at: clock.now) } }
}
