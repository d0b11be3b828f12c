/// Issue 19: the polkit rule that lets the agent's user (`vitals`) restart or reload exactly the
/// units its actions name, with exactly the verb each uses, and nothing else: systemd's
/// `RestartUnit` also starts a stopped unit, so a rule for "restart" of any unit would let that
/// user start any unit (a root shell on a console with debug-shell.service, a power-off with
/// poweroff.target). `vitals action polkit-rule --install` writes it from vitals.yaml.
public enum PolkitRule {
    /// Where `--install` puts it (polkit reads /etc/polkit-1/rules.d before /usr/share).
    public static let path = "/etc/polkit-1/rules.d/50-vitals.rules"

    /// The units and verbs the actions need, sorted: ["nginx.service": ["restart"]].
    public static func grants(_ actions: [ActionDefinition]) -> [(unit: String, verbs: [String])] {
        var out: [String: Set<String>] = [:]
        for a in actions {
            switch a.effect {
            case .restart(let unit): out[unit, default: []].insert("restart")
            case .reload(let unit): out[unit, default: []].insert("reload")
            case .exec: continue
            }
        }
        return out.keys.sorted().map { ($0, out[$0]!.sorted()) }
    }

    /// The rule's text for `user`; `source` is named in its first comment. The unit names are
    /// checked names (`ActionDefinition.unitNameProblem`); a backslash (systemd's escapes) is
    /// escaped for JavaScript.
    public static func text(_ actions: [ActionDefinition], user: String = "vitals", source: String) -> String {
        let g = grants(actions)
        func js(_ s: String) -> String {
            var out = "\""
            for c in s {
                if c == "\\" || c == "\"" { out.append("\\") }
                out.append(c)
            }
            return out + "\""
        }
        let table = g.map { "        \(js($0.unit)): [\($0.verbs.map(js).joined(separator: ", "))]," }.joined(separator: "\n")
        return """
            // Written by `vitals action polkit-rule` from \(source): the units the self-healing
            // actions name, each with the verb its action uses; nothing else (no start, stop, kill,
            // enable or mask, and no other unit). Write it again after changing the actions.
            polkit.addRule(function(action, subject) {
                if (action.id != "org.freedesktop.systemd1.manage-units" || subject.user != \(js(user))) {
                    return;
                }
                var allowed = {
            \(table.isEmpty ? "        // (no restart: or reload: actions are configured)" : table)
                };
                var verbs = allowed[action.lookup("unit")];
                if (verbs && verbs.indexOf(action.lookup("verb")) >= 0) {
                    return polkit.Result.YES;
                }
            });

            """
    }
}
