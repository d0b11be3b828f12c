/// A silence: alerts whose labels match are not notified between `startsAt` and `endsAt`
/// (Unix seconds). A recovery of a problem that was notified before the silence still goes out.
public struct Silence: Sendable, Equatable, Codable {
    public var id: String
    public var matchers: [LabelMatcher]
    public var startsAt: Double
    public var endsAt: Double
    /// Who created it, from the status socket's peer credentials ("root (uid 0)").
    public var createdBy: String
    public var comment: String
    public var createdAt: Double
    /// A maintenance window (issue 19): the calendar event (systemd's syntax) at which each
    /// window starts, and its length in seconds; the silence holds only within its windows
    /// between `startsAt` and `endsAt`. Nil for a plain silence.
    public var every: String?
    public var windowSeconds: Double?

    public init(
        id: String, matchers: [LabelMatcher], startsAt: Double, endsAt: Double, createdBy: String, comment: String,
        createdAt: Double, every: String? = nil, windowSeconds: Double? = nil
    ) {
        self.every = every
        self.windowSeconds = windowSeconds
        self.id = id
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.createdBy = createdBy
        self.comment = comment
        self.createdAt = createdAt
    }

    /// Who created it without the client's pid ("root (uid 0)"): a retry comes from another process.
    public var creator: Substring {
        let marker = Array(", pid ".utf8)
        let bytes = Array(createdBy.utf8)
        guard let i = bytes.indices.first(where: { bytes[$0...].starts(with: marker) }) else { return createdBy[...] }
        return Substring(decoding: bytes[..<i], as: UTF8.self)
    }

    /// Pending before it starts, active while it lasts, expired after.
    public enum State: String, Sendable, Codable {
        case pending, active, expired
    }

    public func state(at wall: Double) -> State {
        wall < startsAt ? .pending : wall < endsAt ? .active : .expired
    }

    /// Whether it mutes the alert with these labels at `wall`.
    public func mutes(_ labels: LabelSet, severity: Severity, at wall: Double) -> Bool {
        state(at: wall) == .active && matchers.matchAll(labels, severity: severity)
    }
}

/// An acknowledgement: a person has seen the problem. Repeats and escalation stop while it holds.
/// A plain acknowledgement ends at the next change of state (Nagios' non-sticky); a sticky one
/// holds until the problem is over. Either ends at recovery, or at `expiresAt` when set.
public struct Acknowledgement: Sendable, Equatable, Codable {
    public var fingerprint: Fingerprint
    public var author: String
    public var comment: String
    public var sticky: Bool
    /// Unix seconds.
    public var at: Double
    public var expiresAt: Double?
    /// The severity acknowledged: a plain acknowledgement ends when the alert leaves it.
    public var severity: Severity

    public init(
        fingerprint: Fingerprint, author: String, comment: String, sticky: Bool, at: Double, expiresAt: Double?,
        severity: Severity
    ) {
        self.fingerprint = fingerprint
        self.author = author
        self.comment = comment
        self.sticky = sticky
        self.at = at
        self.expiresAt = expiresAt
        self.severity = severity
    }

    public func isValid(at wall: Double) -> Bool { expiresAt.map { wall < $0 } ?? true }
}

/// The operator's decisions: silences and acknowledgements. A value type: the daemon keeps it
/// behind a lock and writes it through to its own state file at every change.
public struct AlertControls: Sendable, Equatable, Codable {
    public private(set) var silences: [Silence] = []
    public private(set) var acknowledgements: [Fingerprint: Acknowledgement] = [:]

    /// Expired silences stay listed this long (as in Alertmanager, which keeps them 5 days), then go.
    public static let expiredRetention: Double = 5 * 24 * 3600
    /// At most this many silences are kept; adding beyond it is refused with the remedy.
    public static let maxSilences = 1000
    /// At most this many matchers per silence, and this many bytes of matchers and comment: the
    /// controls file stays small however many silences there are (Alertmanager bounds them too).
    public static let maxMatchers = 16
    public static let maxSilenceBytes = 4096
    /// Starts this close (s) are the same start when a silence is asked for again (`--start 1h`
    /// computed twice, seconds apart).
    public static let sameStartTolerance: Double = 60

    /// The longest silence accepted (a forgotten silence hides real trouble).
    public static let maxSilenceSeconds: Double = 366 * 24 * 3600

    public init() {}

    /// The same silences and acknowledgements (what was refused at load does not count).
    public static func == (a: AlertControls, b: AlertControls) -> Bool {
        a.silences == b.silences && a.acknowledgements == b.acknowledgements
    }

