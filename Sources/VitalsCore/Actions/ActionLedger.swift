/// An alert as the actions see it after an evaluation: past its debounce (the engine holds it at
/// a problem severity), and whether a silence, a maintenance window or an inhibition mutes it.
public struct ActionCandidate: Sendable, Equatable {
    public var fingerprint: Fingerprint
    public var labels: LabelSet
    public var severity: Severity
    public var message: String
    public var mute: AlertMute?
    /// Ok again but its recovery waits for the resolve hold: the incident goes on (no attempt
    /// runs, and the attempts made so far still count towards the give-up).
    public var recovering: Bool

    public init(
        fingerprint: Fingerprint, labels: LabelSet, severity: Severity, message: String, mute: AlertMute? = nil, recovering: Bool = false
    ) {
        self.fingerprint = fingerprint
        self.labels = labels
        self.severity = severity
        self.message = message
        self.mute = mute
        self.recovering = recovering
    }

    /// The alerts of the engine's export that actions may answer: a problem severity, and either
    /// notified (the debounce and the unknown delay are behind it) or muted (shown as held); and
    /// a notified problem that is ok while its recovery waits (at its notified severity, marked
    /// `recovering`). Never the actions' own alerts (check `action`): an action that matches
    /// broadly must not answer its own give-up.
    public static func from(_ alerts: [PersistedAlert]) -> [ActionCandidate] {
        alerts.compactMap { a in
            guard a.labels["check"] != "action" else { return nil }
            let problem: Set<Severity> = [.warning, .critical, .unknown]
            if a.severity == .ok, let n = a.notified, problem.contains(n), a.okSinceWall != nil {
                return ActionCandidate(
                    fingerprint: a.labels.fingerprint, labels: a.labels, severity: n, message: a.message, mute: a.mute, recovering: true)
            }
            guard problem.contains(a.severity) else { return nil }
            guard a.notified != nil || a.mute != nil else { return nil }
            return ActionCandidate(fingerprint: a.labels.fingerprint, labels: a.labels, severity: a.severity, message: a.message, mute: a.mute)
        }
    }
}

/// One attempt of an action, kept for the journal, `/v1/actions` and the alert's timeline.
public struct ActionAttempt: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable {
        /// The unit's job finished with the unit active, or the executable exited 0.
        case succeeded
        /// The call was refused, the job failed, or the executable failed or timed out.
        case failed
    }

    public var action: String
    public var fingerprint: Fingerprint
    /// "restart nginx.service".
    public var effect: String
    /// The attempt's number in its incident (1 for the first).
    public var number: Int
    public var startedWall: Double
    public var endedWall: Double
    public var outcome: Outcome
    /// What systemd or the executable said.
    public var detail: String

    public init(
        action: String, fingerprint: Fingerprint, effect: String, number: Int, startedWall: Double, endedWall: Double, outcome: Outcome,
        detail: String
    ) {
        self.action = action
        self.fingerprint = fingerprint
        self.effect = effect
        self.number = number
        self.startedWall = startedWall
        self.endedWall = endedWall
        self.outcome = outcome
        self.detail = detail
    }
}

/// What the ledger decided for one action and one alert.
public enum ActionDecision: Sendable, Equatable {
    /// Run the action now; `number` is the attempt's number in this incident.
    case run(action: String, candidate: ActionCandidate, number: Int)
    /// Not run: muted, or the hourly budget is spent (said once per reason and incident).
    case held(action: String, candidate: ActionCandidate, reason: String)
    /// The attempts did not clear the problem: no more until it clears.
    case gaveUp(action: String, candidate: ActionCandidate, attempts: Int, firstWall: Double)
    /// The alert no longer calls for the action (it cleared, or fell below the severities):
    /// `attempts` were made in the incident, `gaveUp` whether it had given up.
    case ended(action: String, fingerprint: Fingerprint, labels: LabelSet, attempts: Int, gaveUp: Bool)
}

/// The actions' memory, pure and persisted (`actions.json` in the state directory) so that the
/// hourly budget and a give-up survive a restart of the agent (a restart loop of the agent must
/// not become a restart loop of the service). `plan` decides, `finish` records an attempt.
public struct ActionLedger: Sendable, Equatable, Codable {
    /// One action answering one alert, for the alert's incident.
    public struct Track: Sendable, Equatable, Codable {
        public var action: String
        public var fingerprint: Fingerprint
        public var labels: LabelSet
        /// Attempts made in this incident, and when the first began.
        public var attempts: Int = 0
        public var firstWall: Double?
        /// When the latest attempt ended (the settle time counts from it).
        public var lastEndedWall: Double?
        /// Set while an attempt runs (an attempt cut short by a restart is counted as made).
        public var runningSinceWall: Double?
        /// When it gave up (nil: it has not), and what its alert says.
        public var gaveUpWall: Double?
        public var gaveUpMessage: String?
        /// The reason last reported for holding it, so each is said once.
        public var heldReason: String?
    }

