/// `vitals check` as a monitoring plugin for Nagios, Icinga and NRPE (pure): the first line is
/// `VITALS CRITICAL - <worst problem>; 2 more problems | <perfdata>`, which those systems show as
/// the status text and graph; the long output after it lists every problem, then every check; the
/// exit code is the worst state's (0-3), as the plugin guidelines define.
public enum PluginReport {
    /// One check's line in the report.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var severity: Severity
        public var message: String
        public var perfData: [PerfDatum]

        public init(name: String, severity: Severity, message: String, perfData: [PerfDatum] = []) {
            self.name = name
            self.severity = severity
            self.message = message
            self.perfData = perfData
        }
    }

    /// The report's text (ending in a newline) and exit code.
    public static func render(_ entries: [Entry]) -> (text: String, exitCode: Int32) {
        let worst = Severity.worst(entries.map(\.severity))
        // Worst first; among equals, the order given (built-in, then custom).
        let problems = entries.enumerated().filter { $0.element.severity != .ok }
            .sorted { ($0.element.severity.rank, -$0.offset) > ($1.element.severity.rank, -$1.offset) }.map(\.element)
        var head: String
        if let first = problems.first {
            head = "VITALS \(word(worst)) - \(oneLine(first.message))"
            if problems.count > 1 { head += "; \(problems.count - 1) more problem\(problems.count == 2 ? "" : "s")" }
        } else {
            head = "VITALS OK - \(entries.count) check\(entries.count == 1 ? "" : "s") ok"
        }
        let perf = entries.flatMap { e in e.perfData.map { $0.pluginText } }
        if !perf.isEmpty { head += " | " + perf.joined(separator: " ") }
        var lines = [head]
        for e in problems { lines.append("\(word(e.severity)): \(e.name): \(oneLine(e.message))") }
        for e in entries where e.severity == .ok { lines.append("OK: \(e.name): \(oneLine(e.message))") }
        return (lines.joined(separator: "\n") + "\n", worst.pluginExitCode)
    }

    /// The state as the plugin guidelines spell it (stale is UNKNOWN).
    static func word(_ s: Severity) -> String {
        switch s {
        case .ok: "OK"
        case .warning: "WARNING"
        case .critical: "CRITICAL"
        case .unknown, .stale: "UNKNOWN"
        }
    }

    /// A message on one line, without `|` (which would start perfdata).
    static func oneLine(_ text: String) -> String {
        String(text.map { $0 == "|" ? "/" : ($0.isNewline ? " " : $0) })
    }

    /// Perfdata for a built-in check's value: `'disk /srv'=96.2%;90;95;0;100`. The levels are
    /// plugin ranges in the check's direction (`90` alerts above 90, `10:` below 10).
    public static func perfDatum(_ status: CheckStatus, unit: String, spec: ThresholdSpec) -> PerfDatum? {
        guard let v = status.value else { return nil }
        func range(_ level: Level?) -> PluginRange? {
            guard let level else { return nil }
            return spec.direction == .above
                ? PluginRange(start: 0, end: level.trigger) : PluginRange(start: level.trigger, end: .infinity)
        }
        let label = status.resource.isEmpty ? status.check : "\(status.check) \(status.resource)"
        return PerfDatum(
            label: label, value: v, unit: unit, warning: range(spec.warning), critical: range(spec.critical), min: 0,
            max: unit == "%" ? 100 : nil)
    }
}

extension PerfDatum {
    /// As a plugin writes it: `'label'=value[UOM];[warn];[crit];[min];[max]`, the label quoted
    /// (a quote inside doubled), trailing empty fields left out.
    public var pluginText: String {
        var quoted = "'"
        for c in label {
            switch c {
            case "'": quoted += "''"
            case "=": quoted += "_"
            default: quoted.append(c)
            }
        }
        quoted += "'"
        var fields = [
            (value.map(Units.formatNumber) ?? "U") + unit, warning?.description ?? "", critical?.description ?? "",
            min.map(Units.formatNumber) ?? "", max.map(Units.formatNumber) ?? "",
        ]
        while fields.count > 1, fields.last == "" { fields.removeLast() }
        return quoted + "=" + fields.joined(separator: ";")
    }
}
