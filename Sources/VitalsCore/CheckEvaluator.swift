/// The evaluated state of one check instance, as the status API shows it.
public struct CheckStatus: Sendable, Codable, Equatable {
    public var check: String
    public var resource: String
    public var severity: Severity
    /// States value and limit: "disk /srv 96.2% used, above critical 95%; 3.1 GiB free".
    public var message: String
    public var value: Double?
    /// The limit the message refers to, when there is one.
    public var threshold: Double?
    /// Unix time (s) when the check entered its severity.
    public var since: Double
    /// Unix time (s) of the latest evaluation.
    public var evaluatedAt: Double
    /// A change waiting for its debounce: "critical after 2 of 3 samples".
    public var pending: String?
    /// A custom check's performance data, as its plugin wrote it (the metrics until /metrics).
    public var perfdata: [PerfDatum]?
    /// True when the check cannot apply to this host or was turned off (no swap, no system bus,
    /// the per-process scan off): shown as ok with the reason, never an alert.
    public var notApplicable: Bool?
    /// The unit of `value` ("%", "bytes"), carried from the observation to the notification's
    /// annotations (not part of the status document).
    public var unit: String? = nil

    public init(
        check: String, resource: String, severity: Severity, message: String, value: Double?, threshold: Double?,
        since: Double, evaluatedAt: Double, pending: String?
    ) {
        self.check = check
        self.resource = resource
        self.severity = severity
        self.message = message
        self.value = value
        self.threshold = threshold
        self.since = since
        self.evaluatedAt = evaluatedAt
        self.pending = pending
    }

    enum CodingKeys: String, CodingKey {
        case check, resource, severity, message, value, threshold, since, pending, perfdata
        case evaluatedAt = "evaluated_at"
        case notApplicable = "not_applicable"
    }
}

/// A check moved from one severity to another, or got its first result (`from` is nil).
public struct Transition: Sendable, Equatable {
    public var key: CheckKey
    /// The previous severity; nil on the check's first evaluation.
    public var from: Severity?
    public var to: Severity
    public var status: CheckStatus

    public init(key: CheckKey, from: Severity?, to: Severity, status: CheckStatus) {
        self.key = key
        self.from = from
        self.to = to
        self.status = status
    }
}

