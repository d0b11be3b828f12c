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
              vitals status --channels          # delivery: breaker, queue, last error per channel; the heartbeat
              vitals status --units             # what each systemd unit uses, busiest CPU first
              vitals status --units --sort memory --top 10
            """)

    @OptionGroup var common: CommonOptions

    @Flag(help: "Print the JSON document of GET /v1/status (or /v1/health with --health).")
    var json = false

    @Flag(help: "Show the agent's own health (GET /v1/health).")
    var health = false

    @Flag(help: "Show the notification channels' delivery state and the heartbeat's (GET /v1/channels).")
    var channels = false

    @Flag(help: "Show what each systemd unit uses (cgroup v2): CPU, memory and its limit, IO, pressure.")
    var units = false

    /// The column `--units` sorts by.
    enum UnitSort: String, ExpressibleByArgument, CaseIterable {
        case cpu, memory, io
    }

    @Option(help: "With --units: sort by cpu, memory or io (largest first).")
    var sort: UnitSort = .cpu

    @Option(help: "With --units: show at most this many units (0: all).")
    var top = 20

    @Flag(help: "Never colour the output.")
    var noColor = false

    func validate() throws {
        guard top >= 0 else { throw ValidationError("--top must be 0 (all) or a positive count, got \(top)") }
    }

    func run() throws {
        if channels {
            let reply = try common.fetch("/v1/channels")
            if json {
                print(reply.text, terminator: "")
            } else if let doc = try? JSONCodec.decode(ChannelsDocument.self, from: reply.body) {
                print(StatusTable.channels(doc, now: WallClock.now()), terminator: "")
            }
            return
        }
        let reply = try common.fetch(health ? "/v1/health" : "/v1/status")
        if units && !json {
            guard let doc = try? JSONCodec.decode(StatusDocument.self, from: reply.body, options: .api) else {
                printError("vitals: cannot read the agent's reply to GET /v1/status")
                throw ExitCode(1)
            }
            print(StatusTable.units(doc.snapshot?.units, sort: sort.rawValue, top: top), terminator: "")
            return
        }
        if json {
            print(reply.text, terminator: "")
            return
        }
        let env = DefaultPaths.environment()
        let color = !noColor && isatty(1) == 1 && env["NO_COLOR"] == nil && env["TERM"] != "dumb"
        do {
            if health {
                print(StatusTable.health(try JSONCodec.decode(HealthDocument.self, from: reply.body, options: .api)), terminator: "")
            } else {
                let doc = try JSONCodec.decode(StatusDocument.self, from: reply.body, options: .api)
                print(StatusTable.render(doc, now: WallClock.now(), color: color), terminator: "")
                // The channels that deliver over the network, when there are any.
                if let r = try? StatusClient.request("GET", "/v1/channels", socket: common.socket ?? DefaultPaths.clientSocket(environment: env)),
                    r.status == 200, let doc = try? JSONCodec.decode(ChannelsDocument.self, from: r.body),
                    doc.channels.contains(where: { $0.type != "log" }) || doc.heartbeat != nil
                {
                    print("\n" + StatusTable.channels(doc, now: WallClock.now()), terminator: "")
                }
            }
        } catch {
            printError("vitals: cannot read the agent's reply: \(error)")
            throw ExitCode(1)
        }
    }
}

/// `vitals metrics`: the Prometheus text of GET /metrics.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the agent's metrics in the Prometheus text format (GET /metrics).",
        discussion: """
            The same text Prometheus scrapes.

            Examples:
              vitals metrics | grep '^vitals_disk_used_percent'
              curl --unix-socket /run/vitals/vitals.sock http://localhost/metrics
              vitals metrics | promtool check metrics
            """)

    @OptionGroup var common: CommonOptions

    func run() throws {
        print(try common.fetch("/metrics").text, terminator: "")
    }
}
