import VitalsCore

/// Prints the effective configuration as YAML that `config check` accepts, each value followed by
/// where it came from (`# default`, `# vitals.yaml:12:14`, `# environment VITALS_INTERVAL`).
public enum ConfigRenderer {
    public static func render(_ loaded: LoadedConfig) -> String {
        var r = Lines(provenance: loaded.provenance)
        let c = loaded.config
        r.header("vitals effective configuration; file: \(loaded.file ?? "none (embedded defaults)")")
        r.value(0, "interval", Units.formatDuration(c.interval))
        r.value(0, "procfs_root", c.procfsRoot)
        r.value(0, "socket", c.socketPath ?? "auto")
        r.section(0, "log")
        r.value(1, "log.level", c.log.level)
        r.value(1, "log.target", c.log.target.rawValue)
        r.section(0, "disk")
        r.value(1, "disk.include_tmpfs", "\(c.disk.includeTmpfs)")
        r.value(1, "disk.exclude_types", list(c.disk.excludeTypes))
        r.value(1, "disk.exclude_mounts", list(c.disk.excludeMounts))
        r.value(1, "disk.forecast_short_window", Units.formatDuration(c.disk.forecast.short))
        r.value(1, "disk.forecast_long_window", Units.formatDuration(c.disk.forecast.long))
        r.value(1, "disk.statvfs_timeout", Units.formatDuration(c.disk.statvfsTimeout))
        r.section(0, "file_handles")
        r.value(1, "file_handles.top_processes", "\(c.fileHandles.topProcesses)")
        r.value(1, "file_handles.scan_interval", Units.formatDuration(c.fileHandles.scanInterval))
        r.section(0, "units")
        r.value(1, "units.enabled", "\(c.units.enabled)")
        r.value(1, "units.cgroup_root", c.units.cgroupRoot)
        r.value(1, "units.max", "\(c.units.max)")
        r.value(1, "units.exclude", list(c.units.exclude))
        r.section(0, "alerts")
        r.section(1, "repeat")
        for key in ["critical", "warning", "unknown", "stale"] {
            r.value(2, "alerts.repeat.\(key)", c.alerts.repeatInterval[Severity(rawValue: key)!].map { Units.formatDuration($0) } ?? "off")
        }
        r.value(1, "alerts.repeat_backoff", Units.formatNumber(c.alerts.backoff))
        r.value(1, "alerts.repeat_max", Units.formatDuration(c.alerts.maxRepeatInterval))
        r.value(1, "alerts.unknown_after", c.alerts.unknownDelay == .zero ? "0" : Units.formatDuration(c.alerts.unknownDelay))
        r.value(1, "alerts.resolve_hold", c.alerts.resolveHold == .zero ? "0" : Units.formatDuration(c.alerts.resolveHold))
        r.section(1, "flapping")
        r.value(2, "alerts.flapping.enabled", "\(c.alerts.flapping.enabled)")
        r.value(2, "alerts.flapping.low", Units.formatNumber(c.alerts.flapping.low))
        r.value(2, "alerts.flapping.high", Units.formatNumber(c.alerts.flapping.high))
        r.value(1, "alerts.group_wait", c.notify.groupWait == .zero ? "0" : Units.formatDuration(c.notify.groupWait))
        r.value(1, "alerts.max_alerts_per_hour", c.notify.maxAlertsPerHour.map { "\($0)" } ?? "off")
        if c.notify.inhibitRules.isEmpty {
            r.value(1, "alerts.inhibit", "[]")
        } else {
            r.section(1, "inhibit", comment: r.source("alerts.inhibit"))
            for rule in c.notify.inhibitRules {
                r.item(2, "source: \(matchers(rule.source))")
                r.line(3, "target: \(matchers(rule.target))")
                r.line(3, "equal: \(list(rule.equal))")
            }
        }
        r.section(0, "channels", comment: r.source("channels"))
        for ch in c.notify.channels {
            r.section(1, ch.name)
            r.line(2, "type: \(ch.kind.rawValue)")
            r.line(2, "max_alerts_per_hour: \(ch.maxAlertsPerHour.map { "\($0)" } ?? "off")")
            channelSettings(ch, into: &r)
        }
        r.section(0, "routes", comment: r.source("routes"))
        for route in c.notify.routes {
            r.item(1, "name: \(quote(route.name))")
            r.line(2, "match: \(matchers(route.matchers))")
            r.line(2, "steps:")
            for step in route.steps {
                r.item(3, "after: \(step.after == .zero ? "0" : Units.formatDuration(step.after))")
                r.line(4, "channels: \(list(step.channels))")
            }
        }
        r.section(0, "metrics")
        r.value(1, "metrics.listen", c.metricsListen.map { "\"\($0)\"" } ?? "off")
        if let h = c.heartbeat {
            // The URLs' paths are usually their tokens: scheme and host only.
            func shown(_ v: HeaderValue) -> String {
                if case .secret(let s) = v { return "<secret from \(s.source)>" }
                return quote(HeartbeatConfig.shown(v.wire))
            }
            r.section(0, "heartbeat")
            r.value(1, "heartbeat.url", shown(h.url))
            r.value(1, "heartbeat.fail_url", h.failURL.map(shown) ?? "off")
            r.value(1, "heartbeat.interval", Units.formatDuration(h.interval))
            r.value(1, "heartbeat.method", h.method.rawValue)
            r.value(1, "heartbeat.timeout", Units.formatDuration(h.timeout))
            if let ca = h.caFile { r.value(1, "heartbeat.ca_file", ca) }
        } else {
            r.value(0, "heartbeat", "off")
        }
        if c.maintenance.isEmpty {
            r.value(0, "maintenance", "[]")
        } else {
            r.section(0, "maintenance", comment: r.source("maintenance"))
            for w in c.maintenance {
                r.item(1, "name: \(quote(w.name))")
                r.line(2, "match: \(matchers(w.matchers))")
                r.line(2, "every: \"\(w.every)\"  # \(w.spec.normalized)")
                r.line(2, "for: \(Units.formatDuration(w.length))")
                r.line(2, "comment: \(quote(w.comment))")
            }
        }
        if c.actions.isEmpty {
            r.value(0, "actions", "[]")
        } else {
            r.section(0, "actions", comment: r.source("actions"))
            for a in c.actions {
                r.item(1, "name: \(quote(a.name))")
                r.line(2, "match: \(matchers(a.matchers))")
                r.line(2, "on: \(list(a.severities.map(\.rawValue).sorted()))")
                switch a.effect {
                case .restart(let unit): r.line(2, "restart: \(quote(unit))")
                case .reload(let unit): r.line(2, "reload: \(quote(unit))")
                case .exec(let argv): r.line(2, "exec: \(list(argv))")
                }
                r.line(2, "max_per_hour: \(a.maxPerHour)")
                r.line(2, "give_up_after: \(a.giveUpAfter)")
                r.line(2, "settle: \(Units.formatDuration(a.settle))")
                r.line(2, "timeout: \(Units.formatDuration(a.timeout))")
                if let u = a.user { r.line(2, "user: \(quote(u))") }
            }
        }
        r.section(0, "plugins")
        r.value(1, "plugins.directory", c.plugins.directory)
        r.value(1, "plugins.max_concurrent", "\(c.plugins.maxConcurrent)")
        r.value(1, "plugins.builtin_checks", "\(c.plugins.builtinChecks)")
        r.section(1, "unit_restarts")
        r.value(2, "plugins.unit_restarts.interval", Units.formatDuration(c.plugins.unitRestarts.interval))
        r.value(2, "plugins.unit_restarts.window", Units.formatDuration(c.plugins.unitRestarts.window))
        r.value(2, "plugins.unit_restarts.warning", "\(c.plugins.unitRestarts.warning)")
        r.value(2, "plugins.unit_restarts.critical", c.plugins.unitRestarts.critical.map { "\($0)" } ?? "off")
        r.section(0, "thresholds")
        for check in BuiltinCheck.allCases {
            guard let t = c.thresholds[check.rawValue] else { continue }
            let path = "thresholds.\(check.rawValue)"
            r.section(1, check.rawValue, comment: check.summary)
            spec(&r, 2, path, t.spec, check: check, parent: nil)
            if check.perMount && !t.mounts.isEmpty {
                r.section(2, "mounts")
                for (mount, s) in t.mounts.sorted(by: { $0.key < $1.key }) {
                    r.section(3, quote(mount))
                    spec(&r, 4, "\(path).mounts.\(mount)", s, check: check, parent: path)
                }
            }
            if check.perUnit && !t.units.isEmpty {
                r.section(2, "units")
                for o in t.units {
                    r.section(3, quote(o.pattern))
                    spec(&r, 4, "\(path).units.\(o.pattern)", o.spec, check: check, parent: path)
                }
            }
        }
        return r.text
    }

