import Logging
import VitalsConfig
public import VitalsCore
import VitalsServer

#if canImport(Glibc)
    import Glibc
#endif

/// The write side of the status API: silences and acknowledgements. Every change needs root (or
/// the agent's own user) by the socket's peer credentials, which also sign it; a change is on
/// disk before it is confirmed.
///
///     GET    /v1/silences                 list (active, pending and recently expired)
///     POST   /v1/silences                 {"matchers": ["check=disk"], "duration_seconds": 7200, "comment": "..."}
///     DELETE /v1/silences/ID              expire now
///     POST   /v1/alerts/FINGERPRINT/ack   {"comment": "...", "sticky": false, "expire_seconds": 14400}
///     DELETE /v1/alerts/FINGERPRINT/ack   remove the acknowledgement
struct ControlRoutes: Sendable {
    let state: AgentState
    let controls: ControlStore
    let wall: @Sendable () -> Double
    /// The user the agent runs as, who may also write (a foreground agent run by a developer).
    let agentUID: UInt32
    /// Where each change is recorded (MESSAGE_ID vitals-alert-control), with its author.
    let logger: Logger?

    private func audit(_ text: String, _ meta: Logger.Metadata) {
        logger?.notice("\(text)", metadata: meta.merging([LogKey.messageID: "\(EventKind.alertControl.messageID)"]) { $1 })
    }

    /// Answers the request when it is one of these routes; nil otherwise.
    func handle(_ request: StatusRequest) -> StatusReply? {
        let path = request.path
        if path == "/v1/silences" {
            switch request.method {
            case "GET", "HEAD":
                let now = wall()
                let all = state.current.config.maintenance.map(\.silence) + controls.current.silences
                return json(SilencesDocument(all, at: now, windows: MaintenanceWindows.shared))
            case "POST": return authorised(request) { addSilence(request, author: $0) }
            default: return .error(405, "/v1/silences answers GET and POST")
            }
        }
        if path.hasPrefix("/v1/silences/") {
            let id = String(path.dropFirst("/v1/silences/".count))
            guard request.method == "DELETE" else { return .error(405, "\(path) answers DELETE (expire the silence)") }
            if let w = state.current.config.maintenance.first(where: { $0.silence.id == id }) {
                return .error(
                    400,
                    "\(id) is the maintenance window \(w.name) of the configuration; remove it from maintenance: in vitals.yaml and reload (systemctl reload vitals)"
                )
            }
            return authorised(request) { author in
                do throws(VitalsError) {
                    let wall = wall()
                    let s = try controls.update { (c: inout AlertControls) throws(VitalsError) in try c.expire(id, now: wall) }
                    audit("silence \(s.id) expired by \(author)", ["silence": "\(s.id)", "author": "\(author)"])
                    return json(SilencesDocument.Entry(s, at: wall))
                } catch {
                    return .error(error.code == .usage ? 404 : 500, error.description)
                }
            }
        }
        if path.hasPrefix("/v1/alerts/"), path.hasSuffix("/ack") {
            let hex = String(path.dropFirst("/v1/alerts/".count).dropLast("/ack".count))
            guard let fp = Fingerprint(hex: hex) else {
                return .error(400, "\"\(hex)\" is not a fingerprint; `vitals alerts` lists them (16 hex digits)")
            }
            switch request.method {
            case "POST": return authorised(request) { acknowledge(fp, request, author: $0) }
            case "DELETE":
                return authorised(request) { author in
                    do throws(VitalsError) {
                        guard let ack = try controls.update({ (c: inout AlertControls) throws(VitalsError) in c.unacknowledge(fp) }) else {
                            return .error(404, "alert \(fp) is not acknowledged")
                        }
                        audit("acknowledgement of \(fp) removed by \(author)", [LogKey.fingerprint: "\(fp)", "author": "\(author)"])
                        return json(ack)
                    } catch {
                        return .error(500, error.description)
                    }
                }
            default: return .error(405, "\(path) answers POST (acknowledge) and DELETE (remove the acknowledgement)")
            }
        }
        return nil
    }

    /// Runs `write` for a peer allowed to change things, with the author's name.
    private func authorised(_ request: StatusRequest, _ write: (String) -> StatusReply) -> StatusReply {
        guard let peer = request.peer else {
            return .error(403, "cannot tell who is asking (no peer credentials on this socket); changes are refused")
        }
        guard peer.uid == 0 || peer.uid == agentUID else {
            return .error(
                403, "changing silences and acknowledgements needs root (you are \(UserName.describe(peer.uid))); run the command with sudo")
        }
        return write("\(UserName.describe(peer.uid)), pid \(peer.pid)")
    }

