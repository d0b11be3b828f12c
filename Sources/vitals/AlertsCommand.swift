import VitalsCore
import VitalsDaemon
import VitalsServer

#if canImport(Glibc)
    import Glibc
#endif

/// `vitals alerts`: every alert with its state, since when, and the last notification and reason.
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Show every alert: state, since when, last notification and its reason (table, or --json).",
        discussion: """
            An alert is one check on one resource; its FINGERPRINT is the one Alertmanager computes from the same labels. Exit status: 0 when the agent answered, 1 when it could not be reached.

            Examples:
              vitals alerts
              vitals alerts --all
              vitals alerts --json | jq '.alerts[] | select(.severity == "critical") | .fingerprint'
            """)

    @OptionGroup var common: CommonOptions

    @Flag(help: "Print the JSON document of GET /v1/alerts.")
    var json = false

    @Flag(help: "Also list alerts that are ok and owe nothing (every check the engine tracks).")
    var all = false

    func run() throws {
        let reply = try common.fetch("/v1/alerts")
        if json {
            print(reply.text, terminator: "")
            return
        }
        do {
            let doc = try JSONCodec.decode(AlertsDocument.self, from: reply.body)
            print(Self.table(doc, now: WallClock.now(), all: all), terminator: "")
        } catch {
            printError("vitals: cannot read the agent's reply: \(error)")
            throw ExitCode(1)
        }
    }

    static func table(_ doc: AlertsDocument, now: Double, all: Bool) -> String {
        let shown = doc.alerts.filter { all || $0.severity != .ok || $0.notified != nil }
        if shown.isEmpty { return "no alerts (\(doc.alerts.count) checks ok)\n" }
        var rows = [["FINGERPRINT", "STATE", "CHECK", "RESOURCE", "SINCE", "LAST NOTIFIED", "STEP", "HELD", "MESSAGE"]]
        for a in shown {
            let last = a.lastNotificationAt.map { "\(StatusTable.ago(now - $0)) (\(a.lastReason?.rawValue ?? "?"))" } ?? "-"
            var held: [String] = []
            if let m = a.mutedBy { held.append(m.kind == .silenced ? "silenced \(m.by.prefix(8))" : "inhibited by \(m.by)") }
            if let ack = a.acknowledgement { held.append("acked\(ack.sticky ? " (sticky)" : "") by \(ack.author.split(separator: " ").first ?? "")") }
            if a.flapping { held.append("flapping") }
            rows.append([
                "\(a.fingerprint)", a.severity.rawValue, a.labels["check"] ?? "", a.labels["resource"] ?? "",
                StatusTable.ago(now - a.since), last, a.escalationStep.map { "\($0)" } ?? "-", held.isEmpty ? "-" : held.joined(separator: ", "),
                a.message,
            ])
        }
        return TextTable.render(rows)
    }
}

/// Columns padded to their widest cell; the last column runs free.
enum TextTable {
    static func render(_ rows: [[String]]) -> String {
        guard let columns = rows.first?.count, columns > 0 else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for r in rows { for i in 0..<columns - 1 { widths[i] = max(widths[i], r[i].count) } }
        var out = ""
        for r in rows {
            var line = ""
            for i in 0..<columns - 1 {
                let cell = r[i]
                line += cell + String(repeating: " ", count: widths[i] - cell.count) + "  "
            }
            out += line + r[columns - 1] + "\n"
        }
        return out
    }
}
