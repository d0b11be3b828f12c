import VitalsCore

/// The notification sections: `channels:`, `routes:`, and the grouping, storm-limit and
/// inhibition keys of `alerts:`.
extension ConfigDecoder {
    static let routeKeys = ["name", "match", "steps"]
    static let stepKeys = ["after", "channels"]
    static let inhibitKeys = ["source", "target", "equal"]

    /// `alerts.group_wait`, `alerts.max_alerts_per_hour`, `alerts.inhibit`.
    mutating func decodeAlertNotify(_ af: [String: YAMLNode], into n: inout NotifyConfig) {
        if let v = af["group_wait"], let d = durationOrZero(v, "alerts.group_wait") { n.groupWait = d }
        if let v = af["max_alerts_per_hour"] { n.maxAlertsPerHour = limit(v, "alerts.max_alerts_per_hour") }
        if let v = af["inhibit"] {
            guard let items = list(v, "alerts.inhibit") else { return }
            var rules: [InhibitRule] = []
            for (i, item) in items.enumerated() {
                let path = "alerts.inhibit[\(i)]"
                guard let rf = fields(item, path, known: Self.inhibitKeys) else { continue }
                let source = rf["source"].flatMap { matchers($0, "\(path).source") } ?? []
                let target = rf["target"].flatMap { matchers($0, "\(path).target") } ?? []
                if source.isEmpty || target.isEmpty {
                    issue(item, path, "an inhibit rule needs source and target matchers, e.g. source: [severity=critical] target: [severity=warning]")
                    continue
                }
                var equal: [String] = []
                if let e = rf["equal"], let names = stringList(e, "\(path).equal") {
                    for name in names where !LabelSet.isValidName(name) {
                        issue(e, "\(path).equal", "\"\(name)\" is not a label name; use names such as instance or resource")
                    }
                    equal = names
                }
                rules.append(InhibitRule(source: source, target: target, equal: equal))
            }
            note("alerts.inhibit", v)
            n.inhibitRules = rules
        }
    }

