/// One-shot timers for deadlines that are usually cancelled before they fire (a batch of statvfs
/// calls that answers in time). The agent's loop thread keeps them (`LoopExecutor`), so arming and
/// cancelling one wakes no other thread; elsewhere a dispatch timer does.
public protocol DeadlineTimers: Sendable {
    /// Runs `action` once at or after `deadline`, unless cancelled first; returns its id.
    func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> UInt64
    /// Cancels a timer not yet fired (an unknown or fired id is ignored).
    func cancel(_ id: UInt64)
}