    private static func spec(_ r: inout Lines, _ depth: Int, _ path: String, _ s: ThresholdSpec, check: BuiltinCheck, parent: String?) {
        func num(_ v: Double?) -> String { v.map(Units.formatNumber) ?? "off" }
        r.value(depth, "\(path).enabled", "\(s.enabled)", parent: parent)
        r.value(depth, "\(path).warning", num(s.warning?.trigger), parent: parent)
        if let w = s.warning { r.value(depth, "\(path).warning_clear", num(w.clear), parent: parent) }
        r.value(depth, "\(path).critical", num(s.critical?.trigger), parent: parent)
        if let c = s.critical { r.value(depth, "\(path).critical_clear", num(c.clear), parent: parent) }
        if check == .disk || check == .diskForecast {
            r.value(depth, "\(path).warning_free_below", s.warning?.freeBelow.map(bytes) ?? "off", parent: parent)
            r.value(depth, "\(path).critical_free_below", s.critical?.freeBelow.map(bytes) ?? "off", parent: parent)
        }
        r.value(depth, "\(path).raise_after", "\(s.raiseAfter)", parent: parent)
        r.value(depth, "\(path).clear_after", "\(s.clearAfter)", parent: parent)
    }

    private static func matchers(_ m: [LabelMatcher]) -> String { list(m.map(\.description)) }
    private static func bytes(_ v: Double) -> String { Units.formatBytes(v).replacingSpace }
    /// A channel's own settings; secrets print as `<secret>` with where they come from.
    private static func channelSettings(_ ch: ChannelConfig, into r: inout Lines) {
        func secret(_ s: Secret) -> String { "<secret>  # from \(s.source)" }
        func auth(_ a: WebhookSettings.Auth) {
            switch a {
            case .none: break
            case .bearer(let s): r.line(2, "bearer_token: \(secret(s))")
            case .basic(let u, let p): r.line(2, "basic_auth: {user: \(quote(u)), password: <secret>}  # from \(p.source)")
            }
        }
        if ch.kind != .log {
            r.line(
                2,
                "retry: {initial: \(Units.formatDuration(ch.retry.initial)), max: \(Units.formatDuration(ch.retry.max)), max_age: \(Units.formatDuration(ch.retry.maxAge))}"
            )
            r.line(
                2,
                "breaker: {failures: \(ch.breaker.failures), recovery: \(Units.formatDuration(ch.breaker.recovery)), successes: \(ch.breaker.successes)}"
            )
        }
        if let f = ch.fallback { r.line(2, "fallback: \(quote(f))") }
        if let w = ch.webhook {
            r.line(2, "url: \(quote(w.url))")
            if !w.headers.isEmpty {
                r.line(2, "headers:")
                for h in w.headers { r.line(3, "\(h.name): \(quote(h.value.description))") }
            }
            auth(w.auth)
            if let h = w.hmacSecret { r.line(2, "hmac_secret: \(secret(h))") }
            r.line(2, "connect_timeout: \(Units.formatDuration(w.connectTimeout))")
            r.line(2, "timeout: \(Units.formatDuration(w.timeout))")
            if let c = w.caFile { r.line(2, "ca_file: \(quote(c))") }
            if let t = w.summary { r.line(2, "summary: \(templateText(t))") }
        }
        if let a = ch.alertmanager {
            r.line(2, "urls: \(list(a.urls))")
            r.line(2, "timeout: \(Units.formatDuration(a.timeout))")
            r.line(2, "resend_interval: \(Units.formatDuration(a.resendInterval))")
            if let c = a.caFile { r.line(2, "ca_file: \(quote(c))") }
            auth(a.auth)
        }
        if let m = ch.smtp {
            r.line(2, "servers: \(list(m.servers.map(\.description)))")
            r.line(2, "tls: \(m.tls.rawValue)")
            if let c = m.caFile { r.line(2, "ca_file: \(quote(c))") }
            if let u = m.username { r.line(2, "username: \(quote(u))") }
            if let p = m.password { r.line(2, "password: \(secret(p))") }
            r.line(2, "from: \(quote(m.from))")
            r.line(2, "to: \(list(m.to))")
            r.line(2, "timeout: \(Units.formatDuration(m.timeout))")
            if let h = m.helo { r.line(2, "helo: \(quote(h))") }
            if let t = m.subject { r.line(2, "subject: \(templateText(t))") }
            if let t = m.body { r.line(2, "body: \(templateText(t))") }
        }
    }

