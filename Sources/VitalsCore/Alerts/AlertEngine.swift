/// Decides what is worth telling a person, and when (pure: it is handed results and times, and
/// returns notifications; it does no I/O and reads no clock).
///
/// One record per fingerprint. Rules, for the result of each evaluation:
/// - ok to a problem (warning, critical, unknown, stale): `first`. The check evaluator has already
///   applied the rule's debounce, so the engine notifies at once.
/// - a problem to a worse one (warning to critical): `raised`, at once; to a lesser one: `improved`;
///   to or from unknown or stale: `changed` (unknown is not "better" than critical).
/// - a notified problem to ok: `resolved`, once, with the duration and the worst state and value,
///   after it has stayed ok for the policy's `resolveHold` (a return within it continues the
///   same incident and notifies nothing).
///   A problem that was never notified resolves silently; unknown and stale are notified like any
///   problem, so they never turn into ok silently.
/// - the same problem at the same severity: `repeat` once its repeat interval (with backoff) has
///   passed since the last notification, never earlier. A change of severity is always notified
///   (an "improved" must never be the last word while the problem is critical again); a problem
///   that keeps changing is caught by flap detection instead.
/// - escalation: while a notified problem stays unacknowledged, each later step of its route
///   fires once its time since the incident's first notification has come (`escalated`). Steps
///   stop at acknowledgement and at recovery, and start again at step 0 with the next incident.
/// - flapping (Nagios' weighted percent state change over 21 results above 30 %): one
///   `flapping_started`, then silence; below 20 % one `flapping_stopped` with the final state, and
///   if that differs from what was last notified, the recovery or problem it owes.
/// - unknown or stale after a definite state counts only once it has lasted the policy's
///   `unknownDelay` (the first CPU sample is always unknown; one failed read is not news).
/// - a muted alert (silenced or inhibited) notifies nothing but the recovery of a problem that
///   was notified before; when the mute ends, what is owed goes out. An acknowledged alert gets no
///   repeats and no escalation; a plain acknowledgement ends at the next change of state (which is
///   notified), a sticky one holds through changes (which are not) until recovery.
///
/// `Instant` is monotonic time (repeat intervals); `wall` is Unix time for messages. `export` and
/// `restore` carry the state over a restart: a condition unchanged meanwhile notifies nothing, one
/// that changed notifies once.
public struct AlertEngine<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// What the engine knows of one alert: its persisted state plus the monotonic times behind it.
    @dynamicMemberLookup
    public struct Record: Sendable {
        public var alert: PersistedAlert
        public var fingerprint: Fingerprint
        /// When the incident began (first non-ok result), nil while ok.
        var problemSince: Instant?
        var lastNotified: Instant?
        /// Since when an unknown or stale result has been waiting for `unknownDelay`.
        var indefiniteSince: Instant?
        /// The incident's first notification: escalation steps count from it.
        var escalationStart: Instant?
        /// Since when a notified problem has been ok (its recovery waits for the resolve hold).
        var okSince: Instant?
        /// The flap detector (always present here; optional only in older files).
        public var flap: FlapDetector

        public subscript<T>(dynamicMember path: WritableKeyPath<PersistedAlert, T>) -> T {
            get { alert[keyPath: path] }
            set { alert[keyPath: path] = newValue }
        }

        /// The moments a record keeps, each as an instant (for durations) and a Unix time (for
        /// the state file and the messages), set together by `mark` so the two never disagree.
        enum Timed {
            case problemSince, lastNotified, indefiniteSince, escalationStart, okSince
        }

        /// Sets one moment on both clocks (nil clears both).
        /// (A switch, not key paths: in this generic type a key path is built at run time on every
        /// call, which was the alert stage's largest cost per cycle; issue 17.)
        mutating func mark(_ t: Timed, _ at: (instant: Instant, wall: Double)?) {
            switch t {
            case .problemSince: (problemSince, alert.problemSinceWall) = (at?.instant, at?.wall)
            case .lastNotified: (lastNotified, alert.lastNotifiedWall) = (at?.instant, at?.wall)
            case .indefiniteSince: (indefiniteSince, alert.indefiniteSinceWall) = (at?.instant, at?.wall)
            case .escalationStart: (escalationStart, alert.escalationStartWall) = (at?.instant, at?.wall)
            case .okSince: (okSince, alert.okSinceWall) = (at?.instant, at?.wall)
            }
        }
    }

    public var policy: AlertPolicy
    public private(set) var records: [Fingerprint: Record] = [:]
    /// Acknowledgements that ended (recovery, or a change of state for a plain one) since the last
    /// `takeEndedAcknowledgements`; the owner removes them from its controls.
    public private(set) var endedAcknowledgements: [Fingerprint] = []

    public init(policy: AlertPolicy = AlertPolicy()) { self.policy = policy }

    /// The check instances the engine holds at warning or critical: what a restarted agent's
    /// evaluators start from (`CheckEvaluator.seed`), so the restart neither resolves a notified
    /// problem nor raises it again.
    public var problemStates: [CheckKey: Severity] {
        var out: [CheckKey: Severity] = [:]
        for r in records.values {
            guard let check = r.alert.labels["check"], r.alert.severity == .warning || r.alert.severity == .critical else { continue }
            out[CheckKey(check: check, resource: r.alert.labels["resource"] ?? "")] = r.alert.severity
        }
        return out
    }

    /// Hands over the acknowledgements that ended.
    public mutating func takeEndedAcknowledgements() -> [Fingerprint] {
        defer { endedAcknowledgements = [] }
        return endedAcknowledgements
    }

    /// Takes one evaluation's result at monotonic `now` and Unix time `wall`; returns what to notify.
    public mutating func observe(_ result: CheckResult, now: Instant, wall: Double, gate: AlertGate = .open) -> [AlertNotification] {
        let fp = result.labels.fingerprint
        // Taken out while it changes, so the record is not shared with the dictionary and its
        // flap history grows in place instead of being copied every evaluation (issue 17).
        let existing = records.removeValue(forKey: fp)
        var r = existing ?? Record(alert: PersistedAlert(labels: result.labels), fingerprint: fp, flap: FlapDetector())
        if existing == nil {
            r.alert.sinceWall = wall
            r.alert.sequence = Self.sequenceBase(wall: wall)
            r.alert.sequenceBase = r.alert.sequence
        }
        defer { records[fp] = r }
        let old = r.alert.severity
        // Unknown or stale counts only once it has lasted `unknownDelay`; until then the alert
        // keeps its state.
        if !result.severity.isKnown && old.isKnown {
            if r.indefiniteSince == nil {
                r.mark(.indefiniteSince, (now, wall))
            }
            if r.indefiniteSince!.duration(to: now) < policy.unknownDelay { return [] }
        } else {
            r.mark(.indefiniteSince, nil)
        }
        r.alert.labels = result.labels
        r.alert.message = result.message
        r.alert.value = result.value
        r.alert.threshold = result.threshold
        if result.severity != old { r.alert.sinceWall = wall }
        r.alert.severity = result.severity
        r.alert.mute = gate.mute
        if r.alert.route != gate.route {
            r.alert.route = gate.route
            r.alert.step = 0
        }
        r.alert.step = min(r.alert.step ?? 0, gate.escalation.count)
        // A plain acknowledgement ends when the state leaves what was acknowledged; any ends at ok.
        var ack = gate.acknowledgement
        if let a = ack, result.severity == .ok || (!a.sticky && result.severity != a.severity) {
            endedAcknowledgements.append(fp)
            ack = nil
        }
        r.alert.acknowledgement = ack
        var flapSeverity = result.severity

        // A notified problem that turns ok waits out the resolve hold; meanwhile it counts as
        // still notified (for flap detection too), so a quick return is the same incident.
        var holding = false
        if result.severity == .ok, let notified = r.alert.notified {
            if r.okSince == nil {
                r.mark(.okSince, (now, wall))
            }
            holding = r.okSince!.duration(to: now) < policy.resolveHold
            if holding { flapSeverity = notified }
        } else if result.severity != .ok {
            r.mark(.okSince, nil)
        }

        // Flapping: one "started", silence while it lasts, one "stopped" with the final state,
        // then whatever that final state owes against what was last notified.
        var out: [AlertNotification] = []
        switch r.flap.record(flapSeverity, thresholds: policy.flapping) {
        case .started(let p):
            trackIncident(&r, result, now: now, wall: wall)
            guard gate.mute == nil else { return [] }
            var n = notification(&r, reason: .flappingStarted, previous: r.alert.notified, now: now, wall: wall, keepNotified: true)
            n.flapPercent = p
            return [n]
        case .stopped(let p):
            if gate.mute == nil {
                var n = notification(&r, reason: .flappingStopped, previous: r.alert.notified, now: now, wall: wall, keepNotified: true)
                n.flapPercent = p
                out.append(n)
                // The repeat interval counts from here: the stop told the operator the current state.
                r.mark(.lastNotified, (now, wall))
            }
        case .none:
            if r.flap.flapping {
                trackIncident(&r, result, now: now, wall: wall)
                if result.severity == .ok { clearIncident(&r) }
                return []
            }
        }
        if holding { return out }
        return out + decide(&r, result, ack: ack, gate: gate, now: now, wall: wall)
    }

    /// Where a new record's notifications start counting: the Unix time in milliseconds. An alert
    /// that was forgotten (its incident over) and comes back starts above every number its earlier
    /// incidents used (they had at most one notification per cycle, a second or more apart), so
    /// `<fingerprint>-<sequence>` names one decision forever, across restarts, forgetting and
    /// upgrades (issue 15: after a restart a new incident reused the first one's key, and a receiver
    /// that drops repeated keys dropped the new page).
    static func sequenceBase(wall: Double) -> UInt64 { UInt64(max(0, min(wall, 1e12)) * 1000) }

    /// The transition rules, once flapping and the unknown delay have had their say.
    private mutating func decide(
        _ r: inout Record, _ result: CheckResult, ack: Acknowledgement?, gate: AlertGate, now: Instant, wall: Double
    ) -> [AlertNotification] {
        if result.severity == .ok {
            defer { clearIncident(&r) }
            // A recovery goes out even when muted: the problem was notified, so it is owed.
            guard let notified = r.alert.notified else { return [] }
            var n = notification(&r, reason: .resolved, previous: notified, now: now, wall: wall)
            // The problem ended when it turned ok, not when the hold ran out.
            n.duration = r.problemSince.map { $0.duration(to: r.okSince ?? now) }
            r.alert.notified = nil
            r.mark(.okSince, nil)
            return [n]
        }

        trackIncident(&r, result, now: now, wall: wall)
        guard gate.mute == nil else { return [] }
        guard let notified = r.alert.notified else {
            r.alert.step = 0
            r.mark(.escalationStart, (now, wall))
            return [notification(&r, reason: .first, previous: nil, now: now, wall: wall)]
        }
        if result.severity != notified {
            // A sticky acknowledgement holds through changes; a plain one has ended above.
            if ack != nil { return [] }
            let reason: NotificationReason =
                result.severity.isProblem && notified.isProblem
                ? (result.severity.rank > notified.rank ? .raised : .improved) : .changed
            return [notification(&r, reason: reason, previous: notified, now: now, wall: wall)]
        }
        guard ack == nil else { return [] }
        if let escalated = escalate(&r, gate: gate, now: now, wall: wall) { return [escalated] }
        if let last = r.lastNotified, let wait = policy.interval(for: notified, repeatNumber: r.alert.repeats),
            last.duration(to: now) >= wait
        {
            r.alert.repeats += 1
            return [notification(&r, reason: .repeat, previous: notified, now: now, wall: wall, keepRepeats: true)]
        }
        return []
    }

    /// The next escalation step(s) due, as one `escalated` notification (after a restart several
    /// may be due at once; they go out together).
    private func escalate(_ r: inout Record, gate: AlertGate, now: Instant, wall: Double) -> AlertNotification? {
        guard let start = r.escalationStart else { return nil }
        let from = (r.alert.step ?? 0) + 1
        var step = r.alert.step ?? 0
        while step < gate.escalation.count, start.duration(to: now) >= gate.escalation[step] { step += 1 }
        guard step >= from else { return nil }
        r.alert.step = step
        var n = notification(&r, reason: .escalated, previous: r.alert.notified, now: now, wall: wall, keepNotified: true)
        n.escalatedFrom = from
        return n
    }

    /// Every alert's state, for the state file.
    public func export(wall: Double, now: Instant) -> [PersistedAlert] {
        // The keys sorted, not the records: a record carries its flap history, and sorting them
        // moved every one each cycle (issue 17).
        records.keys.sorted().compactMap { fp in
            records[fp].map { r in
                var p = r.alert
                p.flap = r.flap
                return p
            }
        }
    }

    /// Recovery from the outbox (the transactional-outbox pattern): a decision whose messages
    /// reached the outbox but whose state did not reach the state file (a crash between the two)
    /// is taken back into the engine from its message, so the restarted agent neither decides it
    /// again under another key nor forgets that it was sent. Only notifications newer than what the
    /// state file holds for their alert count.
    public mutating func recover(sent: [AlertNotification], now: Instant, wall: Double) {
        for n in sent.sorted(by: { $0.sequence < $1.sequence }) {
            if let r = records[n.fingerprint], r.alert.sequence >= n.sequence { continue }
            var p = records[n.fingerprint]?.alert ?? PersistedAlert(labels: n.labels)
            if records[n.fingerprint] == nil {
                p.sequenceBase = n.sequence &- 1
                p.sinceWall = n.at
            }
            p.sequence = n.sequence
            p.severity = n.severity
            p.message = n.message
            p.notified = n.reason == .resolved ? nil : n.severity
            p.lastNotifiedWall = n.at
            p.lastReason = n.reason
            p.problemSinceWall = n.reason == .resolved ? nil : n.startsAt
            restore([p], now: now, wall: wall)
        }
    }

    /// Takes back the state written by `export` before a restart. Unix times become instants
    /// relative to `now`/`wall`; a time in the future (the clock was set back) counts as now.
    public mutating func restore(_ saved: [PersistedAlert], now: Instant, wall: Double) {
        func instant(_ w: Double?) -> Instant? {
            w.map { now.advanced(by: .milliseconds(-Int64(max(0, wall - $0) * 1000))) }
        }
        for p in saved {
            let fp = p.labels.fingerprint
            records[fp] = Record(
                alert: p, fingerprint: fp, problemSince: instant(p.problemSinceWall), lastNotified: instant(p.lastNotifiedWall),
                indefiniteSince: instant(p.indefiniteSinceWall), escalationStart: instant(p.escalationStartWall),
                okSince: instant(p.okSinceWall), flap: p.flap ?? FlapDetector())
        }
    }

    /// Forgets alerts whose checks no longer exist (a mount went away, a check was disabled). One
    /// that was still owed a recovery gets it now, saying why, so nothing stays open forever.
    public mutating func retain(only fingerprints: Set<Fingerprint>, now: Instant, wall: Double) -> [AlertNotification] {
        var out: [AlertNotification] = []
        let gone = records.keys.filter { !fingerprints.contains($0) }
        guard !gone.isEmpty else { return [] }
        for fp in gone.sorted() {
            guard var r = records.removeValue(forKey: fp) else { continue }
            if r.alert.acknowledgement != nil { endedAcknowledgements.append(fp) }
            guard let notified = r.alert.notified else { continue }
            r.alert.message = "no longer monitored (the check was removed or its resource is gone); last: \(r.alert.message)"
            r.alert.severity = .ok
            var n = notification(&r, reason: .resolved, previous: notified, now: now, wall: wall)
            n.duration = r.problemSince.map { $0.duration(to: now) }
            out.append(n)
        }
        return out
    }

    private func notification(
        _ r: inout Record, reason: NotificationReason, previous: Severity?, now: Instant, wall: Double, keepRepeats: Bool = false,
        keepNotified: Bool = false
    ) -> AlertNotification {
        r.alert.sequence += 1
        r.alert.lastReason = reason
        if !keepNotified {
            r.mark(.lastNotified, (now, wall))
        }
        if !keepRepeats && !keepNotified { r.alert.repeats = 0 }
        if reason != .resolved && !keepNotified { r.alert.notified = r.alert.severity }
        var n = AlertNotification(
            fingerprint: r.fingerprint, labels: r.alert.labels, severity: r.alert.severity, previous: previous, reason: reason,
            message: r.alert.message, value: r.alert.value, threshold: r.alert.threshold, startsAt: r.alert.problemSinceWall ?? wall, at: wall,
            duration: nil, worstSeverity: r.alert.worstSeverity, worstValue: r.alert.worstValue, sequence: r.alert.sequence, flapPercent: nil)
        n.route = r.alert.route
        n.step = r.alert.step ?? 0
        n.acknowledgedBy = r.alert.acknowledgement?.author
        return n
    }

    /// A problem result: the incident's start and worst.
    private func trackIncident(_ r: inout Record, _ result: CheckResult, now: Instant, wall: Double) {
        guard result.severity != .ok else { return }
        if r.problemSince == nil {
            r.mark(.problemSince, (now, wall))
        }
        trackWorst(&r, result)
    }

    private func clearIncident(_ r: inout Record) {
        // While a recovery is owed (flapping hid it) the incident's start and worst are kept for it.
        guard r.alert.notified == nil else { return }
        r.mark(.problemSince, nil)
        r.alert.worstSeverity = nil
        r.alert.worstValue = nil
        r.mark(.escalationStart, nil)
        r.alert.step = 0
    }

    /// The worst state of the incident, and at it the value farthest past its threshold.
    private func trackWorst(_ r: inout Record, _ result: CheckResult) {
        guard let worst = r.alert.worstSeverity else {
            r.alert.worstSeverity = result.severity
            r.alert.worstValue = result.value
            return
        }
        if result.severity.rank > worst.rank {
            r.alert.worstSeverity = result.severity
            r.alert.worstValue = result.value
        } else if result.severity == worst, let v = result.value {
            guard let w = r.alert.worstValue else {
                r.alert.worstValue = v
                return
            }
            if let t = result.threshold {
                if abs(v - t) > abs(w - t) { r.alert.worstValue = v }
            } else if v > w {
                r.alert.worstValue = v
            }
        }
    }
}