    private struct SilenceRequest: Decodable {
        var matchers: [String]
        var durationSeconds: Double?
        var startsAt: Double?
        var endsAt: Double?
        var comment: String?
        /// A maintenance window: the calendar event that starts each window, and its length.
        var every: String?
        var windowSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case matchers, comment, every
            case windowSeconds = "window_seconds"
            case durationSeconds = "duration_seconds"
            case startsAt = "starts_at"
            case endsAt = "ends_at"
        }
    }

    private func addSilence(_ request: StatusRequest, author: String) -> StatusReply {
        let body: SilenceRequest
        do {
            body = try JSONCodec.decode(SilenceRequest.self, from: request.body)
        } catch {
            return .error(
                400,
                "the body must be JSON like {\"matchers\": [\"check=disk\"], \"duration_seconds\": 7200, \"comment\": \"why\"}: \(Self.describe(error))"
            )
        }
        var matchers: [LabelMatcher] = []
        for (i, m) in body.matchers.enumerated() {
            do {
                matchers.append(try LabelMatcher(parsing: m))
            } catch {
                return .error(400, "matchers[\(i)]: \(error.description)")
            }
        }
        let comment = (body.comment ?? "").drop(while: \.isWhitespace)
        guard !comment.isEmpty else {
            return .error(400, "a silence needs a comment that says why (--comment \"disk swap on /srv\"), for whoever finds it later")
        }
        let now = wall()
        let start = body.startsAt ?? now
        var asked: Silence
        if let every = body.every {
            // A maintenance window: windows of window_seconds at each calendar event, for a year
            // (permanent ones belong in vitals.yaml, maintenance:).
            guard let length = body.windowSeconds, length >= MaintenanceWindow.shortest.seconds, length <= MaintenanceWindow.longest.seconds
            else {
                return .error(400, "a maintenance window needs window_seconds (--for) from 60 s to 31 days")
            }
            do {
                let spec = try CalendarSpec(every)
                let zone = try ZoneInfo.load(spec.zone)
                guard spec.next(after: now, zone: zone) != nil else {
                    return .error(400, "every: \"\(every)\" does not happen within the next 10 years")
                }
            } catch {
                return .error(400, "every: \(error.message)")
            }
            asked = Silence(
                id: Self.newID(), matchers: matchers, startsAt: start, endsAt: start + AlertControls.maxSilenceSeconds - 60, createdBy: author,
                comment: String(comment.prefix(1024)), createdAt: now, every: every, windowSeconds: length)
        } else {
            guard let end = body.endsAt ?? body.durationSeconds.map({ start + $0 }) else {
                return .error(400, "say how long: duration_seconds (--for 2h) or ends_at (Unix seconds)")
            }
            asked = Silence(
                id: Self.newID(), matchers: matchers, startsAt: start, endsAt: end, createdBy: author, comment: String(comment.prefix(1024)),
                createdAt: now)
        }
        let silence: Silence
        do {
            let added = try controls.update { (c: inout AlertControls) throws(VitalsError) in try c.add(asked, now: now) }
            silence = added.silence
            if added.repeated {
                // A retry (the agent died before it answered, or the command ran twice).
                audit(
                    "silence \(silence.id) asked for again by \(author): kept once, ends at the later end",
                    ["silence": "\(silence.id)", "author": "\(author)"])
                var entry = SilencesDocument.Entry(silence, at: now, windows: MaintenanceWindows.shared)
                entry.matchingAlerts = state.current.alerts.filter { matchers.matchAll($0.labels, severity: $0.severity) }.map(\.labels.fingerprint)
                return json(entry, status: 200)
            }
        } catch {
            return .error(error.code == .usage ? 400 : 500, error.description)
        }
        let span =
            silence.every.map { "every \($0) for \(Units.formatDuration(.seconds(Int64(silence.windowSeconds ?? 0))))" }
            ?? "for \(Units.formatDuration(.seconds(Int64(silence.endsAt - silence.startsAt))))"
        audit(
            "silence \(silence.id) added by \(author) \(span): \(matchers.map(\.description).joined(separator: " ")): \(silence.comment)",
            ["silence": "\(silence.id)", "author": "\(author)", "matchers": "\(matchers.map(\.description).joined(separator: " "))"])
        var entry = SilencesDocument.Entry(silence, at: now, windows: MaintenanceWindows.shared)
        entry.matchingAlerts = state.current.alerts.filter { matchers.matchAll($0.labels, severity: $0.severity) }.map(\.labels.fingerprint)
        return json(entry, status: 201)
    }

    private struct AckRequest: Decodable {
        var comment: String?
        var sticky: Bool?
        var expireSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case comment, sticky
            case expireSeconds = "expire_seconds"
        }
    }

    private func acknowledge(_ fp: Fingerprint, _ request: StatusRequest, author: String) -> StatusReply {
        let body: AckRequest
        do {
            body = request.body.isEmpty ? AckRequest() : try JSONCodec.decode(AckRequest.self, from: request.body)
        } catch {
            return .error(
                400, "the body must be JSON like {\"comment\": \"on it\", \"sticky\": false, \"expire_seconds\": 14400}: \(Self.describe(error))")
        }
        guard let alert = state.current.alerts.first(where: { $0.labels.fingerprint == fp }) else {
            return .error(404, "no alert \(fp); `vitals alerts --all` lists them")
        }
        guard alert.severity != .ok else {
            return .error(409, "alert \(fp) is ok; only a current problem can be acknowledged")
        }
        let now = wall()
        if let e = body.expireSeconds, !(e > 0) {
            return .error(400, "expire_seconds must be positive (--expire 4h)")
        }
        let ack = Acknowledgement(
            fingerprint: fp, author: author, comment: String((body.comment ?? "").prefix(1024)), sticky: body.sticky ?? false, at: now,
            expiresAt: body.expireSeconds.map { now + $0 }, severity: alert.severity)
        do {
            try controls.update { (c: inout AlertControls) throws(VitalsError) in c.acknowledge(ack) }
        } catch {
            return .error(500, error.description)
        }
        audit(
            "alert \(fp) acknowledged by \(author)\(ack.sticky ? " (sticky)" : ""): \(ack.comment)",
            [LogKey.fingerprint: "\(fp)", "author": "\(author)", "sticky": "\(ack.sticky)"])
        return json(ack)
    }

    /// A random id in the UUID layout (as Alertmanager's silence ids).
    static func newID() -> String {
        var g = SystemRandomNumberGenerator()
        let hex = (0..<2).map { _ in
            let v = g.next() as UInt64
            let s = String(v, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }.joined()
        let c = Array(hex)
        return [c[0..<8], c[8..<12], c[12..<16], c[16..<20], c[20..<32]].map { String($0) }.joined(separator: "-")
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let c): "\(c.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case DecodingError.dataCorrupted(let c):
            c.codingPath.isEmpty ? "not JSON" : "\(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        default: "\(error)"
        }
    }

    private func json(_ value: some Encodable, status: Int = 200) -> StatusReply {
        var reply = JSONReply.encode(value)
        if reply.status == 200 { reply.status = status }
        return reply
    }
}

