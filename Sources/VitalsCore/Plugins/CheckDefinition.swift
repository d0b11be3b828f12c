/// A custom check as an operator defines it in /etc/vitals/checks.d/*.yaml: a monitoring-plugins
/// executable run with an argv array (never a shell), on its own interval and timeout.
public struct CheckDefinition: Sendable, Equatable {
    /// Unique over all files: letters, digits, `_` and `-` (it becomes the `check` label).
    public var name: String
    /// argv; the first element is an absolute path.
    public var command: [String]
    public var interval: Duration
    public var timeout: Duration
    /// Consecutive results a worse (better) state must repeat before it counts.
    public var raiseAfter: Int
    public var clearAfter: Int
    /// Extra alert labels.
    public var labels: [String: String]
    /// Names of variables passed from the agent's environment; nothing else is passed but PATH,
    /// LANG=C.UTF-8 and the plugin's own fixed values.
    public var environment: [String]
    /// Checks that must be ok for this one to run; while one is not, this one is unknown with
    /// the reason (a web check depending on its database check).
    public var dependsOn: [String]
    /// The user to run as; nil is the default (`nobody` when the agent is root).
    public var user: String?
    /// Levels of vitals' own on the plugin's perfdata, in the plugin's units.
    public var thresholds: [PerfThreshold] = []
    /// Where it was defined ("checks.d/web.yaml:3:3").
    public var source: String

    public init(
        name: String, command: [String], interval: Duration = .seconds(60), timeout: Duration = .seconds(10), raiseAfter: Int = 1,
        clearAfter: Int = 1, labels: [String: String] = [:], environment: [String] = [], dependsOn: [String] = [], user: String? = nil,
        source: String = ""
    ) {
        self.name = name
        self.command = command
        self.interval = interval
        self.timeout = timeout
        self.raiseAfter = raiseAfter
        self.clearAfter = clearAfter
        self.labels = labels
        self.environment = environment
        self.dependsOn = dependsOn
        self.user = user
        self.source = source
    }
}

/// The checks compiled into vitals (implemented in VitalsPlugins), as definitions: their command
/// is `vitals:<name>`, which names the check and is never executed.
public enum CompiledChecks {
    /// The definitions with the operator's settings (`plugins.unit_restarts`).
    public static func definitions(_ plugins: PluginConfig = PluginConfig()) -> [CheckDefinition] {
        [
            CheckDefinition(name: "failed_units", command: ["vitals:failed_units"], interval: .seconds(60), timeout: .seconds(5), source: "built in"),
            CheckDefinition(
                name: "reboot_required", command: ["vitals:reboot_required"], interval: .seconds(300), timeout: .seconds(5), source: "built in"),
            CheckDefinition(name: "clock_sync", command: ["vitals:clock_sync"], interval: .seconds(120), timeout: .seconds(5), source: "built in"),
            CheckDefinition(
                name: "unit_restarts", command: ["vitals:unit_restarts"] + plugins.unitRestarts.arguments, interval: plugins.unitRestarts.interval,
                timeout: .seconds(5), source: "built in"),
        ]
    }

    public static var names: Set<String> { Set(definitions().map(\.name)) }
}

/// A level of vitals' own on one perfdata value (in the unit the plugin writes): it can raise the
/// plugin's state, never lower it.
public struct PerfThreshold: Sendable, Equatable {
    public var label: String
    public var warning: Double?
    public var critical: Double?
    /// Lower is worse (free space) instead of higher (load).
    public var below: Bool

    public init(label: String, warning: Double? = nil, critical: Double? = nil, below: Bool = false) {
        self.label = label
        self.warning = warning
        self.critical = critical
        self.below = below
    }
}

extension PluginResult {
    /// The result with vitals' own levels applied: the worse of the plugin's state and the levels',
    /// each crossing named in the message ("; load1 9.2 above critical 8").
    public func applying(_ thresholds: [PerfThreshold]) -> PluginResult {
        guard !thresholds.isEmpty else { return self }
        var r = self
        var notes: [String] = []
        for t in thresholds {
            guard let d = perfData.first(where: { $0.label == t.label }) else {
                notes.append("perfdata \(t.label) missing")
                continue
            }
            guard let v = d.value else { continue }
            func crosses(_ level: Double?) -> Bool { level.map { t.below ? v < $0 : v > $0 } ?? false }
            let word = t.below ? "below" : "above"
            let shown = Units.formatNumber(v) + d.unit
            if crosses(t.critical) {
                r.severity = Severity.worst([r.severity, .critical])
                notes.append("\(t.label) \(shown) \(word) critical \(Units.formatNumber(t.critical!))\(d.unit)")
            } else if crosses(t.warning) {
                r.severity = Severity.worst([r.severity, .warning])
                notes.append("\(t.label) \(shown) \(word) warning \(Units.formatNumber(t.warning!))\(d.unit)")
            }
        }
        if !notes.isEmpty { r.message += "; " + notes.joined(separator: "; ") }
        return r
    }
}
