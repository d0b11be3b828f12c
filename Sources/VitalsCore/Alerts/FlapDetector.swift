/// Nagios' flap detection: the weighted percent of state change over the last 21 results.
///
/// Of the 20 steps between 21 consecutive results, each step that changes state adds its weight,
/// rising linearly from 0.8 for the oldest step to 1.2 for the newest, so recent changes count
/// more; the sum over 20 is the percent. Flapping starts above `high` and stops below `low` (the
/// gap keeps it from flapping about flapping). With fewer than 21 results the missing steps count
/// as unchanged.
public struct FlapDetector: Sendable, Equatable, Codable {
    /// Thresholds, in percent.
    public struct Thresholds: Sendable, Equatable {
        public var enabled: Bool
        public var low: Double
        public var high: Double

        /// Nagios' defaults for services: 20 % and 30 %.
        public init(enabled: Bool = true, low: Double = 20, high: Double = 30) {
            self.enabled = enabled
            self.low = low
            self.high = max(low, high)
        }
    }

    public static let window = 21

    public private(set) var history: [Severity] = []
    public private(set) var flapping = false

    public init() {}

    /// The weighted percent of state change over the history.
    public var percentStateChange: Double {
        guard history.count > 1 else { return 0 }
        var sum = 0.0
        let steps = Self.window - 1
        // The newest step is step `steps - 1`; align the history to the newest end.
        let offset = steps - (history.count - 1)
        for i in 1..<history.count where history[i] != history[i - 1] {
            let step = offset + i - 1
            sum += 0.8 + 0.4 * Double(step) / Double(steps - 1)
        }
        return sum / Double(steps) * 100
    }

    /// This detector with a history of one state throughout kept as that state once. The same in
    /// effect, now and for every result after: only changes between neighbours count, weighted by
    /// their distance from the newest result, and a run of one state holds no change. So a quiet
    /// history that grows (each alert's first 21 results) changes nothing a restart needs, and
    /// the state file is not rewritten every cycle for it (issue 17).
    public var quietHistoryTrimmed: FlapDetector {
        guard history.count > 1, let last = history.last, history.allSatisfy({ $0 == last }) else { return self }
        var f = self
        f.history = [last]
        return f
    }

    /// What one new result did to the flapping state.
    public enum Change: Sendable, Equatable {
        case none
        case started(percent: Double)
        case stopped(percent: Double)
    }

    /// Records one result.
    public mutating func record(_ severity: Severity, thresholds: Thresholds) -> Change {
        history.append(severity)
        if history.count > Self.window { history.removeFirst(history.count - Self.window) }
        guard thresholds.enabled else {
            if flapping {
                flapping = false
                return .stopped(percent: percentStateChange)
            }
            return .none
        }
        let p = percentStateChange
        if !flapping && p > thresholds.high {
            flapping = true
            return .started(percent: p)
        }
        if flapping && p < thresholds.low {
            flapping = false
            return .stopped(percent: p)
        }
        return .none
    }
}