/// The silences as the API shows them.
public struct SilencesDocument: Codable, Sendable {
    /// One silence with its state at the time of the request.
    public struct Entry: Codable, Sendable {
        public var id: String
        public var matchers: [LabelMatcher]
        public var startsAt: Double
        public var endsAt: Double
        public var createdBy: String
        public var comment: String
        public var createdAt: Double
        public var state: Silence.State
        /// For a new silence: the alerts it matches now.
        public var matchingAlerts: [Fingerprint]?
        /// A maintenance window: its calendar event, each window's length, when the windows stop
        /// (`starts_at`/`ends_at` are the window in force or the next one), and the next starts.
        public var every: String?
        public var windowSeconds: Double?
        public var recurringEndsAt: Double?
        public var nextWindows: [Double]?

        init(_ s: Silence, at wall: Double, windows: MaintenanceWindows? = nil) {
            if s.every != nil, let windows {
                self.init(plain: windows.materialize(s, at: wall), at: wall)
                every = s.every.flatMap { windows.resolve($0)?.spec.normalized } ?? s.every
                windowSeconds = s.windowSeconds
                recurringEndsAt = s.endsAt
                nextWindows = windows.nextWindows(s, after: wall, count: 3)
                return
            }
            self.init(plain: s, at: wall)
        }

        init(plain s: Silence, at wall: Double) {
            id = s.id
            matchers = s.matchers
            startsAt = s.startsAt
            endsAt = s.endsAt
            createdBy = s.createdBy
            comment = s.comment
            createdAt = s.createdAt
            state = s.state(at: wall)
        }

        enum CodingKeys: String, CodingKey {
            case id, matchers, comment, state
            case startsAt = "starts_at"
            case endsAt = "ends_at"
            case createdBy = "created_by"
            case createdAt = "created_at"
            case matchingAlerts = "matching_alerts"
            case every
            case windowSeconds = "window_seconds"
            case recurringEndsAt = "recurring_ends_at"
            case nextWindows = "next_windows"
        }
    }

    public var silences: [Entry]

    /// `silences` as they stand at `wall` (recurring ones already placed on their window).
    public init(_ silences: [Silence], at wall: Double, windows: MaintenanceWindows? = nil) {
        self.silences = silences.map { Entry($0, at: wall, windows: windows) }.sorted { ($0.state.order, $0.endsAt) < ($1.state.order, $1.endsAt) }
    }
}

extension Silence.State {
    /// Active first, then pending, then expired.
    var order: Int {
        switch self {
        case .active: 0
        case .pending: 1
        case .expired: 2
        }
    }
}

/// User names for peer credentials.
enum UserName {
    /// "alice (uid 1000)", or "uid 1000" when the user has no name.
    static func describe(_ uid: UInt32) -> String {
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buf = [CChar](repeating: 0, count: 4096)
        if getpwuid_r(uid, &pwd, &buf, buf.count, &result) == 0, result != nil, let name = pwd.pw_name {
            return "\(String(cString: name)) (uid \(uid))"
        }
        return "uid \(uid)"
    }
}
