/// How a channel retries a message that failed: exponential backoff with full jitter (a random
/// wait between 0 and the capped exponential, so many agents that lost the same receiver do not
/// come back in step), up to a maximum age after which the message is given up and counted.
public struct RetryPolicy: Sendable, Equatable {
    /// The cap of the first retry's wait; each further retry doubles it...
    public var initial: Duration
    /// ...up to this.
    public var max: Duration
    /// A message older than this is dropped (logged and counted, never silently).
    public var maxAge: Duration

    public init(initial: Duration = .seconds(1), max: Duration = .seconds(300), maxAge: Duration = .seconds(24 * 3600)) {
        self.initial = initial
        self.max = max
        self.maxAge = maxAge
    }

    /// The wait before retry number `attempt` (1 = the first retry), given a uniform random
    /// number in [0, 1). A receiver's `Retry-After` is honoured as the least wait (up to `max`).
    public func delay(attempt: Int, random: Double, retryAfter: Duration? = nil) -> Duration {
        let exponent = Swift.min(Swift.max(attempt - 1, 0), 40)
        let cap = Swift.min(initial.seconds * Double(UInt64(1) << UInt64(exponent)), max.seconds)
        let jittered = cap * Swift.min(Swift.max(random, 0), 1)
        let floor = Swift.min(retryAfter?.seconds ?? 0, max.seconds)
        return .milliseconds(Int64((Swift.max(jittered, floor) * 1000).rounded()))
    }
}

/// A channel's circuit breaker: after `failures` consecutive failures it opens and no attempt is
/// made for `recovery`; then one probe at a time is let through (half-open), and `successes`
/// successes in a row close it again. A failure while half-open opens it for another `recovery`.
public struct CircuitBreaker<Instant: InstantProtocol>: Sendable, Equatable where Instant.Duration == Duration {
    /// The breaker's tuning, from the channel's configuration.
    public struct Settings: Sendable, Equatable {
        public var failures: Int
        public var recovery: Duration
        public var successes: Int

        public init(failures: Int = 5, recovery: Duration = .seconds(60), successes: Int = 2) {
            self.failures = failures
            self.recovery = recovery
            self.successes = successes
        }
    }

    /// Where the breaker stands.
    public enum State: Sendable, Equatable {
        case closed(failures: Int)
        case open(until: Instant)
        case halfOpen(successes: Int)

        /// `closed`, `open` or `half_open`, as the status API and metrics name it.
        public var name: String {
            switch self {
            case .closed: "closed"
            case .open: "open"
            case .halfOpen: "half_open"
            }
        }
    }

    /// A change the caller logs (and turns into the channel's alert).
    public enum Change: Sendable, Equatable {
        case opened, halfOpened, closed
    }

    public var settings: Settings
    public private(set) var state: State = .closed(failures: 0)

    public init(settings: Settings = Settings()) { self.settings = settings }

    /// Whether an attempt may go out now; moves an open breaker whose time is up to half-open.
    public mutating func allows(now: Instant) -> (Bool, Change?) {
        switch state {
        case .closed, .halfOpen: return (true, nil)
        case .open(let until):
            guard now >= until else { return (false, nil) }
            state = .halfOpen(successes: 0)
            return (true, .halfOpened)
        }
    }

    /// Whether the breaker counts the channel as failing (open or probing).
    public var isTripped: Bool {
        if case .closed = state { return false }
        return true
    }

    public mutating func recordSuccess() -> Change? {
        switch state {
        case .closed:
            state = .closed(failures: 0)
            return nil
        case .halfOpen(let s):
            if s + 1 >= settings.successes {
                state = .closed(failures: 0)
                return .closed
            }
            state = .halfOpen(successes: s + 1)
            return nil
        case .open:
            // An attempt that started before the breaker opened succeeded: the channel works.
            state = .closed(failures: 0)
            return .closed
        }
    }

    public mutating func recordFailure(now: Instant) -> Change? {
        switch state {
        case .closed(let f):
            if f + 1 >= settings.failures {
                state = .open(until: now.advanced(by: settings.recovery))
                return .opened
            }
            state = .closed(failures: f + 1)
            return nil
        case .halfOpen:
            state = .open(until: now.advanced(by: settings.recovery))
            return .opened
        case .open:
            return nil
        }
    }
}
