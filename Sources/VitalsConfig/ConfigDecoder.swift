import VitalsCore

/// Turns a YAML node tree into a validated `Config`, collecting every problem instead of stopping
/// at the first, and remembering where each value came from.
struct ConfigDecoder {
    var issues: [ConfigIssue] = []
    var provenance: [String: ConfigSource] = [:]
    /// systemd's `$CREDENTIALS_DIRECTORY`, where `{credential: NAME}` secrets are read.
    var credentialsDirectory: String? = nil

    static let rootKeys = [
        "interval", "procfs_root", "socket", "log", "disk", "file_handles", "units", "alerts", "channels", "routes", "plugins", "metrics",
        "thresholds", "heartbeat", "maintenance", "actions",
    ]
    static let alertKeys = [
        "repeat", "repeat_backoff", "repeat_max", "unknown_after", "resolve_hold", "flapping", "group_wait", "max_alerts_per_hour", "inhibit",
    ]
    static let repeatKeys = ["critical", "warning", "unknown", "stale"]
    static let levelKeys = ["enabled", "warning", "warning_clear", "critical", "critical_clear", "raise_after", "clear_after"]
    static let floorKeys = ["warning_free_below", "critical_free_below"]

    mutating func decode(_ root: YAMLNode?) -> Config {
        var c = Config()
        guard let root else { return c }
        guard let f = fields(root, "", known: Self.rootKeys) else { return c }
        if let n = f["interval"], let d = duration(n, "interval", atLeast: .seconds(1), atMost: .seconds(3600)) { c.interval = d }
        if let n = f["procfs_root"], let s = absolutePath(n, "procfs_root") { c.procfsRoot = s }
        if let n = f["socket"] {
            if n.isNull || n.scalar == "auto" {
                note("socket", n)
            } else if let s = absolutePath(n, "socket") {
                c.socketPath = s
            }
        }
        if let n = f["log"], let lf = fields(n, "log", known: ["level", "target"]) {
            if let l = lf["level"], let v = oneOf(l, "log.level", LogConfig.levels) { c.log.level = v }
            if let t = lf["target"], let v = oneOf(t, "log.target", LogConfig.Target.allCases.map(\.rawValue)) {
                c.log.target = LogConfig.Target(rawValue: v)!
            }
        }
        if let n = f["disk"],
            let df = fields(
                n, "disk",
                known: ["include_tmpfs", "exclude_types", "exclude_mounts", "statvfs_timeout", "forecast_short_window", "forecast_long_window"])
        {
            if let v = df["include_tmpfs"], let b = bool(v, "disk.include_tmpfs") { c.disk.includeTmpfs = b }
            if let v = df["exclude_types"], let l = stringList(v, "disk.exclude_types") { c.disk.excludeTypes = l }
            if let v = df["exclude_mounts"], let l = stringList(v, "disk.exclude_mounts") {
                for (i, m) in l.enumerated() where !m.hasPrefix("/") {
                    issue(v, "disk.exclude_mounts[\(i)]", "expected an absolute mount point such as /mnt/backup, got \"\(m)\"")
                }
                c.disk.excludeMounts = l
            }
            if let v = df["forecast_short_window"],
                let d = duration(v, "disk.forecast_short_window", atLeast: .seconds(600), atMost: .seconds(12 * 3600))
            {
                c.disk.forecast.short = d
            }
            if let v = df["forecast_long_window"],
                let d = duration(v, "disk.forecast_long_window", atLeast: .seconds(3600), atMost: .seconds(7 * 86400))
            {
                c.disk.forecast.long = d
            }
            if c.disk.forecast.long < c.disk.forecast.short * 2, let n = df["forecast_long_window"] ?? df["forecast_short_window"] {
                issue(
                    n, "disk.forecast_long_window",
                    "\(Units.formatDuration(c.disk.forecast.long)) must be at least twice disk.forecast_short_window \(Units.formatDuration(c.disk.forecast.short)) (the long trend confirms the short one)"
                )
            }
            if let v = df["statvfs_timeout"], let d = duration(v, "disk.statvfs_timeout", atLeast: .milliseconds(100)) {
                c.disk.statvfsTimeout = d
            }
        }
        if c.disk.statvfsTimeout >= c.interval, provenance["disk.statvfs_timeout"] != nil, let n = f["disk"] {
            issue(
                n, "disk.statvfs_timeout",
                "\(Units.formatDuration(c.disk.statvfsTimeout)) must be shorter than interval \(Units.formatDuration(c.interval)) so a hung mount cannot delay a cycle"
            )
        }
        if let n = f["file_handles"], let ff = fields(n, "file_handles", known: ["top_processes", "scan_interval"]) {
            if let v = ff["top_processes"], let i = integer(v, "file_handles.top_processes", 0...100) {
                c.fileHandles.topProcesses = i
            }
            // A process nearing its limit must still be seen within a few minutes.
            if let v = ff["scan_interval"], let d = duration(v, "file_handles.scan_interval", atLeast: .seconds(1), atMost: .seconds(600)) {
                c.fileHandles.scanInterval = d
            }
        }
        if let n = f["units"], let uf = fields(n, "units", known: ["enabled", "cgroup_root", "max", "exclude"]) {
            if let v = uf["enabled"], let b = bool(v, "units.enabled") { c.units.enabled = b }
            if let v = uf["cgroup_root"], let s = absolutePath(v, "units.cgroup_root") { c.units.cgroupRoot = s }
            if let v = uf["max"], let k = integer(v, "units.max", 1...10_000) { c.units.max = k }
            if let v = uf["exclude"], let l = stringList(v, "units.exclude") {
                for (i, g) in l.enumerated() {
                    if let why = UnitGlob.problem(g) {
                        issue(v, "units.exclude[\(i)]", "\"\(g)\": \(why); expected a unit name or glob such as user@*.service")
                    }
                }
                c.units.exclude = l.filter { UnitGlob.problem($0) == nil }
            }
        }
        if let n = f["alerts"], let af = fields(n, "alerts", known: Self.alertKeys) {
            decodeAlerts(af, into: &c.alerts)
            decodeAlertNotify(af, into: &c.notify)
        }
        decodeChannelsAndRoutes(f, into: &c.notify)
        if let n = f["heartbeat"] { c.heartbeat = decodeHeartbeat(n) }
        if let n = f["maintenance"] { c.maintenance = decodeMaintenance(n) }
        if let n = f["actions"] { c.actions = decodeActions(n) }
        if let n = f["metrics"], let mf = fields(n, "metrics", known: ["listen"]), let v = mf["listen"] {
            if v.isNull {
                note("metrics.listen", v)
            } else if let text = v.scalar, let a = Self.listenAddress(text) {
                note("metrics.listen", v)
                c.metricsListen = a
            } else {
                issue(
                    v, "metrics.listen",
                    "expected a port (9105: loopback) or host:port (127.0.0.1:9105; 0.0.0.0:9105 for every address), or off; got \(v.shape)")
            }
        }
        if let n = f["plugins"], let pf = fields(n, "plugins", known: ["directory", "max_concurrent", "builtin_checks", "unit_restarts"]) {
            if let v = pf["unit_restarts"], let rf = fields(v, "plugins.unit_restarts", known: ["interval", "window", "warning", "critical"]) {
                var r = c.plugins.unitRestarts
                if let x = rf["interval"], let d = duration(x, "plugins.unit_restarts.interval", atLeast: .seconds(5), atMost: .seconds(3600)) {
                    r.interval = d
                }
                if let x = rf["window"], let d = duration(x, "plugins.unit_restarts.window", atLeast: .seconds(60), atMost: .seconds(86400)) {
                    r.window = d
                }
                if let x = rf["warning"], let k = integer(x, "plugins.unit_restarts.warning", 1...10_000) { r.warning = k }
                if let x = rf["critical"] {
                    if x.scalar == "off" {
                        note("plugins.unit_restarts.critical", x)
                        r.critical = nil
                    } else if let k = integer(x, "plugins.unit_restarts.critical", 1...10_000) {
                        r.critical = k
                    }
                }
                if let k = r.critical, k <= r.warning, let x = rf["critical"] ?? rf["warning"] {
                    issue(x, "plugins.unit_restarts.critical", "\(k) must be above warning \(r.warning) (or off)")
                }
                if r.window < r.interval * 2, let x = rf["window"] ?? rf["interval"] {
                    issue(
                        x, "plugins.unit_restarts.window",
                        "\(Units.formatDuration(r.window)) must be at least twice the interval \(Units.formatDuration(r.interval)) so restarts are counted over several readings"
                    )
                }
                c.plugins.unitRestarts = r
            }
            if let v = pf["builtin_checks"], let b = bool(v, "plugins.builtin_checks") { c.plugins.builtinChecks = b }
            if let v = pf["directory"], let s = absolutePath(v, "plugins.directory") { c.plugins.directory = s }
            if let v = pf["max_concurrent"], let k = integer(v, "plugins.max_concurrent", 1...64) { c.plugins.maxConcurrent = k }
        }
        if let n = f["thresholds"], let tf = fields(n, "thresholds", known: BuiltinCheck.allCases.map(\.rawValue)) {
            for check in BuiltinCheck.allCases {
                guard let node = tf[check.rawValue] else { continue }
                let path = "thresholds.\(check.rawValue)"
                var known = Self.levelKeys
                if check == .disk || check == .diskForecast { known += Self.floorKeys }
                if check.perMount { known.append("mounts") }
                if check.perUnit { known.append("units") }
                guard let lf = fields(node, path, known: known) else { continue }
                let spec = thresholds(lf, path, base: check.defaultSpec, check: check)
                var mounts: [String: ThresholdSpec] = [:]
                if let m = lf["mounts"], let entries = mapping(m, "\(path).mounts") {
                    for (key, value) in entries {
                        guard let mount = key.scalar, mount.hasPrefix("/") else {
                            issue(key, "\(path).mounts", "expected a mount point such as /srv as key, got \(key.shape)")
                            continue
                        }
                        let mpath = "\(path).mounts.\(mount)"
                        guard let mf = fields(value, mpath, known: known.filter { $0 != "mounts" }) else { continue }
                        mounts[mount] = thresholds(mf, mpath, base: spec, check: check)
                    }
                }
                var units: [UnitOverride] = []
                if let m = lf["units"], let entries = mapping(m, "\(path).units") {
                    for (key, value) in entries {
                        guard let glob = key.scalar, UnitGlob.problem(glob) == nil else {
                            let why = key.scalar.flatMap(UnitGlob.problem) ?? "not a name"
                            issue(
                                key, "\(path).units",
                                "expected a unit name or glob such as postgresql.service or backup-*.service as key (\(why)), got \(key.shape)")
                            continue
                        }
                        let upath = "\(path).units.\(glob)"
                        guard let uf = fields(value, upath, known: known.filter { $0 != "units" }) else { continue }
                        units.append(UnitOverride(pattern: glob, spec: thresholds(uf, upath, base: spec, check: check)))
                    }
                }
                c.thresholds[check.rawValue] = CheckThresholds(spec: spec, mounts: mounts, units: units)
            }
        }
        return c
    }

