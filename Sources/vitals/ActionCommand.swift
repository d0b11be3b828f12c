import ArgumentParser
import VitalsCore
import VitalsDaemon
import VitalsPlugins
import VitalsServer

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
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
            """,
        subcommands: [List.self, Test.self])

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
            guard let doc = try? JSONDecoder().decode(ActionsDocument.self, from: Data(reply.body)) else {
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
                    out += "  \(StatusTable.ago(now - t.startedWall)) ago  \(t.action) #\(t.number) \(t.effect): \(t.outcome.rawValue): \(t.detail)\n"
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
            guard let doc = try? JSONDecoder().decode(ActionTestDocument.self, from: Data(reply.body)) else {
                printError("vitals: cannot read the agent's reply: \(reply.text.prefix(200))")
                throw ExitCode(1)
            }
            // The unit's state is asked here, by the command, not by the agent's event loop.
            let definition = ActionDefinition(name: doc.name, matchers: [], effect: Self.effect(doc), source: "")
            let target = ActionExecutor.inspect(definition)
            var out = "action \(doc.name): \(doc.effect) (dry run: nothing is run)\n"
            out += "  target: \(target)\n"
            out += "  budget: \(doc.lastHour) of \(doc.maxPerHour) attempts used in the last hour\n"
            for line in doc.alerts { out += "  \(line)\n" }
            out += "  verdict: \(doc.verdict)\n"
            print(out, terminator: "")
            if target.hasPrefix("cannot") || target.hasPrefix("would not") { throw ExitCode(1) }
        }

        static func effect(_ doc: ActionTestDocument) -> ActionDefinition.Effect {
            if doc.effect.hasPrefix("restart ") { return .restart(unit: doc.target) }
            if doc.effect.hasPrefix("reload ") { return .reload(unit: doc.target) }
            return .exec(argv: doc.target.split(separator: " ").map(String.init))
        }
    }
}