    /// A template as a YAML double-quoted scalar (JSON's escapes are YAML's too).
    private static func templateText(_ t: MessageTemplate) -> String { JSONText.quote(t.source) }

    private static func list(_ l: [String]) -> String { "[" + l.map(quote).joined(separator: ", ") + "]" }
    private static func quote(_ s: String) -> String {
        s.contains(where: { " :#[]{},'\"".contains($0) }) || s.first.map({ "*&!?@%`|>-".contains($0) }) == true ? "\"\(s)\"" : s
    }

    private struct Lines {
        var provenance: [String: ConfigSource]
        var text = ""

        mutating func header(_ s: String) { text += "# \(s)\n" }

        mutating func section(_ depth: Int, _ key: String, comment: String? = nil) {
            text += String(repeating: "  ", count: depth) + key + ":" + (comment.map { "  # \($0)" } ?? "") + "\n"
        }

        /// A list item (`- key: value`) at `depth`, and a further key of the same item.
        mutating func item(_ depth: Int, _ s: String) { text += String(repeating: "  ", count: depth) + "- " + s + "\n" }
        mutating func line(_ depth: Int, _ s: String) { text += String(repeating: "  ", count: depth) + s + "\n" }

        /// Where a whole section came from, as a comment.
        func source(_ path: String) -> String { provenance[path]?.description ?? "default" }

        mutating func value(_ depth: Int, _ path: String, _ value: String, parent: String? = nil) {
            let key = path.split(separator: ".").last.map(String.init) ?? path
            var line = String(repeating: "  ", count: depth) + "\(key): \(value)"
            while line.count < 44 { line += " " }
            let source: String
            if let s = provenance[path] {
                source = s.description
            } else if let parent, let s = provenance["\(parent).\(key)"] {
                source = "inherited from \(s)"
            } else {
                source = "default"
            }
            text += "\(line) # \(source)\n"
        }
    }
}

extension String {
    var replacingSpace: String { String(self.filter { $0 != " " }) }
}
