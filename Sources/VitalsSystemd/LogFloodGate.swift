import Synchronization
public import VitalsCore

/// The shared, thread-safe home of `LogFloodGuard` for every `VitalsLogHandler` of the process: a
/// burst of identical events (same level, text and fields) reaches the journal `burst` times per
/// window, then once more as a summary that says how many were held back ("... (47 identical
/// messages suppressed in 30s)", with the count in VITALS_SUPPRESSED).
public final class LogFloodGate: Sendable {
    /// One record as the sink writes it.
    public struct Record: Sendable {
        public let priority: Int
        public let message: String
        /// Metadata under its swift-log keys (`message_id`, `check`, ...), before the sink names them.
        public let fields: [(String, String)]
        /// Where it was logged (CODE_FILE, CODE_LINE, CODE_FUNC in the journal).
        public let source: (file: String, line: UInt, function: String)

        public init(priority: Int, message: String, fields: [(String, String)], source: (file: String, line: UInt, function: String)) {
            self.priority = priority
            self.message = message
            self.fields = fields
            self.source = source
        }
    }

    private let state: Mutex<LogFloodGuard<Record>>
    private let now: @Sendable () -> Duration

    /// `now` is monotonic time; the default reads the process' continuous clock.
    public init(policy: LogFloodGuard<Record>.Policy = .init(), now: (@Sendable () -> Duration)? = nil) {
        self.state = Mutex(LogFloodGuard(policy: policy))
        if let now {
            self.now = now
        } else {
            let start = ContinuousClock.now
            self.now = { ContinuousClock.now - start }
        }
    }

    /// Returns the records to write for `record`: summaries of closed windows, then the record
    /// itself unless it is held back.
    public func filter(_ record: Record) -> [Record] {
        // Identical means the same level, text and fields: two samplers failing are two events.
        var key = "\(record.priority)\u{1F}\(record.message)"
        for (k, v) in record.fields { key += "\u{1F}\(k)=\(v)" }
        let t = now()
        let (pass, summaries) = state.withLock { $0.admit(key: key, payload: record, now: t) }
        var out = summaries.map(Self.summaryRecord)
        if pass { out.append(record) }
        return out
    }

    /// Summaries of windows that have ended (call periodically so a burst that stops is still reported).
    public func flush() -> [Record] {
        let t = now()
        return state.withLock { $0.expire(now: t) }.map(Self.summaryRecord)
    }

    /// Summaries of every open window (at shutdown).
    public func drain() -> [Record] {
        let t = now()
        return state.withLock { $0.drain(now: t) }.map(Self.summaryRecord)
    }

    static func summaryRecord(_ s: LogFloodGuard<Record>.Summary) -> Record {
        let secs = Units.formatDuration(s.span)
        return Record(
            priority: s.last.priority,
            message: "\(s.last.message) (\(s.suppressed) identical message\(s.suppressed == 1 ? "" : "s") suppressed in \(secs))",
            fields: s.last.fields + [("suppressed", "\(s.suppressed)")], source: s.last.source)
    }
}