    // MARK: thresholds

    mutating func thresholds(_ f: [String: YAMLNode], _ path: String, base: ThresholdSpec, check: BuiltinCheck) -> ThresholdSpec {
        var s = base
        if let n = f["enabled"], let b = bool(n, "\(path).enabled") { s.enabled = b }
        s.warning = level(f, path, "warning", base: base.warning, direction: base.direction, check: check)
        s.critical = level(f, path, "critical", base: base.critical, direction: base.direction, check: check)
        if let w = s.warning, let c = s.critical, s.direction == .above ? c.trigger < w.trigger : c.trigger > w.trigger,
            let n = f["critical"] ?? f["warning"]
        {
            issue(
                n, "\(path).critical",
                "critical \(Units.formatNumber(c.trigger)) must not be below warning \(Units.formatNumber(w.trigger))")
        }
        if let n = f["raise_after"], let d = debounce(n, "\(path).raise_after") { s.raiseAfter = d }
        if let n = f["clear_after"], let d = debounce(n, "\(path).clear_after") { s.clearAfter = d }
        return s
    }

    mutating func level(
        _ f: [String: YAMLNode], _ path: String, _ name: String, base: Level?, direction: ThresholdDirection,
        check: BuiltinCheck
    ) -> Level? {
        var result = base
        if let n = f[name] {
            if n.isNull {
                note("\(path).\(name)", n)
                result = nil
            } else if let v = limitValue(n, "\(path).\(name)", check: check) {
                let gap = base.map { abs($0.trigger - $0.clear) } ?? (check.isPercent ? 5 : 0)
                result = Level(trigger: v, clear: direction == .above ? v - gap : v + gap, freeBelow: base?.freeBelow)
            }
        }
        if let n = f["\(name)_clear"] {
            if result == nil {
                issue(n, "\(path).\(name)_clear", "has no \(name) level to clear; set \(name) too or remove this key")
            } else if let v = limitValue(n, "\(path).\(name)_clear", check: check) {
                result!.clear = v
            }
        }
        if let l = result, direction == .above ? l.clear > l.trigger : l.clear < l.trigger,
            let n = f["\(name)_clear"] ?? f[name]
        {
            issue(
                n, "\(path).\(name)_clear",
                direction == .above
                    ? "\(Units.formatNumber(l.clear)) must be at or below \(name) \(Units.formatNumber(l.trigger)) (the level clears once the value falls back below it)"
                    : "\(Units.formatNumber(l.clear)) must be at or above \(name) \(Units.formatNumber(l.trigger)) (the level clears once the value rises back above it)"
            )
        }
        if let n = f["\(name)_free_below"] {
            if n.isNull {
                note("\(path).\(name)_free_below", n)
                result?.freeBelow = nil
            } else if let b = bytes(n, "\(path).\(name)_free_below") {
                if result == nil { issue(n, "\(path).\(name)_free_below", "has no \(name) level; set \(name) too") }
                result?.freeBelow = b
            }
        }
        return result
    }