    /// Keyed by action name and fingerprint.
    public private(set) var tracks: [String: Track] = [:]
    /// The recent attempts, oldest first, at most `maxAttempts` (at least the last hour's).
    public private(set) var attempts: [ActionAttempt] = []

    public static let maxAttempts = 500
    /// At most this many action-and-alert pairs are followed (the alerts are bounded too).
    public static let maxTracks = 2000

    public init() {}

    static func key(_ action: String, _ fp: Fingerprint) -> String { "\(action) \(fp)" }

    /// Attempts of `action` that began in the hour before `wall`.
    public func attemptsInLastHour(_ action: String, wall: Double) -> Int {
        attempts.count { $0.action == action && $0.startedWall > wall - 3600 }
            + tracks.values.count { $0.action == action && $0.runningSinceWall != nil }
    }

    /// Decides, for the alerts of one evaluation, which actions run now. A track whose alert no
    /// longer calls for its action ends here. Marks the runs it returns as running.
    public mutating func plan(_ definitions: [ActionDefinition], _ candidates: [ActionCandidate], wall: Double) -> [ActionDecision] {
        var out: [ActionDecision] = []
        var live = Set<String>()
        for d in definitions {
            // One attempt of an action at a time, and the settle time after it, whatever alert it
            // answered: three alerts of one service must not restart it three times at once.
            var busy = tracks.values.contains { t in
                t.action == d.name && (t.runningSinceWall != nil || t.lastEndedWall.map { wall - $0 < d.settle.seconds } ?? false)
            }
            for c in candidates where d.answers(c.labels, severity: c.severity) {
                let key = Self.key(d.name, c.fingerprint)
                live.insert(key)
                if tracks[key] == nil && (c.recovering || tracks.count >= Self.maxTracks) { continue }
                var t = tracks[key] ?? Track(action: d.name, fingerprint: c.fingerprint, labels: c.labels)
                defer { tracks[key] = t }
                if c.recovering || t.runningSinceWall != nil || t.gaveUpWall != nil { continue }
                if let mute = c.mute {
                    let reason = mute.kind == .silenced ? "the alert is silenced (\(mute.by))" : "the alert is inhibited by \(mute.by)"
                    if t.heldReason != reason { out.append(.held(action: d.name, candidate: c, reason: reason)) }
                    t.heldReason = reason
                    continue
                }
                if let last = t.lastEndedWall, wall - last < d.settle.seconds { continue }
                if t.attempts >= d.giveUpAfter {
                    t.gaveUpWall = wall
                    t.gaveUpMessage = Self.giveUpMessage(d, attempts: t.attempts, firstWall: t.firstWall ?? wall, wall: wall, alert: c)
                    out.append(.gaveUp(action: d.name, candidate: c, attempts: t.attempts, firstWall: t.firstWall ?? wall))
                    continue
                }
                if attemptsInLastHour(d.name, wall: wall) >= d.maxPerHour {
                    let reason = "max_per_hour (\(d.maxPerHour)) is reached"
                    if t.heldReason != reason { out.append(.held(action: d.name, candidate: c, reason: reason)) }
                    t.heldReason = reason
                    continue
                }
                if busy { continue }
                busy = true
                t.attempts += 1
                t.firstWall = t.firstWall ?? wall
                t.runningSinceWall = wall
                t.heldReason = nil
                out.append(.run(action: d.name, candidate: c, number: t.attempts))
            }
        }
        for (key, t) in tracks.sorted(by: { $0.key < $1.key }) where !live.contains(key) && t.runningSinceWall == nil {
            tracks[key] = nil
            if t.attempts > 0 || t.gaveUpWall != nil {
                out.append(.ended(action: t.action, fingerprint: t.fingerprint, labels: t.labels, attempts: t.attempts, gaveUp: t.gaveUpWall != nil))
            }
        }
        return out
    }

    /// Records an attempt that ended.
    public mutating func finish(_ attempt: ActionAttempt) {
        let key = Self.key(attempt.action, attempt.fingerprint)
        tracks[key]?.runningSinceWall = nil
        tracks[key]?.lastEndedWall = attempt.endedWall
        attempts.append(attempt)
        if attempts.count > Self.maxAttempts { attempts.removeFirst(attempts.count - Self.maxAttempts) }
    }