    // MARK: silences

    /// These controls with the configuration's maintenance windows added and every silence as
    /// it stands at `wall` (`materialize`, which places a recurring one on its window in force):
    /// what the alert pipeline and the silence list read.
    public func effective(adding windows: [Silence], materialize: (Silence) -> Silence) -> AlertControls {
        var c = self
        c.silences = (windows + silences).map(materialize)
        return c
    }

    /// Adds a silence; the caller gives it a fresh `id`. The same silence asked for again (the
    /// same matchers, author, comment and start within a minute, while the first is in force: a retry after the
    /// agent died before it answered) is not added twice: the one in force stays, ending at the
    /// later of the two ends, and comes back with `repeated` true.
    @discardableResult
    public mutating func add(_ silence: Silence, now wall: Double) throws(VitalsError) -> (silence: Silence, repeated: Bool) {
        guard !silence.matchers.isEmpty else {
            throw VitalsError(.usage, "a silence needs at least one matcher, e.g. check=disk resource=/srv")
        }
        guard silence.matchers.count <= Self.maxMatchers else {
            throw VitalsError(.usage, "a silence has at most \(Self.maxMatchers) matchers; this one has \(silence.matchers.count)")
        }
        let size = silence.matchers.reduce(silence.comment.utf8.count) { $0 + $1.description.utf8.count }
        guard size <= Self.maxSilenceBytes else {
            throw VitalsError(
                .usage,
                "a silence is at most \(Self.maxSilenceBytes) bytes of matchers and comment; this one has \(size): match fewer, shorter values")
        }
        guard silence.startsAt.isFinite, silence.endsAt.isFinite, silence.startsAt <= wall + Self.maxSilenceSeconds else {
            throw VitalsError(.usage, "a silence starts at most 366 days from now; give starts_at as Unix seconds within that")
        }
        if Self.matchesEveryAlert(silence.matchers) {
            throw VitalsError(
                .usage,
                "the matchers \(silence.matchers.map(\.description).joined(separator: " ")) match every alert; name what to silence, e.g. check=disk")
        }
        guard silence.endsAt > silence.startsAt, silence.endsAt > wall else {
            throw VitalsError(.usage, "the silence would end before it starts or in the past; give a positive --for such as 2h")
        }
        guard silence.endsAt - max(wall, silence.startsAt) <= Self.maxSilenceSeconds else {
            throw VitalsError(.usage, "a silence may last at most 366 days; a longer one belongs in the thresholds (enabled: false)")
        }
        guard silences.filter({ $0.state(at: wall) != .expired }).count < Self.maxSilences else {
            throw VitalsError(.usage, "\(Self.maxSilences) silences are in force; expire some with `vitals silence expire ID` first")
        }
        let asked = Set(silence.matchers.map(\.description))
        if let i = silences.firstIndex(where: {
            $0.state(at: wall) != .expired && $0.creator == silence.creator && $0.comment == silence.comment
                && abs(max($0.startsAt, wall) - max(silence.startsAt, wall)) <= Self.sameStartTolerance
                && Set($0.matchers.map(\.description)) == asked && $0.every == silence.every && $0.windowSeconds == silence.windowSeconds
        }) {
            silences[i].endsAt = max(silences[i].endsAt, silence.endsAt)
            return (silences[i], true)
        }
        guard !silences.contains(where: { $0.id == silence.id }) else {
            throw VitalsError(.internalError, "silence id \(silence.id) is already in use")
        }
        silences.append(silence)
        return (silence, false)
    }

    /// Whether these matchers hold for every alert vitals raises, decided by evaluating each on
    /// the values its label takes (every check and alert name vitals has, custom ones, any host,
    /// any resource, every severity that notifies), not by the text: `check=~.*`,
    /// `alertname=~.+`, `check!~^$` and `severity!=ok` all match everything.
    public static func matchesEveryAlert(_ matchers: [LabelMatcher]) -> Bool {
        matchers.allSatisfy { m in probeValues(m.name).allSatisfy { m.matches(value: $0) } }
    }

    /// The values a label takes on vitals' alerts, for `matchesEveryAlert`.
    static func probeValues(_ label: String) -> [String] {
        let checks =
            BuiltinCheck.allCases.map(\.rawValue) + CompiledChecks.definitions().map(\.name) + ["channel", "action", "http_local", "x", "Q9"]
        switch label {
        case "check": return checks
        case "alertname": return checks.map { AlertLabels.forCheck($0, resource: "", instance: "h")["alertname"] ?? "" }
        case "instance": return ["web1", "db-2.example.org", "localhost", "h"]
        case "resource": return ["", "/", "/srv", "/home/data", "hook", "x y"]
        case "severity": return [Severity.warning, .critical, .unknown, .stale].map(\.rawValue)
        default: return ["", "x", "team-a", "Q9"]
        }
    }

