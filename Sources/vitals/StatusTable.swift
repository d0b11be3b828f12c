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
        return TextTable.render(rows) + (doc.heartbeat.map { heartbeat($0, now: now) } ?? "")
    }

    /// One line for the heartbeat: where, how often, what the last tick did and when it last got
    /// through.
    static func heartbeat(_ h: HeartbeatStatus, now: Double) -> String {
        let every = Units.formatDuration(.seconds(Int64(h.intervalSeconds)))
        var line = "\nheartbeat: \(h.target) every \(every)"
        if let kind = h.lastKind {
            let when = h.lastAttemptAt.map { " " + ago(now - $0) } ?? ""
            line += "; last \(kind)\(when): \(h.lastResult ?? "-")"
            if let reason = h.lastReason { line += " (\(reason))" }
        } else {
            line += "; no call yet"
        }
        line += "; last success " + (h.lastSuccessAt.map { ago(now - $0) } ?? "never")
        line += "; \(h.pings) pings, \(h.failPings) fail calls, \(h.errors) errors, \(h.held) held\n"
        return line
    }
}

extension StatusTable {
    /// The units as a top-like table, sorted by `sort` ("cpu", "memory", "io"), largest first.
    static func units(_ stats: UnitStats?, sort: String, top: Int) -> String {
        guard let stats else { return "No per-unit figures yet (the agent has not finished a cycle, or its units sampler failed).\n" }
        guard stats.available else { return "Per-unit figures are not available: \(stats.reason ?? "no cgroup v2 hierarchy").\n" }
        func key(_ u: UnitUsage) -> Double {
            switch sort {
            case "memory": u.memoryBytes ?? -1
            case "io": (u.ioReadBytesPerSecond ?? 0) + (u.ioWriteBytesPerSecond ?? 0) - (u.ioReadBytesPerSecond == nil ? 1 : 0)
            default: u.cpuPercent ?? -1
            }
        }
        var list = stats.units.sorted { key($0) != key($1) ? key($0) > key($1) : $0.unit < $1.unit }
        if top > 0 { list = Array(list.prefix(top)) }
        func pct(_ v: Double?) -> String { v.map { Units.formatDecimal($0, places: 1) + "%" } ?? "-" }
        func bytes(_ v: Double?) -> String { v.map { Units.formatBytes($0) } ?? "-" }
        func rate(_ v: Double?) -> String { v.map { Units.formatBytes($0) + "/s" } ?? "-" }
        var rows = [["UNIT", "CPU", "MEMORY", "LIMIT", "IO READ", "IO WRITE", "PSI CPU", "PSI MEM", "PSI IO", "OOM KILLS"]]
        for u in list {
            let name = u.leaf ? u.unit : u.unit + " (+)"
            rows.append([
                name, pct(u.cpuPercent), bytes(u.memoryBytes), bytes(u.memoryLimitBytes), rate(u.ioReadBytesPerSecond),
                rate(u.ioWriteBytesPerSecond), pct(u.cpuPressure), pct(u.memoryPressure), pct(u.ioPressure),
                u.oomKills.map { Units.formatNumber($0) } ?? "-",
            ])
        }
        var text = TextTable.render(rows)
        let hidden = stats.units.count - list.count
        text += "\(stats.units.count) units in \(stats.root)"
        if hidden > 0 { text += ", \(hidden) not shown (--top 0 shows all)" }
        if stats.untracked > 0 { text += ", \(stats.untracked) beyond units.max not followed" }
        text += "; (+) holds other units (its figures include theirs); - not offered by the kernel for that unit.\n"
        return text
    }
}
