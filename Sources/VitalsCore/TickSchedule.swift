/// The sampling loop's clock arithmetic, pure: tick n is due at anchor + n x interval, so the
/// schedule never drifts; a cycle that ran past its next tick skips the ticks it missed (it does
/// not run back to back to catch up); a new interval (a reload) starts a new anchor at the cycle
/// that saw it.
public struct TickSchedule<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public private(set) var interval: Duration
    private var anchor: Instant
    private var tick: Int64 = 0

    /// The next tick after a cycle, and how many ticks the cycle overran (0 when on time).
    public struct Next: Sendable, Equatable {
        public var at: Instant
        public var skipped: Int64
    }

    public init(interval: Duration, start: Instant) {
        self.interval = interval
        anchor = start
    }

    /// When the next cycle runs, given when this one `started` (used as the new anchor when the
    /// interval changed) and the time `now` it ended, under `interval` (the one in force now).
    public mutating func next(after started: Instant, now: Instant, interval newInterval: Duration) -> Next {
        if newInterval != interval {
            interval = newInterval
            anchor = started
            tick = 0
        }
        tick += 1
        var due = anchor.advanced(by: interval * tick)
        var skipped: Int64 = 0
        if due <= now {
            let behind = Int64(anchor.duration(to: now) / interval)
            skipped = behind + 1 - tick
            tick = behind + 1
            due = anchor.advanced(by: interval * tick)
        }
        return Next(at: due, skipped: skipped)
    }
}
