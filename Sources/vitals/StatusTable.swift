import VitalsCore
import VitalsDaemon

/// Renders the status document as a table for people.
enum StatusTable {
    static func render(_ doc: StatusDocument, now: Double, color: Bool) -> String {
        var out = "vitals \(doc.agent.version) (pid \(doc.agent.pid)), interval \(Units.formatNumber(doc.agent.intervalSeconds))s, "
        out += "\(doc.summary.line)\n"
        if doc.snapshot == nil { out += "no sampling cycle has completed yet\n" }
        let rows = doc.checks.sorted {
            $0.severity.rank != $1.severity.rank ? $0.severity.rank > $1.severity.rank : ($0.check, $0.resource) < ($1.check, $1.resource)
        }
        let header = ["CHECK", "RESOURCE", "STATE", "SINCE", "MESSAGE"]
        let cells = rows.map { c in
            [c.check, c.resource, c.severity.rawValue, ago(now - c.since), c.message + (c.pending.map { " [pending: \($0)]" } ?? "")]
        }
        var widths = header.map(\.count)
        for r in cells { for i in 0..<4 { widths[i] = max(widths[i], r[i].count) } }
        func line(_ r: [String], _ severity: Severity?) -> String {
            var s = ""
            for i in 0..<4 {
                var cell = r[i] + String(repeating: " ", count: widths[i] - r[i].count)
                if i == 2, color, let severity { cell = paint(cell, severity) }
                s += cell + "  "
            }
            return s + r[4] + "\n"
        }
        out += line(header, nil)
        for (r, c) in zip(cells, rows) { out += line(r, c.severity) }
        return out
    }

    static func health(_ h: HealthDocument) -> String {
        var out = "status: \(h.status)\n"
        for p in h.problems { out += "  degraded: \(p)\n" }
        out += "cycles: \(h.cycles)\n"
        if let a = h.lastCycleAgeSeconds { out += "last cycle: \(Units.formatDecimal(a, places: 1)) s ago" }
        if let d = h.lastCycleDurationMs { out += ", took \(Units.formatDecimal(d, places: 1)) ms" }
        out += "\ninterval: \(Units.formatNumber(h.intervalSeconds)) s, overruns: \(h.overruns), reloads: \(h.reloads)\n"
        if let r = h.lastReloadError {
            out += "last reload refused\(h.lastReloadRefusedAt.map { " " + ago(WallClock.now() - $0) } ?? ""):\n\(r)\n"
        }
        return out
    }

    static func ago(_ seconds: Double) -> String {
        let s = Int64(max(0, seconds))
        if s < 60 { return "\(s)s ago" }
        return Units.formatDuration(.seconds(s / 60 * 60)) + " ago"
    }

    static func paint(_ text: String, _ s: Severity) -> String {
        let code: String
        switch s {
        case .ok: code = "32"
        case .warning: code = "33"
        case .critical: code = "1;31"
        case .unknown, .stale: code = "35"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}

extension StatusTable {
    /// The channels' delivery state: breaker, queue, counts, last error.
    static func channels(_ doc: ChannelsDocument, now: Double) -> String {
        var rows = [["CHANNEL", "TYPE", "BREAKER", "QUEUED", "DELIVERED", "FAILED", "GIVEN UP", "LAST ERROR"]]
        for c in doc.channels {
            let givenUp = c.givenUp.values.reduce(0, +)
            let error = c.lastError.map { e in "\(c.lastErrorAt.map { ago(now - $0) + ": " } ?? "")\(e)" } ?? "-"
            if c.type == "log" {
                // Written to the journal as they are decided: no outbox, breaker or count of its own.
                rows.append([c.name, c.type, "-", "-", "journal", "-", "-", error])
            } else {
                rows.append([c.name, c.type, c.breaker, "\(c.queued)", "\(c.delivered)", "\(c.failedAttempts)", "\(givenUp)", error])
            }
        }
        return TextTable.render(rows)
    }
}