    /// `channels:` and `routes:`; checks that every route step names a channel that exists.
    mutating func decodeChannelsAndRoutes(_ f: [String: YAMLNode], into n: inout NotifyConfig) {
        if let node = f["channels"], let entries = mapping(node, "channels") {
            var channels: [ChannelConfig] = []
            for (key, value) in entries {
                guard let name = key.scalar, Self.isChannelName(name) else {
                    issue(key, "channels", "channel names are words of letters, digits, - and _ (e.g. ops-mail), got \(key.shape)")
                    continue
                }
                let path = "channels.\(name)"
                let kind = value.mappingValue("type")?.scalar.flatMap(ChannelConfig.Kind.init(rawValue:))
                guard let cf = fields(value, path, known: Self.channelKeys(kind)) else { continue }
                guard let t = cf["type"] else {
                    issue(value, path, "needs a type: one of \(ChannelConfig.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                    continue
                }
                guard let kindName = oneOf(t, "\(path).type", ChannelConfig.Kind.allCases.map(\.rawValue)) else { continue }
                var c = ChannelConfig(name: name, kind: ChannelConfig.Kind(rawValue: kindName)!)
                if let v = cf["max_alerts_per_hour"] { c.maxAlertsPerHour = limit(v, "\(path).max_alerts_per_hour") }
                decodeChannelSettings(cf, node: value, path: path, into: &c)
                channels.append(c)
            }
            for c in channels {
                guard let fb = c.fallback else { continue }
                let node = entries.first { $0.key.scalar == c.name }?.value ?? node
                if fb == c.name {
                    issue(node, "channels.\(c.name).fallback", "a channel cannot be its own fallback; name another channel, e.g. log")
                } else if !channels.contains(where: { $0.name == fb }) {
                    let hint =
                        Suggest.closest(to: fb, in: channels.map(\.name)).map { "did you mean \"\($0)\"?" }
                        ?? "channels are: \(channels.map(\.name).joined(separator: ", "))"
                    issue(node, "channels.\(c.name).fallback", "no channel named \"\(fb)\"; \(hint)")
                } else {
                    // A chain of fallbacks must end: A -> B -> A would pass a failing queue back and forth.
                    var seen = [c.name]
                    var next: String? = fb
                    while let n = next, let ch = channels.first(where: { $0.name == n }) {
                        if seen.contains(n) {
                            issue(
                                node, "channels.\(c.name).fallback",
                                "the fallbacks go round in a circle (\((seen + [n]).joined(separator: " -> "))); end the chain at a channel without a fallback, e.g. log"
                            )
                            break
                        }
                        seen.append(n)
                        next = ch.fallback
                    }
                }
            }
            note("channels", node)
            n.channels = channels
            // Without routes of its own, the default route sends to every channel.
            n.routes = [Route(name: "default", steps: [EscalationStep(channels: channels.map(\.name))])]
        }
        if let node = f["routes"], let items = list(node, "routes") {
            var routes: [Route] = []
            for (i, item) in items.enumerated() {
                let path = "routes[\(i)]"
                guard let rf = fields(item, path, known: Self.routeKeys) else { continue }
                var name = "routes[\(i)]"
                if let v = rf["name"] {
                    if let s = v.scalar, !s.isEmpty {
                        name = s
                        if routes.contains(where: { $0.name == s }) {
                            issue(v, "\(path).name", "route name \"\(s)\" is used twice; names must be unique")
                        }
                    } else {
                        issue(v, "\(path).name", "expected a name such as critical-pages, got \(v.shape)")
                    }
                }
                let match = rf["match"].flatMap { matchers($0, "\(path).match") } ?? []
                guard let stepsNode = rf["steps"], let stepItems = list(stepsNode, "\(path).steps"), !stepItems.isEmpty else {
                    issue(item, "\(path).steps", "a route needs at least one step, e.g. steps: [{channels: [log]}]")
                    continue
                }
                var steps: [EscalationStep] = []
                for (j, s) in stepItems.enumerated() {
                    let spath = "\(path).steps[\(j)]"
                    guard let sf = fields(s, spath, known: Self.stepKeys) else { continue }
                    var step = EscalationStep(channels: [])
                    if let a = sf["after"], let d = durationOrZero(a, "\(spath).after") { step.after = d }
                    if j == 0, step.after != .zero, let a = sf["after"] {
                        issue(
                            a, "\(spath).after", "the first step goes out at once; remove after here (later steps count from the first notification)")
                    }
                    if j > 0, let a = sf["after"], let prev = steps.last, step.after <= prev.after {
                        issue(a, "\(spath).after", "must be later than the step before (\(Units.formatDuration(prev.after)))")
                    } else if j > 0, sf["after"] == nil {
                        issue(s, "\(spath).after", "a later step needs after: the time since the first notification, e.g. 15m")
                    }
                    guard let cnode = sf["channels"], let names = stringList(cnode, "\(spath).channels"), !names.isEmpty else {
                        issue(s, "\(spath).channels", "a step needs at least one channel, e.g. channels: [log]")
                        continue
                    }
                    for c in names where n.channel(named: c) == nil {
                        let known = n.channels.map(\.name)
                        let hint =
                            Suggest.closest(to: c, in: known).map { "did you mean \"\($0)\"?" } ?? "channels are: \(known.joined(separator: ", "))"
                        issue(cnode, "\(spath).channels", "no channel named \"\(c)\"; \(hint)")
                    }
                    step.channels = names
                    steps.append(step)
                }
                routes.append(Route(name: name, matchers: match, steps: steps))
            }
            note("routes", node)
            n.routes = routes
        }
    }

    /// A list of matchers written as `name=value` strings.
    mutating func matchers(_ n: YAMLNode, _ path: String) -> [LabelMatcher]? {
        guard let texts = stringList(n, path) else { return nil }
        var out: [LabelMatcher] = []
        for (i, t) in texts.enumerated() {
            do {
                out.append(try LabelMatcher(parsing: t))
            } catch {
                issue(n, "\(path)[\(i)]", error.description)
            }
        }
        return out
    }

    /// A sequence's items (null is an empty list).
    mutating func list(_ n: YAMLNode, _ path: String) -> [YAMLNode]? {
        if n.isNull { return [] }
        if case .sequence(let items) = n.kind { return items }
        issue(n, path, "expected a list (items starting with -), got \(n.shape)")
        return nil
    }

    /// A per-hour limit: a whole number of at least 1, or `off`.
    mutating func limit(_ n: YAMLNode, _ path: String) -> Int? {
        if n.isNull {
            note(path, n)
            return nil
        }
        return integer(n, path, 1...1_000_000)
    }

    static func isChannelName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { $0.isASCIIAlnum || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }
}

extension UInt8 {
    var isASCIIAlnum: Bool { (48...57).contains(self) || (65...90).contains(self) || (97...122).contains(self) }
}
