import VitalsCore

/// Issue 19: `actions:`, self-healing actions.
extension ConfigDecoder {
    /// The `name` and `match` of a list entry that selects alerts (a maintenance window, an
    /// action): a name unique among `taken`, and matchers that do not match every alert. Nil,
    /// with the issue recorded, when either is wrong.
    mutating func namedMatchers(
        _ f: [String: YAMLNode], _ item: YAMLNode, _ path: String, taken: [String], what: String, nameExample: String, matchHint: String,
        everyHint: String
    ) -> (String, [LabelMatcher])? {
        guard let name = f["name"]?.scalar, Self.isChannelName(name) else {
            issue(f["name"] ?? item, "\(path).name", "needs a name of letters, digits, - and _ (e.g. \(nameExample))")
            return nil
        }
        if taken.contains(name) {
            issue(f["name"] ?? item, "\(path).name", "\"\(name)\" is used by an earlier \(what); names are unique")
            return nil
        }
        let matchers = f["match"].flatMap { self.matchers($0, "\(path).match") } ?? []
        if matchers.isEmpty {
            issue(f["match"] ?? item, "\(path).match", matchHint)
            return nil
        }
        if AlertControls.matchesEveryAlert(matchers) {
            issue(f["match"] ?? item, "\(path).match", "these matchers match every alert; \(everyHint)")
            return nil
        }
        return (name, matchers)
    }

    static let actionKeys = [
        "name", "match", "on", "restart", "reload", "exec", "max_per_hour", "give_up_after", "settle", "timeout", "user",
    ]

    /// `actions: [{name, match, on, restart | reload | exec, max_per_hour, give_up_after, settle,
    /// timeout, user}]`: each checked here with its position, so a unit name with a glob, an
    /// executable given by a relative path or matchers that would answer every alert are refused
    /// at load, not found when the service is down.
    mutating func decodeActions(_ n: YAMLNode) -> [ActionDefinition] {
        guard let items = list(n, "actions") else { return [] }
        if items.count > ActionDefinition.maxCount {
            issue(n, "actions", "\(items.count) actions; at most \(ActionDefinition.maxCount) are allowed")
            return []
        }
        var out: [ActionDefinition] = []
        for (i, item) in items.enumerated() {
            let path = "actions[\(i)]"
            guard let f = fields(item, path, known: Self.actionKeys) else { continue }
            guard
                let entry = namedMatchers(
                    f, item, path, taken: out.map(\.name), what: "action", nameExample: "restart-nginx",
                    matchHint: "needs matchers naming the alerts it answers, e.g. match: [check=nginx_http]",
                    everyHint: "name the check the action answers, e.g. check=nginx_http")
            else { continue }
            let (name, matchers) = entry
            let effects = ["restart", "reload", "exec"].filter { f[$0] != nil }
            guard effects.count == 1, let key = effects.first, let en = f[key] else {
                issue(
                    item, path,
                    effects.isEmpty
                        ? "needs what to do: restart: UNIT, reload: UNIT or exec: [/path/to/program, args]"
                        : "has \(effects.joined(separator: " and ")); an action does one thing")
                continue
            }
            let effect: ActionDefinition.Effect
            if key == "exec" {
                if case .scalar = en.kind {
                    issue(en, "\(path).exec", "write the command as a list (argv, no shell), e.g. exec: [/usr/local/sbin/drop-caches, --all]")
                    continue
                }
                guard let argv = stringList(en, "\(path).exec"), !argv.isEmpty else { continue }
                guard argv[0].hasPrefix("/") else {
                    issue(en, "\(path).exec", "the program must be an absolute path such as /usr/local/sbin/\(argv[0]) (no shell, no PATH search)")
                    continue
                }
                if argv.count > 64 || argv.contains(where: { $0.utf8.count > 4096 || $0.contains("\0") }) {
                    issue(en, "\(path).exec", "at most 64 arguments of at most 4096 bytes each")
                    continue
                }
                effect = .exec(argv: argv)
            } else {
                guard let unit = en.scalar else {
                    issue(en, "\(path).\(key)", "expected one unit name such as nginx.service, got \(en.shape)")
                    continue
                }
                if let problem = ActionDefinition.unitNameProblem(unit) {
                    issue(en, "\(path).\(key)", problem)
                    continue
                }
                effect = key == "restart" ? .restart(unit: unit) : .reload(unit: unit)
            }
            note("\(path).\(key)", en)
            var d = ActionDefinition(name: name, matchers: matchers, effect: effect, source: item.source.description)
            if let v = f["on"] {
                let allowed = ["warning", "critical", "unknown"]
                let words = v.scalar.map { [$0] } ?? stringList(v, "\(path).on") ?? []
                let bad = words.filter { !allowed.contains($0) }
                if words.isEmpty || !bad.isEmpty {
                    issue(v, "\(path).on", "expected severities from \(allowed.joined(separator: ", ")), e.g. on: [critical]; got \(v.shape)")
                } else {
                    d.severities = Set(words.compactMap(Severity.init(rawValue:)))
                    note("\(path).on", v)
                }
            }
            if let v = f["max_per_hour"], let k = integer(v, "\(path).max_per_hour", ActionDefinition.maxPerHourRange) { d.maxPerHour = k }
            if let v = f["give_up_after"], let k = integer(v, "\(path).give_up_after", ActionDefinition.giveUpRange) { d.giveUpAfter = k }
            if let v = f["settle"],
                let s = duration(
                    v, "\(path).settle", atLeast: ActionDefinition.settleRange.lowerBound, atMost: ActionDefinition.settleRange.upperBound)
            {
                d.settle = s
            }
            if let v = f["timeout"],
                let t = duration(
                    v, "\(path).timeout", atLeast: ActionDefinition.timeoutRange.lowerBound, atMost: ActionDefinition.timeoutRange.upperBound)
            {
                d.timeout = t
            }
            if let v = f["user"] {
                if case .exec = effect, let u = v.scalar, !u.isEmpty, u.utf8.count <= 32 {
                    d.user = u
                    note("\(path).user", v)
                } else {
                    issue(v, "\(path).user", "user: applies to exec actions and names one user (units are restarted by systemd)")
                }
            }
            note(path, item)
            out.append(d)
        }
        note("actions", n)
        return out
    }
}
