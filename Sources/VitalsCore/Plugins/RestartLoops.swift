/// Issue 19: restart loops. A unit with `Restart=on-failure` that crashes every minute never
/// shows as failed (systemd#7107), so `failed_units` stays silent while the service is down most
/// of the time. The compiled-in check `unit_restarts` reads each service's `NRestarts` (and its
/// last `Result`) from systemd and counts the restarts within a window, as Monit's
/// "N restarts within M cycles" does.
public struct RestartPolicy: Sendable, Equatable {
    /// How often systemd is asked.
    public var interval: Duration = .seconds(60)
    /// The window the restarts are counted in.
    public var window: Duration = .seconds(900)
    /// Restarts within the window that make a warning, and a critical (nil: no critical).
    public var warning: Int = 3
    public var critical: Int? = 10

    public init() {}

    /// The compiled-in check's arguments (after `vitals:unit_restarts`), read back by `init(arguments:)`.
    public var arguments: [String] {
        ["window=\(window.components.seconds)", "warning=\(warning)", "critical=\(critical.map { "\($0)" } ?? "off")"]
    }

    /// The policy from the check's arguments; defaults for what is missing or malformed (they are
    /// written by `arguments`, never by hand).
    public init(arguments: [String]) {
        for a in arguments {
            let kv = a.split(separator: "=", maxSplits: 1)
            if kv.count == 2 && kv[0] == "critical" && kv[1] == "off" { critical = nil }
            guard kv.count == 2, let n = Int(kv[1]), n > 0 else { continue }
            switch kv[0] {
            case "window": window = .seconds(n)
            case "warning": warning = n
            case "critical": critical = n
            default: continue
            }
        }
    }
}

/// One service as systemd reports it: its automatic restarts since it was last started by hand
/// (`NRestarts`) and the result of its last run (`exit-code`, `signal`, `core-dump`, `watchdog`,
/// `timeout`, `oom-kill`, `success`...).
public struct ServiceRestarts: Sendable, Equatable {
    public var unit: String
    public var restarts: UInt32
    public var result: String

    public init(unit: String, restarts: UInt32, result: String) {
        self.unit = unit
        self.restarts = restarts
        self.result = result
    }

    /// Parses the C helper's lines `unit\tNRestarts\tResult` (unknown or malformed lines skipped).
    public static func parse(_ text: String) -> [ServiceRestarts] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 3, !f[0].isEmpty, let n = UInt32(f[1]) else { return nil }
            return ServiceRestarts(unit: String(f[0]), restarts: n, result: String(f[2]))
        }
    }
}

/// The restart counts seen per unit over the window (pure; the check keeps one across its runs).
/// Bounded: at most `maxUnits` units, each with the readings of one window.
public struct RestartHistory: Sendable {
    /// A unit restarting too often: how many times within the window, and its last result.
    public struct Loop: Sendable, Equatable {
        public var unit: String
        public var restarts: Int
        public var result: String

        public init(unit: String, restarts: Int, result: String) {
            self.unit = unit
            self.restarts = restarts
            self.result = result
        }
    }

    public static let maxUnits = 2000
    private var readings: [String: [(at: Double, count: UInt32)]] = [:]
    /// When the previous readings were taken: a unit not listed then had no restarts then.
    private var previous: Double?

    public init() {}

    /// Records the counts read at `now` (a unit not listed has none) and returns every unit
    /// that restarted at least once within `window`, most restarts first. A count that went
    /// down (started by hand, `systemctl reset-failed`) starts the unit's readings again. A unit
    /// listed now but not at the previous reading had none then; at the very first reading the
    /// counts have no time, so they are where counting starts.
    public mutating func observe(_ units: [ServiceRestarts], at now: Double, window: Duration) -> [Loop] {
        let start = now - window.seconds
        var seen = Set<String>()
        var loops: [Loop] = []
        for u in units.prefix(Self.maxUnits) {
            seen.insert(u.unit)
            var r = readings[u.unit] ?? previous.map { [(at: $0, count: UInt32(0))] } ?? []
            if let last = r.last, u.restarts < last.count { r = previous.map { [(at: $0, count: UInt32(0))] } ?? [] }
            r.append((now, u.restarts))
            // Keep the last reading at or before the window's start (the baseline) and those after.
            while r.count > 1 && r[1].at <= start { r.removeFirst() }
            readings[u.unit] = r
            let restarts = Int(u.restarts) - Int(r[0].count)
            if restarts > 0 { loops.append(Loop(unit: u.unit, restarts: restarts, result: u.result)) }
        }
        for unit in readings.keys where !seen.contains(unit) { readings[unit] = nil }
        previous = now
        return loops.sorted { $0.restarts != $1.restarts ? $0.restarts > $1.restarts : $0.unit < $1.unit }
    }

    /// The check's answer for these loops under `policy`: warning or critical naming the units
    /// at or above the levels, with their counts and last results; ok otherwise (naming the
    /// units that restarted below the level).
    public static func result(_ loops: [Loop], policy: RestartPolicy) -> PluginResult {
        let window = Units.formatDuration(policy.window)
        let top = loops.first?.restarts ?? 0
        let perf = [
            PerfDatum(
                label: "max_restarts", value: Double(top), warning: PluginRange(start: 0, end: Double(policy.warning - 1), inside: false),
                critical: policy.critical.map { PluginRange(start: 0, end: Double($0 - 1), inside: false) }, min: 0)
        ]
        func describe(_ l: Loop) -> String { "\(l.unit) restarted \(l.restarts) time\(l.restarts == 1 ? "" : "s") (last result: \(l.result))" }
        let looping = loops.filter { $0.restarts >= policy.warning }
        guard !looping.isEmpty else {
            let below = loops.isEmpty ? "" : "; below the level: " + loops.prefix(5).map(describe).joined(separator: ", ")
            return PluginResult(severity: .ok, message: "no unit restarted \(policy.warning) times within \(window)\(below)", perfData: perf)
        }
        let severity: Severity = policy.critical.map { top >= $0 } == true ? .critical : .warning
        let shown = looping.prefix(5).map(describe).joined(separator: ", ")
        let more = looping.count > 5 ? " and \(looping.count - 5) more" : ""
        let first = looping[0].unit
        return PluginResult(
            severity: severity,
            message: "restart loop within \(window): \(shown)\(more) (journalctl -u \(first) -n 50; systemctl status \(first))",
            perfData: perf)
    }
}
