/// The raise/clear debounce of every check, threshold checks and plugins alike (issue 16: there
/// were two, with different rules).
///
/// A change away from the last definite state (ok, warning or critical) is taken once it has
/// lasted: `raise` for a worse state, `clear` for a better one, by consecutive results or by time.
/// Until then the check keeps its definite state and the change is pending. Changes in the same
/// direction count together (warning, then critical, is one raise, taken at the latest state); a
/// result back at the definite state, or in the other direction, starts again. Unknown and stale are
/// not debounced (not knowing is news, and the alert engine has its own delay): they `interrupt` a
/// pending change but leave the definite state, so the first result after them is judged against
/// it and no result skips the raise debounce, the very first included (against ok, or the
/// `baseline` a restart restored).
public struct Debouncer<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    private struct Pending: Sendable {
        var target: Severity
        var worse: Bool
        var count: Int
        var since: Instant
        var limit: Debounce
    }

    /// The last ok, warning or critical state taken.
    public private(set) var definite: Severity
    private var pending: Pending?

    /// `baseline`: the definite state before a restart (ok when none or not definite).
    public init(baseline: Severity = .ok) {
        definite = baseline.isKnown ? baseline : .ok
    }

    /// Feeds a definite result; returns the state to show: `target` once the change has lasted,
    /// else the definite state (and `describePending` says what waits).
    public mutating func feed(_ target: Severity, raise: Debounce, clear: Debounce, at now: Instant) -> Severity {
        guard target != definite else {
            pending = nil
            return definite
        }
        let worse = target.rank > definite.rank
        let limit = worse ? raise : clear
        var p = pending.flatMap { $0.worse == worse ? $0 : nil } ?? Pending(target: target, worse: worse, count: 0, since: now, limit: limit)
        p.count += 1
        p.target = target
        p.limit = limit
        let lasted: Bool
        switch limit {
        case .samples(let n): lasted = p.count >= n
        case .duration(let d): lasted = p.since.duration(to: now) >= d
        }
        guard lasted else {
            pending = p
            return definite
        }
        pending = nil
        definite = target
        return target
    }

    /// A result without a definite state (unknown, stale): a pending change starts again after it.
    public mutating func interrupt() { pending = nil }

    /// Takes `state` at once, without debounce (a check that does not apply is ok, said once).
    public mutating func settle(_ state: Severity) {
        pending = nil
        if state.isKnown { definite = state }
    }

    /// The change waiting for its debounce: "critical after 1 of 3 samples", "critical for 40s of 5m".
    public func describePending(at now: Instant, counting noun: String = "samples") -> String? {
        guard let p = pending else { return nil }
        switch p.limit {
        case .samples(let n): return "\(p.target) after \(p.count) of \(n) \(noun)"
        case .duration(let d): return "\(p.target) for \(Units.formatDuration(p.since.duration(to: now))) of \(Units.formatDuration(d))"
        }
    }
}
