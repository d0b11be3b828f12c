/// Where an `AgentClock` takes its time from: the host's clocks in the agent
/// (`AgentClock.system`, in VitalsDaemon), a manual source in tests (VitalsTestKit's
/// `ManualTime`), so every service's schedule, retry and deadline can be driven by a test.
public protocol TimeSource: Sendable {
    /// The monotonic reading.
    var now: ContinuousClock.Instant { get }
    /// Seconds since the Unix epoch, moving with `now`.
    var wall: Double { get }
    /// Returns at or after `deadline`; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: ContinuousClock.Instant) async throws
}

/// The one clock the agent's services run on: monotonic instants for schedules and deadlines
/// (the same `ContinuousClock.Instant` the core's types take), with the wall time beside them
/// for timestamps. Services never make a clock of their own; `main` hands them this one.
public struct AgentClock: Clock, Sendable {
    public typealias Instant = ContinuousClock.Instant
    public typealias Duration = Swift.Duration

    /// The source of time.
    public let source: any TimeSource

    public init(source: any TimeSource) { self.source = source }

    public var now: Instant { source.now }
    /// Seconds since the Unix epoch.
    public var wall: Double { source.wall }
    /// Both readings, taken together.
    public var moment: (instant: Instant, wall: Double) { (source.now, source.wall) }
    public var minimumResolution: Duration { .nanoseconds(1) }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await source.sleep(until: deadline)
    }
}