    /// After a restart: an attempt that was running when the agent stopped counts as made (it
    /// may have restarted the unit), in the incident and in the hourly budget, and ended then;
    /// tracks of actions no longer configured go. What the file says is bounded first (it is read
    /// from disk): times that are not finite or lie outside the Unix epoch up to a day from now
    /// drop their entry, counts are clamped, and the lists are cut to their limits.
    public mutating func restored(definitions: [ActionDefinition], wall: Double) {
        let names = Set(definitions.map(\.name))
        func sane(_ t: Double?) -> Bool { t.map { $0.isFinite && $0 >= 0 && $0 <= wall + 86400 } ?? true }
        attempts = attempts.filter { sane($0.startedWall) && sane($0.endedWall) && $0.detail.utf8.count <= 4096 }.suffix(Self.maxAttempts)
        for (key, t) in tracks {
            guard names.contains(t.action), let d = definitions.first(where: { $0.name == t.action }), key == Self.key(t.action, t.fingerprint),
                sane(t.firstWall), sane(t.lastEndedWall), sane(t.runningSinceWall), sane(t.gaveUpWall)
            else {
                tracks[key] = nil
                continue
            }
            tracks[key]?.attempts = min(max(0, t.attempts), d.giveUpAfter)
            if let since = t.runningSinceWall {
                tracks[key]?.runningSinceWall = nil
                tracks[key]?.lastEndedWall = since
                attempts.append(
                    ActionAttempt(
                        action: t.action, fingerprint: t.fingerprint, effect: d.effect.description, number: t.attempts, startedWall: since,
                        endedWall: since, outcome: .failed, detail: "interrupted: the agent stopped while it ran"))
            }
        }
        if tracks.count > Self.maxTracks {
            for key in tracks.keys.sorted().dropFirst(Self.maxTracks) { tracks[key] = nil }
        }
        if attempts.count > Self.maxAttempts { attempts.removeFirst(attempts.count - Self.maxAttempts) }
    }

    /// The tracks that gave up, for the alerts of their own (check `action`).
    public var givenUp: [Track] {
        tracks.values.filter { $0.gaveUpWall != nil }.sorted { ($0.action, $0.fingerprint.description) < ($1.action, $1.fingerprint.description) }
    }

    /// The attempts made for one alert, oldest first (its timeline).
    public func attempts(for fp: Fingerprint) -> [ActionAttempt] { attempts.filter { $0.fingerprint == fp } }
}

extension ActionLedger {
    /// "restarted nginx.service 3 times in 15m; giving up": the message of a give-up.
    public static func giveUpMessage(_ d: ActionDefinition, attempts: Int, firstWall: Double, wall: Double, alert: ActionCandidate) -> String {
        let span = Units.formatDuration(.seconds(Int64(max(0, min(wall - firstWall, 1e9)).rounded())))
        let times = attempts == 1 ? "once" : "\(attempts) times"
        return
            "\(d.effect.done) \(times) in \(span); giving up: \(alert.labels["check"] ?? "the alert") is still \(alert.severity.rawValue) (\(alert.message))"
    }
}

extension ActionLedger {
    /// What `plan` would decide for `d` now, on a copy (nothing changes): a line per alert it
    /// answers, and one verdict.
    public func dryRun(_ d: ActionDefinition, _ candidates: [ActionCandidate], wall: Double) -> (lines: [String], verdict: String) {
        var copy = self
        let decisions = copy.plan([d], candidates, wall: wall)
        var lines: [String] = []
        for c in candidates where d.answers(c.labels, severity: c.severity) {
            let what = "\(c.labels["check"] ?? "alert")\(c.labels["resource"].map { $0.isEmpty ? "" : " \($0)" } ?? "") \(c.severity.rawValue)"
            let t = tracks[Self.key(d.name, c.fingerprint)]
            let decision = decisions.first { dec in
                switch dec {
                case .run(_, let x, _), .held(_, let x, _), .gaveUp(_, let x, _, _): x.fingerprint == c.fingerprint
                case .ended: false
                }
            }
            switch decision {
            case .run(_, _, let n): lines.append("\(what): would \(d.effect.description) now (attempt \(n) of \(d.giveUpAfter))")
            case .held(_, _, let reason): lines.append("\(what): held: \(reason)")
            case .gaveUp(_, _, let n, _): lines.append("\(what): would give up after \(n) attempts")
            default:
                if t?.runningSinceWall != nil {
                    lines.append("\(what): an attempt is running")
                } else if t?.gaveUpWall != nil {
                    lines.append("\(what): gave up; nothing more until it clears")
                } else if let last = t?.lastEndedWall, wall - last < d.settle.seconds {
                    let left = Int64(max(0, min(d.settle.seconds - (wall - last), 1e9)).rounded())
                    lines.append("\(what): waiting \(Units.formatDuration(.seconds(left))) more for attempt \(t?.attempts ?? 0) to settle")
                } else if let reason = t?.heldReason {
                    lines.append("\(what): held: \(reason)")
                } else if c.recovering {
                    lines.append("\(what): ok again, its recovery waits for the resolve hold")
                } else {
                    lines.append("\(what): nothing to do")
                }
            }
        }
        let verdict: String
        if lines.isEmpty {
            verdict =
                "no alert calls for it now: it answers \(d.matchers.map(\.description).joined(separator: ", ")) at \(d.severities.map(\.rawValue).sorted().joined(separator: " or "))"
        } else if decisions.contains(where: { if case .run = $0 { true } else { false } }) {
            verdict = "the next evaluation would \(d.effect.description)"
        } else {
            verdict = "the next evaluation would not run it"
        }
        return (lines, verdict)
    }
}