    mutating func limitValue(_ n: YAMLNode, _ path: String, check: BuiltinCheck) -> Double? {
        if check.isPercent { return percent(n, path) }
        return number(n, path, atLeast: 0)
    }

    mutating func debounce(_ n: YAMLNode, _ path: String) -> Debounce? {
        if let s = n.scalar {
            if let i = Int(s), (1...10_000).contains(i) {
                note(path, n)
                return .samples(i)
            }
            if let d = Units.parseDuration(s), d > .zero, d <= Self.maxDuration {
                note(path, n)
                return .duration(d)
            }
        }
        issue(n, path, "expected a sample count 1-10000 (e.g. 3) or a duration up to 366d (e.g. 5m), got \(Self.shortShape(n))")
        return nil
    }

    /// The `alerts:` section.
    mutating func decodeAlerts(_ af: [String: YAMLNode], into p: inout AlertPolicy) {
        if let r = af["repeat"], let rf = fields(r, "alerts.repeat", known: Self.repeatKeys) {
            for key in Self.repeatKeys {
                guard let v = rf[key], let severity = Severity(rawValue: key) else { continue }
                let path = "alerts.repeat.\(key)"
                if let s = v.scalar, ["off", "never"].contains(s.lowercased()) {
                    note(path, v)
                    p.repeatInterval[severity] = nil
                } else if let d = duration(v, path, atLeast: .seconds(60)) {
                    p.repeatInterval[severity] = d
                }
            }
        }
        if let v = af["repeat_backoff"], let b = number(v, "alerts.repeat_backoff", atLeast: 1) { p.backoff = b }
        if let v = af["repeat_max"], let d = duration(v, "alerts.repeat_max", atLeast: .seconds(60)) { p.maxRepeatInterval = d }
        if let v = af["unknown_after"], let d = durationOrZero(v, "alerts.unknown_after") { p.unknownDelay = d }
        if let v = af["resolve_hold"], let d = durationOrZero(v, "alerts.resolve_hold") { p.resolveHold = d }
        if let v = af["flapping"], let ff = fields(v, "alerts.flapping", known: ["enabled", "low", "high"]) {
            var t = p.flapping
            if let e = ff["enabled"], let b = bool(e, "alerts.flapping.enabled") { t.enabled = b }
            if let l = ff["low"], let x = percent(l, "alerts.flapping.low") { t.low = x }
            if let h = ff["high"], let x = percent(h, "alerts.flapping.high") { t.high = x }
            if t.high < t.low {
                issue(
                    v, "alerts.flapping",
                    "high (\(Units.formatNumber(t.high))) must be at least low (\(Units.formatNumber(t.low))): flapping starts above high and stops below low"
                )
            }
            p.flapping = t
        }
    }

    /// `9105` (loopback), `127.0.0.1:9105`, `[::1]:9105`.
    static func listenAddress(_ text: String) -> ListenAddress? {
        if let port = Int(text), (1...65535).contains(port) { return ListenAddress(host: "127.0.0.1", port: port) }
        return HostPort(parsing: text)
    }
}