    /// Ends a silence now. An id prefix of at least 4 characters is enough when it is unique.
    @discardableResult
    public mutating func expire(_ id: String, now wall: Double) throws(VitalsError) -> Silence {
        let i = try index(of: id)
        guard silences[i].state(at: wall) != .expired else {
            throw VitalsError(.usage, "silence \(silences[i].id) has already expired")
        }
        if silences[i].startsAt > wall { silences[i].startsAt = wall }
        silences[i].endsAt = wall
        return silences[i]
    }

    private func index(of id: String) throws(VitalsError) -> Int {
        if let i = silences.firstIndex(where: { $0.id == id }) { return i }
        let found = id.count >= 4 ? silences.indices.filter { silences[$0].id.hasPrefix(id) } : []
        guard found.count == 1 else {
            throw VitalsError(
                .usage,
                found.isEmpty
                    ? "no silence \(id); `vitals silence list` shows them" : "\(id) names \(found.count) silences; give more of the id")
        }
        return found[0]
    }

    /// The first active silence that mutes this alert.
    public func silence(for labels: LabelSet, severity: Severity, at wall: Double) -> Silence? {
        silences.first { $0.mutes(labels, severity: severity, at: wall) }
    }

    // MARK: acknowledgements

    /// Records an acknowledgement of a current problem (the caller checks that it is one).
    public mutating func acknowledge(_ ack: Acknowledgement) {
        acknowledgements[ack.fingerprint] = ack
    }

    /// Removes an acknowledgement; returns it when there was one.
    @discardableResult
    public mutating func unacknowledge(_ fp: Fingerprint) -> Acknowledgement? {
        acknowledgements.removeValue(forKey: fp)
    }

    /// The acknowledgement in force for an alert.
    public func acknowledgement(for fp: Fingerprint, at wall: Double) -> Acknowledgement? {
        acknowledgements[fp].flatMap { $0.isValid(at: wall) ? $0 : nil }
    }

    /// Drops expired acknowledgements and silences expired longer than the retention. Returns
    /// whether anything changed (the caller then writes the file).
    public mutating func prune(now wall: Double) -> Bool {
        let before = (silences.count, acknowledgements.count)
        silences.removeAll { $0.endsAt + Self.expiredRetention < wall }
        acknowledgements = acknowledgements.filter { $0.value.isValid(at: wall) }
        return before != (silences.count, acknowledgements.count)
    }

    // Acknowledgements travel as a list (a dictionary keyed by fingerprint would not be an object).
    private enum CodingKeys: String, CodingKey { case silences, acknowledgements }

    /// Silences in the file that this vitals refuses (a matcher it no longer accepts, such as a
    /// regex beyond its limits), each with its id and the reason: left out, the others kept
    /// (issue 14: one refused matcher must not take the valid silences with it). Not written back.
    public private(set) var refusedAtLoad: [String] = []

    /// Decodes one element, or keeps why it could not be.
    private struct Lenient<T: Decodable>: Decodable {
        var value: T?
        var problem: String?
        init(from decoder: any Decoder) throws {
            do {
                value = try T(from: decoder)
            } catch {
                let id = (try? decoder.container(keyedBy: IDKey.self).decode(String.self, forKey: .id)) ?? "(no id)"
                problem = "silence \(id): \(Self.describe(error))"
            }
        }
        private enum IDKey: String, CodingKey { case id }
        private static func describe(_ error: any Error) -> String {
            if case DecodingError.dataCorrupted(let c) = error { return c.debugDescription }
            return "\(error)"
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let lenient = try c.decodeIfPresent([Lenient<Silence>].self, forKey: .silences) ?? []
        silences = lenient.compactMap(\.value)
        refusedAtLoad = lenient.compactMap(\.problem)
        let acks = try c.decodeIfPresent([Acknowledgement].self, forKey: .acknowledgements) ?? []
        acknowledgements = Dictionary(acks.map { ($0.fingerprint, $0) }, uniquingKeysWith: { $1 })
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(silences, forKey: .silences)
        try c.encode(acknowledgements.values.sorted { $0.fingerprint < $1.fingerprint }, forKey: .acknowledgements)
    }
}
