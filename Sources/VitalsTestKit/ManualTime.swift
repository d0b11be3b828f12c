import Synchronization
public import VitalsCore

/// A time source for `AgentClock` that moves only when a test says so: the agent's services run
/// in process on it, and `advance(by:)` wakes each sleeper whose deadline has come. Wall time
/// moves with it from `wallStart`. A cancelled sleeper returns at once with `CancellationError`
/// (a graceful shutdown cancels the services' sleeps).
public final class ManualTime: TimeSource {
    private struct Sleeper {
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var offset: Duration = .zero
        var next = 0
        var sleepers: [Int: Sleeper] = [:]
        var cancelled: Set<Int> = []
    }

    private let base: ContinuousClock.Instant
    private let wallStart: Double
    private let state = Mutex(State())

    /// `wallStart`: the wall time at the start, seconds since the Unix epoch.
    public init(wallStart: Double = 1_800_000_000) {
        base = .now
        self.wallStart = wallStart
    }

    /// A clock on this source.
    public var clock: AgentClock { AgentClock(source: self) }

    public var now: ContinuousClock.Instant { base.advanced(by: state.withLock { $0.offset }) }
    public var wall: Double { wallStart + state.withLock { $0.offset }.seconds }
    /// How far the clock has moved since it was made.
    public var elapsed: Duration { state.withLock { $0.offset } }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        let id = state.withLock { s -> Int in
            s.next += 1
            return s.next
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { s -> Result<Void, any Error>? in
                    if s.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= base.advanced(by: s.offset) { return .success(()) }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: c)
                    return nil
                }
                if let outcome { c.resume(with: outcome) }
            }
        } onCancel: {
            let c = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                guard let sleeper = s.sleepers.removeValue(forKey: id) else {
                    s.cancelled.insert(id)
                    return nil
                }
                return sleeper.continuation
            }
            c?.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(by d: Duration) {
        let due = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.offset += d
            let now = base.advanced(by: s.offset)
            let ready = s.sleepers.filter { $0.value.deadline <= now }
            for id in ready.keys { s.sleepers[id] = nil }
            return ready.values.map(\.continuation)
        }
        for c in due { c.resume() }
    }

    /// Sleepers waiting now.
    public var sleeping: Int { state.withLock { $0.sleepers.count } }

    /// Every sleeper's deadline as a duration from now, earliest first.
    public var deadlines: [Duration] {
        state.withLock { s in s.sleepers.values.map { base.advanced(by: s.offset).duration(to: $0.deadline) }.sorted() }
    }

    /// The earliest deadline a sleeper waits for, as a duration from now (nil: nobody sleeps).
    public var nextDeadline: Duration? {
        state.withLock { s in s.sleepers.values.map(\.deadline).min().map { base.advanced(by: s.offset).duration(to: $0) } }
    }
}
