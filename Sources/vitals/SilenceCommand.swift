import VitalsCore
import VitalsDaemon
import VitalsServer

#if canImport(Glibc)
    import Glibc
#endif

/// `vitals silence add|list|expire`: mute alerts by their labels for a while.
struct SilenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence",
        abstract: "Mute alerts by their labels for a while (add, list, expire).",
        discussion: """
            A silence holds back every notification of the alerts it matches, except the recovery of a problem that was notified before it began. Matchers are written as Alertmanager writes them: name=value, name!=value, name=~regex, name!~regex; the labels are alertname, instance, check, resource, and severity. Changes need root.

            Examples:
              sudo vitals silence add --match check=disk --match resource=/srv --for 2h --comment "moving data"
              sudo vitals silence add --match 'resource=~/mnt/.*' --for 1d --comment "backup disks rotate"
              sudo vitals silence add --match check=disk --match resource=/backup --every 'Sun *-*-* 02:00' --for 2h --comment "weekly backup"
              systemd-analyze calendar --iterations=3 'Sun *-*-* 02:00'     # the same calendar syntax, to test an expression
              vitals silence list
              sudo vitals silence expire 3f2a9c1e
            """,
        subcommands: [Add.self, List.self, Expire.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a silence; prints its id and the alerts it mutes now.",
            discussion:
                "The same silence asked for again while it is in force (same matchers, author, comment and start) is kept once, so running the command again after the agent died before answering is safe."
        )

        @OptionGroup var common: CommonOptions

        @Option(name: .customLong("match"), parsing: .upToNextOption, help: "Matchers such as check=disk resource=/srv (all must hold).")
        var matchers: [String] = []

        @Option(name: .customLong("for"), help: "How long, e.g. 30m, 2h, 1d (with --every: each window's length).")
        var duration: String

        @Option(
            help: ArgumentHelp(
                "A maintenance window: a calendar event in systemd's syntax at which each window starts, e.g. 'Sun *-*-* 02:00' or 'Mon..Fri 22:00 Europe/Berlin'; it recurs for a year (permanent ones go in vitals.yaml, maintenance:).",
                valueName: "calendar"))
        var every: String?

        @Option(help: "When it starts, in seconds from now (e.g. 1h for a maintenance window later); default now.")
        var start: String?

        @Option(help: "Why; required, for whoever finds the silence later.")
        var comment: String

        @Flag(help: "Print the JSON the agent answered.")
        var json = false

        func validate() throws {
            guard !matchers.isEmpty else { throw ValidationError("give at least one --match, e.g. --match check=disk") }
            guard Units.parseDuration(duration).map({ $0 > .zero }) == true else {
                throw ValidationError("--for \(duration): expected a duration such as 30m, 2h or 1d")
            }
            if let start, Units.parseDuration(start) == nil {
                throw ValidationError("--start \(start): expected a duration from now such as 0s, 30m or 1h")
            }
            for m in matchers {
                do { _ = try LabelMatcher(parsing: m) } catch { throw ValidationError("--match \(m): \(error.description)") }
            }
        }

        func run() throws {
            let now = WallClock.now()
            let startsAt = now + (start.flatMap(Units.parseDuration)?.seconds ?? 0)
            let length = Units.parseDuration(duration)!.seconds
            let body =
                every != nil
                ? SilenceBody(matchers: matchers, startsAt: startsAt, endsAt: nil, comment: comment, every: every, windowSeconds: length)
                : SilenceBody(matchers: matchers, startsAt: startsAt, endsAt: startsAt + length, comment: comment)
            let reply = try common.send("POST", "/v1/silences", body: try JSONCodec.encode(body))
            if json {
                print(reply.text, terminator: "")
                return
            }
            let entry = try JSONCodec.decode(SilencesDocument.Entry.self, from: reply.body)
            let mutes = entry.matchingAlerts ?? []
            // 200, not 201: the same silence was already in force (a retry); it is kept once.
            let again = reply.status == 200 ? " (already in force: kept once)" : ""
            if let every = entry.every {
                let next = (entry.nextWindows ?? []).prefix(3).map { SilenceCommand.time($0) }.joined(separator: ", ")
                print(
                    "maintenance window \(entry.id)\(again): every \(every) for \(duration), \(entry.state.rawValue) now; next windows: \(next.isEmpty ? "none" : next); it matches \(mutes.count) alert\(mutes.count == 1 ? "" : "s") now"
                )
            } else {
                print(
                    "silence \(entry.id) \(entry.state.rawValue)\(again) until \(SilenceCommand.time(entry.endsAt)); it matches \(mutes.count) alert\(mutes.count == 1 ? "" : "s") now"
                )
            }
            for fp in mutes { print("  \(fp)") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List silences: active, pending, and expired within the last 5 days.")

        @OptionGroup var common: CommonOptions

        @Flag(help: "Print the JSON document of GET /v1/silences.")
        var json = false

        @Flag(help: "Also list expired silences.")
        var expired = false

        func run() throws {
            let reply = try common.fetch("/v1/silences")
            if json {
                print(reply.text, terminator: "")
                return
            }
            let doc = try JSONCodec.decode(SilencesDocument.self, from: reply.body)
            print(SilenceCommand.table(doc, now: WallClock.now(), expired: expired), terminator: "")
        }
    }

    struct Expire: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a silence now (an unambiguous id prefix of 4+ characters is enough).")

        @OptionGroup var common: CommonOptions

        @Argument(help: "The silence's id, as `vitals silence list` shows it.")
        var id: String

        func run() throws {
            let reply = try common.send("DELETE", "/v1/silences/\(id)")
            let entry = try JSONCodec.decode(SilencesDocument.Entry.self, from: reply.body)
            print("silence \(entry.id) expired")
        }
    }

    struct SilenceBody: Encodable {
        var matchers: [String]
        var startsAt: Double
        var endsAt: Double?
        var comment: String
        var every: String? = nil
        var windowSeconds: Double? = nil

        enum CodingKeys: String, CodingKey {
            case matchers, comment, every
            case startsAt = "starts_at"
            case endsAt = "ends_at"
            case windowSeconds = "window_seconds"
        }
    }

    static func time(_ t: Double) -> String {
        var tt = time_t(t)
        var parts = Glibc.tm()
        localtime_r(&tt, &parts)
        var buf = [CChar](repeating: 0, count: 64)
        strftime(&buf, buf.count, "%Y-%m-%d %H:%M:%S %Z", &parts)
        return String(cBuffer: buf)
    }

    static func table(_ doc: SilencesDocument, now: Double, expired: Bool) -> String {
        let shown = doc.silences.filter { expired || $0.state != .expired }
        if shown.isEmpty { return "no silences\(expired ? "" : " in force (--expired lists ended ones)")\n" }
        var rows = [["ID", "STATE", "ENDS", "CREATED BY", "MATCHERS", "COMMENT"]]
        func inTime(_ t: Double) -> String { "in \(Units.formatDuration(.seconds(Int64(max(0, t - now)))))" }
        var windows: [String] = []
        for s in shown {
            var ends = s.state == .expired ? StatusTable.ago(now - s.endsAt) : inTime(s.endsAt)
            if let every = s.every, s.state != .expired {
                // A maintenance window: the window in force ends, or the next one starts.
                ends = s.state == .active ? "window ends \(inTime(s.endsAt))" : "next window \(inTime(s.startsAt))"
                let length = Units.formatDuration(.seconds(Int64(s.windowSeconds ?? 0)))
                let next = (s.nextWindows ?? []).prefix(3).map { time($0) }.joined(separator: ", ")
                windows.append("\(s.id): every \(every) for \(length); next: \(next.isEmpty ? "none" : next)")
            }
            rows.append([s.id, s.state.rawValue, ends, s.createdBy, s.matchers.map(\.description).joined(separator: " "), s.comment])
        }
        if !windows.isEmpty { return TextTable.render(rows) + "\nmaintenance windows:\n" + windows.map { "  " + $0 + "\n" }.joined() }
        return TextTable.render(rows)
    }
}

