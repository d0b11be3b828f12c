public import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the custom checks from /etc/vitals/checks.d/*.yaml (in name order). Each file is a list
/// of checks:
///
///     - name: http_local
///       command: [/usr/lib/nagios/plugins/check_http, -H, localhost]
///       interval: 30s
///       timeout: 10s
///       raise_after: 2
///       labels: {team: web}
///
/// Commands come only from files root owns and only root can change (or, for an agent that does
/// not run as root, files of its own user). Every problem names file, line, column and key.
public enum ChecksLoader {
    public static let defaultDirectory = "/etc/vitals/checks.d"
    static let keys = [
        "name", "command", "interval", "timeout", "raise_after", "clear_after", "labels", "environment", "depends_on", "user", "thresholds",
    ]

    /// All checks of the directory; a missing directory has none.
    public static func load(directory: String = defaultDirectory) throws(ConfigErrors) -> [CheckDefinition] {
        guard let dir = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw ConfigErrors([
                ConfigIssue(
                    source: .file(directory, line: 0, column: 0), path: "", message: "cannot read the directory (\(String(cString: strerror(errno))))"
                )
            ])
        }
        var names: [String] = []
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".yaml") && !name.hasPrefix(".") { names.append(name) }
        }
        closedir(dir)
        var issues: [ConfigIssue] = []
        var checks: [CheckDefinition] = []
        for name in names.sorted() {
            let path = "\(directory)/\(name)"
            if let problem = ownershipProblem(path) {
                issues.append(ConfigIssue(source: .file(path, line: 0, column: 0), path: "", message: problem))
                continue
            }
            let text: String
            do {
                text = try ConfigLoader.readText(path)
            } catch {
                issues.append(error)
                continue
            }
            do {
                checks += try decode(text, file: path)
            } catch {
                issues += error.issues
            }
        }
        issues += crossCheck(checks)
        guard issues.isEmpty else { throw ConfigErrors(issues) }
        return checks
    }

    /// The checks of one file's text (for tests and `config check`).
    public static func decode(_ text: String, file: String) throws(ConfigErrors) -> [CheckDefinition] {
        let root: YAMLNode?
        do {
            root = try YAMLParser.parse(text, file: file)
        } catch {
            throw ConfigErrors([ConfigIssue(source: error.source, path: "", message: error.message)])
        }
        guard let root else { return [] }
        var d = ConfigDecoder()
        guard let items = d.list(root, "checks") else { throw ConfigErrors(d.issues) }
        var out: [CheckDefinition] = []
        for (i, item) in items.enumerated() {
            if let c = d.check(item, index: i) { out.append(c) }
        }
        guard d.issues.isEmpty else { throw ConfigErrors(d.issues) }
        return out
    }

    /// Names unique, not a built-in's, dependencies that exist and do not go round.
    static func crossCheck(_ checks: [CheckDefinition]) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        var seen: [String: String] = [:]
        func at(_ c: CheckDefinition) -> ConfigSource {
            let parts = c.source.split(separator: ":")
            guard parts.count >= 3, let l = Int(parts[parts.count - 2]), let col = Int(parts[parts.count - 1]) else { return .builtin }
            return .file(parts.dropLast(2).joined(separator: ":"), line: l, column: col)
        }
        for c in checks {
            if let first = seen[c.name] {
                issues.append(
                    ConfigIssue(source: at(c), path: c.name, message: "a check named \(c.name) is already defined at \(first); names must be unique"))
            }
            seen[c.name] = seen[c.name] ?? c.source
            if BuiltinCheck(rawValue: c.name) != nil || CompiledChecks.names.contains(c.name) || c.name == "channel" {
                issues.append(ConfigIssue(source: at(c), path: c.name, message: "\(c.name) is a built-in check; choose another name"))
            }
        }
        let byName = Dictionary(checks.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for c in checks {
            for d in c.dependsOn where byName[d] == nil {
                issues.append(ConfigIssue(source: at(c), path: "\(c.name).depends_on", message: "no check named \(d)"))
            }
            // Follow the chain: a cycle would leave every check in it waiting on the others.
            var path = [c.name]
            var frontier = c.dependsOn
            var visited = Set<String>()
            while let next = frontier.popLast() {
                if next == c.name {
                    issues.append(
                        ConfigIssue(
                            source: at(c), path: "\(c.name).depends_on",
                            message: "depends on itself through \((path + [next]).joined(separator: " -> "))"))
                    break
                }
                guard visited.insert(next).inserted, let n = byName[next] else { continue }
                path.append(next)
                frontier += n.dependsOn
            }
        }
        return issues
    }

    /// Whether a file may carry commands: root's (or the agent's own user's) and writable only by it.
    static func ownershipProblem(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return "cannot read (\(String(cString: strerror(errno))))" }
        let me = geteuid()
        if st.st_uid != 0 && st.st_uid != me {
            return "belongs to uid \(st.st_uid); commands come only from root's files (fix: chown root:root \(path))"
        }
        if st.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            return
                "is writable by \(st.st_mode & S_IWOTH != 0 ? "others" : "its group"); commands come only from files only root can change (fix: chmod 644 \(path))"
        }
        return nil
    }
}

extension ConfigDecoder {
    /// One check of a checks.d file.
    mutating func check(_ n: YAMLNode, index i: Int) -> CheckDefinition? {
        let base = "checks[\(i)]"
        guard let f = fields(n, base, known: ChecksLoader.keys) else { return nil }
        guard let nameNode = f["name"], let name = nameNode.scalar, ConfigDecoder.isChannelName(name) else {
            issue(f["name"] ?? n, "\(base).name", "every check needs a name of letters, digits, - and _ (it becomes the check label)")
            return nil
        }
        let path = name
        var c = CheckDefinition(name: name, command: [], source: n.source.description)
        if let cmd = f["command"] {
            if case .scalar = cmd.kind {
                issue(
                    cmd, "\(path).command", "write the command as a list (argv, no shell), e.g. [/usr/lib/nagios/plugins/check_load, -w, \"4,3,2\"]")
            } else if let argv = stringList(cmd, "\(path).command"), !argv.isEmpty {
                if !argv[0].hasPrefix("/") {
                    issue(
                        cmd, "\(path).command",
                        "the program must be an absolute path such as /usr/lib/nagios/plugins/\(argv[0]) (no shell, no PATH search)")
                }
                c.command = argv
            }
        } else {
            issue(n, "\(path).command", "every check needs a command, e.g. [/usr/lib/nagios/plugins/check_load, -w, \"4,3,2\"]")
        }
        if let v = f["interval"], let d = duration(v, "\(path).interval", atLeast: .seconds(1)) { c.interval = d }
        if let v = f["timeout"], let d = duration(v, "\(path).timeout", atLeast: .seconds(1)) { c.timeout = d }
        if c.timeout >= c.interval {
            issue(
                f["timeout"] ?? f["interval"] ?? n, "\(path).timeout",
                "\(Units.formatDuration(c.timeout)) must be shorter than the interval \(Units.formatDuration(c.interval))")
        }
        if let v = f["raise_after"], let k = integer(v, "\(path).raise_after", 1...100) { c.raiseAfter = k }
        if let v = f["clear_after"], let k = integer(v, "\(path).clear_after", 1...100) { c.clearAfter = k }
        if let v = f["labels"], let pairs = mapping(v, "\(path).labels") {
            for (k, val) in pairs {
                guard let key = k.scalar, LabelSet.isValidName(key), let value = val.scalar else {
                    issue(k, "\(path).labels", "labels are name: value pairs with names of letters, digits and _")
                    continue
                }
                if ["alertname", "instance", "check", "severity"].contains(key) {
                    issue(k, "\(path).labels.\(key)", "\(key) is set by vitals; choose another label name")
                    continue
                }
                c.labels[key] = value
            }
        }
        if let v = f["environment"], let names = stringList(v, "\(path).environment") {
            for e in names where e.isEmpty || e.contains("=") {
                issue(v, "\(path).environment", "\"\(e)\" is not a variable name; list names only (the values come from the agent's environment)")
            }
            c.environment = names
        }
        if let v = f["depends_on"], let names = stringList(v, "\(path).depends_on") { c.dependsOn = names }
        if let v = f["thresholds"], let pairs = mapping(v, "\(path).thresholds") {
            for (k, val) in pairs {
                guard let label = k.scalar else {
                    issue(k, "\(path).thresholds", "keys are perfdata labels, e.g. load1")
                    continue
                }
                let tpath = "\(path).thresholds.\(label)"
                guard let tf = fields(val, tpath, known: ["warning", "critical", "direction"]) else { continue }
                var t = PerfThreshold(label: label)
                if let w = tf["warning"] { t.warning = number(w, "\(tpath).warning", atLeast: -1e300) }
                if let c = tf["critical"] { t.critical = number(c, "\(tpath).critical", atLeast: -1e300) }
                if let d = tf["direction"], let dir = oneOf(d, "\(tpath).direction", ["above", "below"]) { t.below = dir == "below" }
                if t.warning == nil && t.critical == nil {
                    issue(val, tpath, "set warning, critical or both")
                } else if let w = t.warning, let c = t.critical, t.below ? c > w : c < w {
                    issue(
                        val, tpath,
                        "critical \(Units.formatNumber(c)) is less severe than warning \(Units.formatNumber(w)) for direction \(t.below ? "below" : "above")"
                    )
                }
                c.thresholds.append(t)
            }
        }
        if let v = f["user"], let u = v.scalar {
            if getpwnam(u) == nil {
                issue(v, "\(path).user", "no user named \(u) on this host")
            } else {
                note("\(path).user", v)
                c.user = u
            }
        }
        return c
    }
}
