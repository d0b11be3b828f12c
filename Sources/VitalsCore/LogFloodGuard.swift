/// Summarises bursts of identical log events instead of repeating them (pure; time is passed in).
///
/// Each distinct key (level, kind and text of an event) may pass `burst` times per `window`. Further
/// events with that key inside the window are counted, not passed; when the window ends, one
/// summary carries the count and the last suppressed event. A key that is quiet for a whole window
/// starts afresh. At most `maxKeys` keys are tracked; beyond that the oldest window is closed early
/// (its summary is returned) so a storm of distinct messages cannot grow memory.
public struct LogFloodGuard<Payload: Sendable>: Sendable {
    /// How much of a burst passes.
    public struct Policy: Sendable, Equatable {
        public var burst: Int
        public var window: Duration
        public var maxKeys: Int

        public init(burst: Int = 5, window: Duration = .seconds(30), maxKeys: Int = 512) {
            self.burst = max(1, burst)
            self.window = window
            self.maxKeys = max(1, maxKeys)
        }
    }

    /// Events of one key that were held back during one window.
    public struct Summary: Sendable {
        public let key: String
        public let suppressed: Int
        /// How long the window that held them lasted (shorter than the policy's when closed early).
        public let span: Duration
        /// The last event held back.
        public let last: Payload
    }

    private struct Window: Sendable {
        var start: Duration
        var passed: Int
        var suppressed: Int
        var last: Payload?
    }

    public let policy: Policy
    private var windows: [String: Window] = [:]

    public init(policy: Policy = Policy()) { self.policy = policy }

    /// Keys tracked now.
    public var trackedKeys: Int { windows.count }

    /// Decides one event at monotonic time `now`. Returns whether to emit it, and the summaries of
    /// windows that closed (emit those first: they describe older events).
    public mutating func admit(key: String, payload: Payload, now: Duration) -> (pass: Bool, summaries: [Summary]) {
        var closed = expire(now: now)
        if var w = windows[key] {
            if w.passed < policy.burst {
                w.passed += 1
                windows[key] = w
                return (true, closed)
            }
            w.suppressed += 1
            w.last = payload
            windows[key] = w
            return (false, closed)
        }
        if windows.count >= policy.maxKeys, let oldest = windows.min(by: { $0.value.start < $1.value.start }) {
            windows[oldest.key] = nil
            if let s = summary(oldest.key, oldest.value, now: now) { closed.append(s) }
        }
        windows[key] = Window(start: now, passed: 1, suppressed: 0, last: nil)
        return (true, closed)
    }

    /// Closes every window that ended by `now` and returns the summaries of those that held events back.
    public mutating func expire(now: Duration) -> [Summary] {
        var out: [Summary] = []
        for (key, w) in windows where now - w.start >= policy.window {
            windows[key] = nil
            if let s = summary(key, w, now: now) { out.append(s) }
        }
        return out.sorted { $0.key < $1.key }
    }

    /// Closes every window now (at shutdown) and returns the summaries.
    public mutating func drain(now: Duration) -> [Summary] {
        var out: [Summary] = []
        for (key, w) in windows {
            if let s = summary(key, w, now: now) { out.append(s) }
        }
        windows = [:]
        return out.sorted { $0.key < $1.key }
    }

    private func summary(_ key: String, _ w: Window, now: Duration) -> Summary? {
        guard w.suppressed > 0, let last = w.last else { return nil }
        return Summary(key: key, suppressed: w.suppressed, span: min(now - w.start, policy.window), last: last)
    }
}
