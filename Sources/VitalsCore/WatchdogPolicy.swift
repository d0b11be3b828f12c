/// Decides whether the agent is alive enough to ping the systemd watchdog: every long-running
/// part reports progress, and the ping goes out only while each part's latest progress is within
/// its own deadline. A part that has not reported since it was registered counts from then. A
/// part that waits for work (a stage whose input has not come) is parked: never overdue until its
/// next progress, which is when its work begins.
///
/// Pure: instants come from the caller's clock.
public struct WatchdogPolicy<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// A part whose progress is overdue.
    public struct Stuck: Sendable, Equatable, CustomStringConvertible {
        public var part: String
        public var silentFor: Duration
        public var deadline: Duration

        public var description: String {
            "\(part) made no progress for \(Units.formatDuration(.seconds(silentFor.components.seconds))) (deadline \(Units.formatDuration(deadline)))"
        }
    }

    private var parts: [String: (deadline: Duration, last: Instant)] = [:]
    private var parked: Set<String> = []

    public init() {}

    /// Adds a part (or changes its deadline, keeping its last progress).
    public mutating func register(_ part: String, deadline: Duration, at now: Instant) {
        parts[part] = (deadline, parts[part]?.last ?? now)
    }

    /// Records progress of a part.
    public mutating func progress(_ part: String, at now: Instant) {
        if let p = parts[part] { parts[part] = (p.deadline, now) }
        parked.remove(part)
    }

    /// Records that a part finished its work and waits for more: not overdue while it waits.
    public mutating func park(_ part: String, at now: Instant) {
        progress(part, at: now)
        parked.insert(part)
    }

    /// The parts that are overdue now, by name; empty means ping.
    public func stuck(at now: Instant) -> [Stuck] {
        parts.keys.sorted().compactMap { name in
            guard !parked.contains(name) else { return nil }
            let p = parts[name]!
            let silent = p.last.duration(to: now)
            return silent > p.deadline ? Stuck(part: name, silentFor: silent, deadline: p.deadline) : nil
        }
    }
}
