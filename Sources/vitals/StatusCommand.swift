#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ArgumentParser
import VitalsCore
import VitalsDaemon
import VitalsServer

#if canImport(Glibc)
import Glibc
#endif

/// `vitals status`: the agent's checks as a table, or the raw JSON.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every check's state (table, or --json).",
        discussion: """
            Exit status: 0 when the agent answered, 1 when it could not be reached.
            Examples:
              vitals status
              vitals status --json | jq '.checks[] | select(.severity != "ok")'
              vitals status --health
            """)

    @OptionGroup var common: CommonOptions

    @Flag(help: "Print the JSON document of GET /v1/status (or /v1/health with --health).")
    var json = false

    @Flag(help: "Show the agent's own health (GET /v1/health).")
    var health = false

    @Flag(help: "Never colour the output.")
    var noColor = false

    func run() throws {
        let reply = try common.fetch(health ? "/v1/health" : "/v1/status")
        if json {
            print(reply.text, terminator: "")
            return
        }
        let env = DefaultPaths.environment()
        let color = !noColor && isatty(1) == 1 && env["NO_COLOR"] == nil && env["TERM"] != "dumb"
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        do {
            if health {
                print(StatusTable.health(try decoder.decode(HealthDocument.self, from: Data(reply.body))), terminator: "")
            } else {
                let doc = try decoder.decode(StatusDocument.self, from: Data(reply.body))
                print(StatusTable.render(doc, now: WallClock.now(), color: color), terminator: "")
            }
        } catch {
            printError("vitals: cannot read the agent's reply: \(error)")
            throw ExitCode(1)
        }
    }
}