/// Evaluates observations against thresholds, one state machine per check instance: hysteresis
/// through `ThresholdSpec.level`, then raise/clear debounce by samples or duration.
///
/// Pure: time comes in as an `Instant` (monotonic, for debounce) and a wall-clock `timestamp`
/// (for display). A change to `unknown` is immediate (the alert engine has its own unknown
/// delay). Every change between definite states (ok, warning, critical) goes through the debounce,
/// including the first value of a check and the first value after unknown: it is judged against
/// the last definite state (ok for a new check, or what `seed` restored), and until the debounce
/// has passed the check shows that state with the change as `pending`. So an agent started on a
/// busy host, or a read that failed once, never skips the raise debounce.
public struct CheckEvaluator<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    private struct Entry: Sendable {
        var status: CheckStatus
        /// The debounce, and the last definite state a value after unknown is judged against.
        var debounce: Debouncer<Instant>
    }

    private var entries: [CheckKey: Entry] = [:]
    /// The keys of `entries`, sorted: kept as checks come and go, not sorted again every cycle.
    private var order: [CheckKey] = []
    /// The definite state a check starts from, when a restart restored one (else ok).
    private var baseline: [CheckKey: Severity] = [:]

    public init() {}

    /// The states the checks had before a restart (from the alert state): a check seen for the
    /// first time starts from its state here instead of ok, so a problem that was notified before
    /// the restart is neither resolved nor raised again by the new process's debounce. Only ok,
    /// warning and critical count.
    public mutating func seed(_ states: [CheckKey: Severity]) {
        baseline = states.filter { $0.value.isKnown }
    }

    /// The current status of every check evaluated so far, ordered by check and resource.
    public var statuses: [CheckStatus] {
        order.compactMap { entries[$0]?.status }
    }

    /// Forgets checks not in `keep` (a mount that went away, a check that was disabled). Every
    /// key in `keep` was evaluated this cycle, so equal counts mean nothing goes.
    public mutating func retain(only keep: Set<CheckKey>) {
        guard entries.count > keep.count else { return }
        entries = entries.filter { keep.contains($0.key) }
        order.removeAll { !keep.contains($0) }
    }

    /// Evaluates one observation; returns the transition when the severity changed.
    public mutating func evaluate(
        _ obs: Observation, spec: ThresholdSpec, at now: Instant, timestamp: Double
    ) -> Transition? {
        let key = obs.key
        let isNew = entries[key] == nil
        if isNew {
            var lo = 0
            var hi = order.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if order[mid] < key { lo = mid + 1 } else { hi = mid }
            }
            order.insert(key, at: lo)
        }
        let start = baseline[key] ?? .ok
        var entry =
            entries[key]
            ?? Entry(
                status: CheckStatus(
                    check: obs.check, resource: obs.resource, severity: start, message: "", value: nil,
                    threshold: nil, since: timestamp, evaluatedAt: timestamp, pending: nil),
                debounce: Debouncer(baseline: start))
        if !obs.unit.isEmpty { entry.status.unit = obs.unit }
        defer { entries[key] = entry }
        let old = entry.status.severity
        entry.status.evaluatedAt = timestamp

        let target: Severity
        switch obs.reading {
        case .unknown(let reason):
            entry.status.notApplicable = nil
            return noValue(&entry, .unknown, "\(obs.subject) unknown: \(reason)", from: old, at: timestamp, first: isNew)
        case .notApplicable(let reason):
            let was = entry.status.notApplicable == true
            entry.status.notApplicable = true
            // Said once: the first time it does not apply is a transition even when the state stays ok.
            return noValue(&entry, .ok, "\(obs.subject): \(reason)", from: old, at: timestamp, first: isNew || !was)
        case .value(let v) where !v.isFinite:
            entry.status.notApplicable = nil
            return noValue(
                &entry, .unknown, "\(obs.subject) unknown: the value is not a finite number", from: old, at: timestamp,
                first: isNew)
        case .value(let v):
            entry.status.notApplicable = nil
            entry.status.value = v
            // After unknown or stale, the value is judged against the last definite state.
            let base = entry.debounce.definite
            target = spec.level(of: v, free: obs.freeBytes, current: base)
            let shown = entry.debounce.feed(target, raise: spec.raiseAfter, clear: spec.clearAfter, at: now)
            if shown != target {
                // The check shows its last definite state until the change has lasted.
                entry.status.pending = entry.debounce.describePending(at: now)
                entry.status.message = Self.message(obs, v, base, spec)
                entry.status.threshold = Self.limit(of: base, spec)
                return move(&entry, to: base, from: old, at: timestamp, first: isNew)
            }
            entry.status.pending = nil
            entry.status.message = Self.message(obs, v, target, spec)
            entry.status.threshold = Self.limit(of: target == .ok ? .warning : target, spec)
            return move(&entry, to: target, from: old, at: timestamp, first: isNew)
        }
    }

    /// A result without a value: no debounce, no value or limit, the reason as the message.
    private func noValue(
        _ entry: inout Entry, _ severity: Severity, _ message: String, from old: Severity, at timestamp: Double, first: Bool
    ) -> Transition? {
        entry.debounce.settle(severity)
        entry.status.value = nil
        entry.status.threshold = nil
        entry.status.pending = nil
        entry.status.message = message
        return move(&entry, to: severity, from: old, at: timestamp, first: first)
    }

    private func move(_ entry: inout Entry, to new: Severity, from old: Severity, at timestamp: Double, first: Bool) -> Transition? {
        entry.status.severity = new
        guard new != old || first else { return nil }
        if new != old { entry.status.since = timestamp }
        return Transition(
            key: CheckKey(check: entry.status.check, resource: entry.status.resource), from: first ? nil : old, to: new,
            status: entry.status)
    }

    private static func limit(of severity: Severity, _ spec: ThresholdSpec) -> Double? {
        switch severity {
        case .critical: spec.critical?.trigger
        case .warning: spec.warning?.trigger ?? spec.critical?.trigger
        default: nil
        }
    }

    /// "disk /srv 96.2% used, above critical 95%; 3.1 GiB free, below 5 GiB".
    static func message(_ obs: Observation, _ v: Double, _ severity: Severity, _ spec: ThresholdSpec) -> String {
        let word = spec.direction == .above ? "above" : "below"
        var text = "\(obs.subject) \(obs.valueText(v))"
        var floor: Double?
        switch severity {
        case .critical, .warning:
            let level = severity == .critical ? spec.critical : spec.warning
            if let level {
                text += ", \(word) \(severity) \(obs.limitText(level.trigger))"
                floor = level.freeBelow
            }
        default:
            if let w = spec.warning {
                text += " (warning \(word) \(obs.limitText(w.trigger)))"
            } else if let c = spec.critical {
                text += " (critical \(word) \(obs.limitText(c.trigger)))"
            }
        }
        if let detail = obs.detail {
            text += "; \(detail)"
            if let floor { text += ", below \(Units.formatBytes(floor))" }
        }
        return text
    }
}