/// `vitals ack`: acknowledge a problem so it stops repeating and escalating.
struct AckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Acknowledge a problem: no repeats, no escalation while it holds.",
        discussion: """
            A plain acknowledgement ends at the alert's next change of state, which is notified; a sticky one holds through changes until the problem is over. Either ends at recovery, or after --expire. FINGERPRINT is the one `vitals alerts` shows. Changes need root.

            Examples:
              sudo vitals ack 6c9d0e1f2a3b4c5d --comment "replacing the disk"
              sudo vitals ack 6c9d0e1f2a3b4c5d --sticky --expire 4h --comment "migration running"
              sudo vitals ack 6c9d0e1f2a3b4c5d --remove
            """)

    @OptionGroup var common: CommonOptions

    @Argument(help: "The alert's fingerprint (16 hex digits).")
    var fingerprint: String

    @Option(help: "What you are doing about it.")
    var comment: String?

    @Flag(help: "Hold through changes of severity until recovery.")
    var sticky = false

    @Option(help: "End the acknowledgement after this long, e.g. 4h.")
    var expire: String?

    @Flag(help: "Remove the acknowledgement instead.")
    var remove = false

    func validate() throws {
        guard Fingerprint(hex: fingerprint) != nil else {
            throw ValidationError("\(fingerprint) is not a fingerprint; `vitals alerts` lists them (16 hex digits)")
        }
        if let expire, Units.parseDuration(expire).map({ $0 > .zero }) != true {
            throw ValidationError("--expire \(expire): expected a duration such as 30m or 4h")
        }
    }

    struct AckBody: Encodable {
        var comment: String?
        var sticky: Bool
        var expireSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case comment, sticky
            case expireSeconds = "expire_seconds"
        }
    }

    func run() throws {
        let path = "/v1/alerts/\(fingerprint.lowercased())/ack"
        if remove {
            _ = try common.send("DELETE", path)
            print("acknowledgement of \(fingerprint) removed")
            return
        }
        let body = AckBody(comment: comment, sticky: sticky, expireSeconds: expire.flatMap(Units.parseDuration)?.seconds)
        let reply = try common.send("POST", path, body: try JSONCodec.encode(body))
        let ack = try JSONCodec.decode(Acknowledgement.self, from: reply.body)
        let until = ack.expiresAt.map { " until \(SilenceCommand.time($0))" } ?? ""
        print("\(fingerprint) acknowledged by \(ack.author)\(ack.sticky ? " (sticky)" : "")\(until)")
    }
}
