import Logging
import VitalsConfig
import VitalsCore
import VitalsDaemon
import VitalsServer
import VitalsSystemd

/// `vitals agent`: runs the monitor in the foreground until SIGTERM or SIGINT; SIGHUP reloads.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the monitoring agent in the foreground.",
        discussion: """
            Samples the host every interval, evaluates the thresholds and serves the status socket (/run/vitals/vitals.sock as root, $XDG_RUNTIME_DIR/vitals.sock otherwise). SIGHUP reloads the configuration; an invalid one is refused and the old one keeps running.

            The agent uses one malloc arena unless MALLOC_ARENA_MAX is set (e.g. MALLOC_ARENA_MAX=4 vitals agent).

            Examples:
              vitals agent
              vitals agent --interval 2s --log-target stderr
              vitals agent --config ./vitals.yaml --socket /tmp/vitals.sock
              VITALS_THRESHOLDS__DISK__CRITICAL=97 vitals agent
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: "Sampling interval, overrides the file (e.g. 5s; minimum 1s).")
    var interval: String?

    @Option(name: .customLong("procfs-root"), help: "Read /proc from this directory instead (fixtures, containers).")
    var procfsRoot: String?

    @Option(
        name: .customLong("cgroup-root"),
        help: "Read the units' cgroups from this directory instead of /sys/fs/cgroup (fixtures, containers).")
    var cgroupRoot: String?

    @Option(help: "Log destination: auto (journal under systemd, else JSON lines on stderr), journal, stderr.")
    var logTarget: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Option(
        name: .customLong("state-dir"),
        help: "Alert state directory (default $STATE_DIRECTORY, /var/lib/vitals as root, else $XDG_STATE_HOME/vitals or ./.vitals).")
    var stateDir: String?

    @Option(help: "Stop after this many sampling cycles (for scripts and benchmarks).")
    var cycles: UInt64?

    func run() async throws {
        let env = DefaultPaths.environment()
        var options: [EnvironmentOverrides.Override] = []
        func add(_ flag: String, _ path: [String], _ value: String?) {
            if let value { options.append(.init(source: .commandLine(flag), path: path, value: value)) }
        }
        add("--interval", ["interval"], interval)
        add("--procfs-root", ["procfs_root"], procfsRoot)
        add("--cgroup-root", ["units", "cgroup_root"], cgroupRoot)
        add("--socket", ["socket"], common.socket)
        add("--log-target", ["log", "target"], logTarget)
        add("--log-level", ["log", "level"], logLevel)
        let path = common.config
        let flags = options
        let load: @Sendable () throws(ConfigErrors) -> LoadedConfig = { () throws(ConfigErrors) in
            try ConfigLoader.load(path: path, environment: env, options: flags)
        }
        let loaded: LoadedConfig
        do {
            loaded = try load()
        } catch {
            printError("vitals: configuration refused:\n\(error.description)")
            throw ExitCode(78)  // EX_CONFIG
        }
        let sink: LogSink =
            switch loaded.config.log.target {
            case .auto: LogSink.detect(environment: env)
            case .journal: .journal
            case .stderr: .stderrJSON
            }
        let level = Logger.Level(rawValue: loaded.config.log.level) ?? .info
        let gate = LogFloodGate()
        LoggingSystem.bootstrap { label in VitalsLogHandler(label: label, sink: sink, level: level, gate: gate) }
        let logger = Logger(label: "vitals")
        let flushWriter = VitalsLogHandler(label: "vitals", sink: sink, level: level)
        let socket = loaded.config.socketPath ?? DefaultPaths.socket(environment: env)
        do {
            let inherited = try SocketActivation.inherited()
            try await Agent.run(
                loaded: loaded, load: load, logger: logger, socketPath: socket,
                stateDirectory: stateDir ?? DefaultPaths.stateDirectory(environment: env), inheritedSocket: inherited,
                logFlush: { final in for r in final ? gate.drain() : gate.flush() { flushWriter.write(r) } },
                maxCycles: cycles)
        } catch let e as VitalsError {
            logger.critical("vitals agent cannot run", metadata: ["error": "\(e.description)"])
            printError("vitals: \(e.description)")
            throw ExitCode(1)
        }
    }
}

/// Options shared by the commands that find the agent or its configuration.
struct CommonOptions: ParsableArguments {
    @Option(help: "Configuration file (default /etc/vitals/vitals.yaml when it exists, else embedded defaults).")
    var config: String?

    @Option(help: "Status socket path (default /run/vitals/vitals.sock as root, else $XDG_RUNTIME_DIR/vitals.sock).")
    var socket: String?

    /// GETs `path` from the agent; prints the reason and exits 1 when it cannot be reached or refuses.
    func fetch(_ path: String) throws -> StatusClient.Reply { try send("GET", path) }

    /// Sends one request; prints the agent's reason and exits 1 unless it answers 2xx.
    func send(_ method: String, _ path: String, body: [UInt8] = []) throws -> StatusClient.Reply {
        let socket = socket ?? DefaultPaths.clientSocket(environment: DefaultPaths.environment())
        let reply: StatusClient.Reply
        do {
            reply = try StatusClient.request(method, path, body: body, socket: socket)
        } catch {
            printError("vitals: \(error.description)")
            throw ExitCode(1)
        }
        guard (200..<300).contains(reply.status) else {
            printError("vitals: the agent answered \(reply.status): \(Self.errorText(reply))")
            throw ExitCode(1)
        }
        return reply
    }

    /// The `error` of a JSON error body, or the body as it is.
    static func errorText(_ reply: StatusClient.Reply) -> String {
        struct E: Decodable { var error: String }
        return (try? JSONCodec.decode(E.self, from: reply.body).error) ?? reply.text
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a line to stderr.
func printError(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
