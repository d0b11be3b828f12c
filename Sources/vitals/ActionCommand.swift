import VitalsConfig
import VitalsCore
import VitalsDaemon
import VitalsPlugins
import VitalsProcFS
import VitalsServer

#if canImport(Glibc)
    import Glibc
#endif

/// `vitals action`: the self-healing actions (issue 19): what they did, and a dry run of one.
struct ActionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "action",
        abstract: "Show the self-healing actions and their attempts (list), or dry-run one (test).",
        discussion: """
            Actions are configured under actions: in vitals.yaml. Each answers the alerts its matchers name, after the check's debounce, and restarts or reloads a systemd unit over D-Bus or runs an executable under the plugin runner's containment; at most max_per_hour times an hour; it waits settle after each attempt and gives up after give_up_after attempts that did not clear the problem (the check "action" then turns critical). A silence or maintenance window holds actions too. Every attempt is in the journal (journalctl -u vitals MESSAGE_ID=5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a11) and in the alert's entry of vitals alerts --json.

            Examples:
              vitals action list
              vitals action test restart-nginx
              vitals action list --json | jq '.attempts[-1]'
              sudo vitals action polkit-rule --install   # let user vitals restart/reload exactly the units the actions name
            """,
        subcommands: [List.self, Test.self, PolkitRuleCommand.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each action, the alerts it answers now, and the latest attempts.")

        @OptionGroup var common: CommonOptions

        @Flag(help: "Print the JSON document of GET /v1/actions.")
        var json = false

        func run() throws {
            let reply = try common.fetch("/v1/actions")
            if json {
                print(reply.text, terminator: "")
                return
            }
            guard let doc = try? JSONCodec.decode(ActionsDocument.self, from: reply.body) else {
                printError("vitals: cannot read the agent's reply: \(reply.text.prefix(200))")
                throw ExitCode(1)
            }
            print(Self.text(doc, now: WallClock.now()), terminator: "")
        }

        static func text(_ doc: ActionsDocument, now: Double) -> String {
            if doc.actions.isEmpty { return "no actions are configured (actions: in vitals.yaml; see man vitals)\n" }
            var rows = [["ACTION", "DOES", "ANSWERS", "LAST HOUR", "NOW"]]
            for a in doc.actions {
                let state = a.answering.map { t in
                    if t.gaveUpWall != nil { return "gave up after \(t.attempts)" }
                    if t.runningSinceWall != nil { return "attempt \(t.attempts) running" }
                    if let h = t.heldReason { return "held: \(h)" }
                    return t.attempts > 0 ? "\(t.attempts) attempt\(t.attempts == 1 ? "" : "s") made" : "watching"
                }
                rows.append([
                    a.name, a.effect, a.match.joined(separator: ",") + " (" + a.on.joined(separator: "|") + ")", "\(a.lastHour)/\(a.maxPerHour)",
                    state.isEmpty ? "-" : state.joined(separator: "; "),
                ])
            }
            var out = TextTable.render(rows)
            let recent = doc.attempts.suffix(10)
            if !recent.isEmpty {
                out += "\nlatest attempts:\n"
                for t in recent {
                    out += "  \(StatusTable.ago(now - t.startedWall))  \(t.action) #\(t.number) \(t.effect): \(t.outcome.rawValue): \(t.detail)\n"
                }
            }
            return out
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dry run: what the action would do now, and the state of its unit or program; nothing is run.",
            discussion: "Exit status: 0 when the agent answered and the target can be reached, 1 otherwise.")

        @OptionGroup var common: CommonOptions

        @Argument(help: "The action's name (actions[].name in vitals.yaml).")
        var name: String

        @Flag(help: "Print the JSON document of GET /v1/actions/test?name=NAME.")
        var json = false

        func run() throws {
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), name.count <= 64 else {
                printError("vitals: \"\(name.prefix(64))\" is not an action name (letters, digits, - and _)")
                throw ExitCode(1)
            }
            let reply = try common.fetch("/v1/actions/test?name=\(name)")
            if json {
                print(reply.text, terminator: "")
                return
            }
            guard let doc = try? JSONCodec.decode(ActionTestDocument.self, from: reply.body) else {
                printError("vitals: cannot read the agent's reply: \(reply.text.prefix(200))")
                throw ExitCode(1)
            }
            // The unit's state is asked here, by the command, not by the agent's event loop.
            let definition = ActionDefinition(name: doc.name, matchers: [], effect: Self.effect(doc), source: "")
            let target = ActionExecutor.inspect(definition)
            var out = "action \(doc.name): \(doc.effect) (dry run: nothing is run)\n"
            out += "  target: \(target)\n"
            if let unit = doc.unit {
                out += "  polkit: \(Self.polkitCoverage(unit: unit, verb: doc.effect.split(separator: " ").first.map(String.init) ?? ""))\n"
            }
            out += "  budget: \(doc.lastHour) of \(doc.maxPerHour) attempts used in the last hour\n"
            for line in doc.alerts { out += "  \(line)\n" }
            out += "  verdict: \(doc.verdict)\n"
            print(out, terminator: "")
            if target.hasPrefix("cannot") || target.hasPrefix("would not") { throw ExitCode(1) }
        }

        static func effect(_ doc: ActionTestDocument) -> ActionDefinition.Effect {
            if let unit = doc.unit { return doc.effect.hasPrefix("reload ") ? .reload(unit: unit) : .restart(unit: unit) }
            return .exec(argv: doc.argv ?? [doc.target])
        }

        /// Whether the installed rule names the unit with the verb (a plain reading of the file
        /// `polkit-rule` writes; polkit itself decides).
        static func polkitCoverage(unit: String, verb: String) -> String {
            var bytes: [UInt8] = []
            guard let n = try? Syscalls.readFile(PolkitRule.path, into: &bytes, maxBytes: 1 << 20) else {
                return "no rule at \(PolkitRule.path): systemd will refuse the vitals user; run: sudo vitals action polkit-rule --install"
            }
            let text = String(decoding: bytes[..<n], as: UTF8.self)
            let line = text.split(separator: "\n").first { $0.includes("\"\(unit)\":") }
            guard let line, line.includes("\"\(verb)\"") else {
                return "\(PolkitRule.path) does not allow \(verb) of \(unit); run: sudo vitals action polkit-rule --install"
            }
            return "\(PolkitRule.path) allows \(verb) of \(unit)"
        }
    }

    struct PolkitRuleCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "polkit-rule",
            abstract: "Print (or --install) the polkit rule that lets user vitals restart or reload exactly the units the actions name.",
            discussion: """
                systemd asks polkit whether the agent's user may restart or reload a unit. This rule allows it for the units of the restart: and reload: actions in the configuration, each with its own verb, and nothing else (RestartUnit also starts a stopped unit, so a rule for any unit would let that user start any unit). Install it again after changing the actions; it needs polkitd (apt install polkitd).

                Examples:
                  vitals action polkit-rule                      # print it
                  sudo vitals action polkit-rule --install       # write \(PolkitRule.path)
                """)

        @Option(help: "Configuration file (default /etc/vitals/vitals.yaml).")
        var config: String = ConfigLoader.defaultPath

        @Flag(help: "Write the rule to /etc/polkit-1/rules.d/50-vitals.rules (mode 0644, atomically) instead of printing it.")
        var install = false

        func run() throws {
            let loaded: LoadedConfig
            do {
                loaded = try ConfigLoader.load(path: config, environment: DefaultPaths.environment())
            } catch {
                printError("\(error.description)")
                throw ExitCode(1)
            }
            let text = PolkitRule.text(loaded.config.actions, source: loaded.file ?? config)
            guard install else {
                print(text, terminator: "")
                return
            }
            let dir = "/etc/polkit-1/rules.d"
            do {
                // /etc/polkit-1 comes with polkitd; rules.d may not exist yet (mode 0755 as polkit ships it).
                for d in ["/etc/polkit-1", dir] where !Syscalls.exists(d) {
                    guard mkdir(d, 0o755) == 0 || errno == EEXIST else {
                        throw VitalsError(.io, "cannot create \(d): \(Syscalls.errnoText(errno))")
                    }
                }
                try Syscalls.replaceFile(PolkitRule.path, with: Array(text.utf8), mode: 0o644)
                guard chmod(PolkitRule.path, 0o644) == 0 else {
                    throw VitalsError(.io, "cannot make \(PolkitRule.path) readable (mode 0644): \(Syscalls.errnoText(errno))")
                }
            } catch {
                printError("vitals: cannot write \(PolkitRule.path): \(error) (run it as root)")
                throw ExitCode(1)
            }
            let g = PolkitRule.grants(loaded.config.actions)
            print(
                "wrote \(PolkitRule.path): user vitals may \(g.isEmpty ? "restart or reload no unit" : g.map { "\($0.verbs.joined(separator: "/")) \($0.unit)" }.joined(separator: ", "))"
            )
        }
    }
}
