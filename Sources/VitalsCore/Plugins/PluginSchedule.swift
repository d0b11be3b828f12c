/// When each custom check runs (pure): every `interval`, starting at a jittered offset so checks
/// with the same interval do not all start in the same second; never two runs of one check at
/// once; at most `maxConcurrent` runs in all. A check whose run is late because the pool was full
/// runs as soon as a slot frees, and its next run counts from then. The first runs after a start
/// are spread over at most `firstRunSpread`, so every check has a result within half a minute of
/// a start (a 5-minute check does not leave its state unknown to the operator for 5 minutes).
public struct PluginSchedule<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public var maxConcurrent: Int
    private var next: [String: Instant] = [:]
    public private(set) var running: Set<String> = []

    public init(maxConcurrent: Int) { self.maxConcurrent = max(1, maxConcurrent) }

    /// The first runs after a start fall within this much time (or the interval, if shorter).
    public static var firstRunSpread: Duration { .seconds(30) }

    /// A stable offset within the interval, from the check's name (FNV-1a), so a restart keeps
    /// the spread.
    public static func jitter(_ name: String, interval: Duration) -> Duration {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let ms = max(1, Int64(interval.seconds * 1000))
        return .milliseconds(Int64(h % UInt64(ms)))
    }

    /// The checks to start now, in the order they fell due; marks them running.
    public mutating func due(_ checks: [CheckDefinition], now: Instant) -> [CheckDefinition] {
        let names = Set(checks.map(\.name))
        next = next.filter { names.contains($0.key) }
        var ready: [(Instant, CheckDefinition)] = []
        for c in checks where !running.contains(c.name) {
            let at = next[c.name] ?? now.advanced(by: Self.jitter(c.name, interval: min(c.interval, Self.firstRunSpread)))
            if next[c.name] == nil { next[c.name] = at }
            if at <= now { ready.append((at, c)) }
        }
        ready.sort { $0.0 < $1.0 }
        var out: [CheckDefinition] = []
        for (_, c) in ready where running.count < maxConcurrent {
            running.insert(c.name)
            out.append(c)
        }
        return out
    }

    /// A run ended (started at `started`): the next one is due an interval after its start.
    public mutating func finished(_ check: CheckDefinition, started: Instant) {
        running.remove(check.name)
        next[check.name] = started.advanced(by: check.interval)
    }

    /// When the earliest check falls due (nil: none scheduled yet).
    public var earliest: Instant? { next.filter { !running.contains($0.key) }.values.min() }
}
