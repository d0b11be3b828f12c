public import VitalsCore

/// The words of a message, shared by the channels that carry text (mail subject and body, the
/// webhook's summary annotation): what happened, on which host, how bad, since when.
public enum MessageText {
    /// `[CRITICAL] web1: disk /srv 96.2% used, above critical 95%` for one alert;
    /// `[CRITICAL] web1: 3 alerts (2 critical, 1 warning)` for several; `[RESOLVED] ...` when all
    /// recovered.
    /// With `template`, the operator's subject, rendered with the worst alert of the message
    /// (`{{ count }}` says how many it carries), on one line.
    public static func subject(_ m: ChannelMessage, instance: String, template: MessageTemplate? = nil) -> String {
        let ns = m.notifications
        guard let first = ns.first else {
            return "[DIGEST] \(instance): \(m.digest.map { "\($0.count) alerts held back by the storm limit" } ?? "no alerts")"
        }
        if let template {
            let worst = ns.max(by: { rank($0.severity) < rank($1.severity) }) ?? first
            return oneLine(template.render(worst, instance: instance, count: ns.count, channel: m.channel))
        }
        if ns.count == 1 { return "\(tag(first)) \(instance): \(oneLine(first.message))" }
        let worst = ns.map(\.severity).max(by: { rank($0) < rank($1) }) ?? .ok
        let tagText = worst == .ok ? "[RESOLVED]" : "[\(worst.description.uppercased())]"
        var counts: [Severity: Int] = [:]
        for n in ns { counts[n.severity, default: 0] += 1 }
        let parts = [Severity.critical, .warning, .unknown, .stale, .ok].compactMap { s in
            counts[s].map { "\($0) \(s == .ok ? "resolved" : s.description)" }
        }
        return "\(tagText) \(instance): \(ns.count) alerts (\(parts.joined(separator: ", ")))"
    }

    /// The plain-text body: one block per alert (state, value, limit, since when, reason), then
    /// the digest of what the storm limit held back.
    /// With `template`, the operator's text for each alert instead of vitals' block; the
    /// fallback note, the digest and the limit note stay.
    public static func body(_ m: ChannelMessage, instance: String, via: String? = nil, template: MessageTemplate? = nil) -> String {
        var out: [String] = []
        if let via { out.append("(Channel \(via) is failing; this message comes through its fallback.)\n") }
        for n in m.notifications {
            if let template {
                out.append(template.render(n, instance: instance, count: m.notifications.count, channel: m.channel))
                continue
            }
            var lines = [
                "\(tag(n)) \(n.labels["alertname"] ?? "alert") on \(instance)\(n.labels["resource"].map { $0.isEmpty ? "" : " (\($0))" } ?? "")"
            ]
            lines.append("  \(oneLine(n.message))")
            let unit = n.annotations?["unit"].map { $0 == "%" ? "%" : " \($0)" } ?? ""
            if let v = n.value { lines.append("  value:     \(Units.formatNumber(v))\(unit)") }
            if let t = n.threshold { lines.append("  limit:     \(Units.formatNumber(t))\(unit)") }
            lines.append("  since:     \(Timestamp.rfc3339(n.startsAt))")
            if let d = n.duration {
                lines.append("  lasted:    \(Units.formatDuration(d))\(n.worstValue.map { "; worst value \(Units.formatNumber($0))" } ?? "")")
            }
            lines.append("  why now:   \(n.reason.description)\(n.previous.map { " (was \($0))" } ?? "")")
            if let by = n.acknowledgedBy { lines.append("  acked by:  \(by)") }
            if let top = n.annotations?["top_processes"] { lines.append("  processes: \(top)") }
            if let c = n.culprits, !c.isEmpty { lines.append("  culprits:  \(c.map(\.description).joined(separator: ", "))") }
            if let r = n.labels["runbook"] ?? n.labels["runbook_url"] { lines.append("  runbook:   \(r)") }
            lines.append("  alert id:  \(n.fingerprint) (vitals alerts; vitals ack \(n.fingerprint))")
            out.append(lines.joined(separator: "\n"))
        }
        if let d = m.digest { out.append(d.description) }
        if m.limitReached { out.append("This channel reached its hourly alert limit; further alerts are folded into a digest.") }
        return out.joined(separator: "\n\n") + "\n"
    }

    static func tag(_ n: AlertNotification) -> String {
        n.severity == .ok ? "[RESOLVED]" : "[\(n.severity.description.uppercased())]"
    }

    static func rank(_ s: Severity) -> Int {
        switch s {
        case .critical: 4
        case .warning: 3
        case .unknown: 2
        case .stale: 1
        case .ok: 0
        }
    }

    /// The first line, without control characters (a subject is one line).
    static func oneLine(_ s: String) -> String {
        String(s.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first ?? "").filter { !$0.isASCII || $0.asciiValue! >= 32 }
    }
}
