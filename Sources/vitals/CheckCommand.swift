import VitalsConfig
import VitalsCore
import VitalsDaemon
import VitalsPlugins
import VitalsSamplers

#if canImport(Glibc)
    import Glibc
#endif

/// `vitals check` and `vitals check run NAME`: run custom checks once, here, and show the result.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run every check once and exit with the worst state's code (0-3), like a Nagios plugin.",
        discussion: """
            Built-in checks (cpu, memory, disk, ...) are sampled here twice a second apart and judged by their levels without debounce; custom checks are monitoring-plugins executables defined in /etc/vitals/checks.d/*.yaml, plus the compiled-in ones (failed_units, ...). Each runs as the agent would run it: argv without a shell, a clean environment, its timeout, resource limits, as user nobody when run as root, and only when the file and every directory above it belong to root and nobody else can write them.

            Output: on a terminal a table; otherwise (or with --plugin) plugin output, so the command works unchanged as a Nagios, Icinga or NRPE check: the first line is "VITALS CRITICAL - <worst problem>; N more problems | <perfdata>" (each value with its warning and critical levels, min and max), then one line per check, problems first. Exit status: 0 all ok, 1 a warning, 2 a critical, 3 an unknown (or no checks), as the plugin protocol defines.

            Examples:
              vitals check
              vitals check --table
              vitals check run http_local
              vitals check --checks-dir ./checks.d --custom-only
              command[vitals]=/usr/bin/vitals check        (in /etc/nagios/nrpe.cfg)
            """,
        subcommands: [All.self, Run.self], defaultSubcommand: All.self)

    struct All: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "all",
            abstract: "Run every check once, built-in and custom (the default); exit with the worst state's code.")

        @OptionGroup var options: CheckOptions

        @Flag(help: "Only the custom checks (not cpu, memory, disk, ... sampled here).")
        var customOnly = false

        @Flag(help: "Print a table (the default when stdout is a terminal).")
        var table = false

        @Flag(help: "Print plugin output (the default when stdout is not a terminal: Nagios, Icinga, NRPE).")
        var plugin = false

        func validate() throws {
            if table && plugin { throw ValidationError("--table and --plugin exclude each other: choose one output") }
        }

        func run() async throws {
            RunContainment.shared.enable()
            let loaded = try options.load()
            var entries: [PluginReport.Entry] = []
            var rows: [[String]] = [["CHECK", "RESOURCE", "STATE", "MESSAGE"]]
            if !customOnly {
                for b in await CheckCommand.builtinStatuses(loaded.config) {
                    let s = b.status
                    let name = s.resource.isEmpty ? s.check : "\(s.check) \(s.resource)"
                    let perf = PluginReport.perfDatum(s, unit: b.unit, spec: b.spec).map { [$0] } ?? []
                    entries.append(PluginReport.Entry(name: name, severity: s.severity, message: s.message, perfData: perf))
                    rows.append([s.check, s.resource, s.severity.rawValue, s.message])
                }
            }
            for c in loaded.config.checks {
                let (result, _) = CheckCommand.execute(c)
                // A custom check's perfdata keeps its labels, prefixed by the check (check_multi's `check::label`).
                let perf = result.perfData.map { p in
                    var q = p
                    q.label = "\(c.name)::\(p.label)"
                    return q
                }
                entries.append(PluginReport.Entry(name: c.name, severity: result.severity, message: result.message, perfData: perf))
                rows.append([c.name, "", result.severity.rawValue, result.message])
            }
            guard !entries.isEmpty else {
                print("VITALS UNKNOWN - no checks (the built-in ones are off and none is defined in \(loaded.config.plugins.directory))")
                throw ExitCode(3)
            }
            let report = PluginReport.render(entries)
            if table || (!plugin && isatty(1) == 1) {
                print(TextTable.render(rows), terminator: "")
            } else {
                print(report.text, terminator: "")
            }
            throw ExitCode(report.exitCode)
        }
    }

    /// The built-in checks evaluated once, here: two samples a second apart (rates and CPU need
    /// two), levels without debounce (there is no history to debounce over); each with its unit
    /// and levels, for perfdata.
    static func builtinStatuses(_ config: Config) async -> [(status: CheckStatus, unit: String, spec: ThresholdSpec)] {
        let cycle = SamplingCycle.standard(config: config)
        _ = await cycle.run(cycle: 1, timestamp: WallClock.now(), at: .now)
        try? await Task.sleep(for: .seconds(1))
        let snapshot = await cycle.run(cycle: 2, timestamp: WallClock.now(), at: .now)
        var evaluator = CheckEvaluator<ContinuousClock.Instant>()
        var info: [CheckKey: (String, ThresholdSpec)] = [:]
        for obs in snapshot.observations() {
            guard var spec = config.spec(for: obs.key), spec.enabled else { continue }
            spec.raiseAfter = .samples(1)
            spec.clearAfter = .samples(1)
            info[obs.key] = (obs.unit, spec)
            _ = evaluator.evaluate(obs, spec: spec, at: .now, timestamp: snapshot.timestamp)
        }
        return evaluator.statuses.compactMap { s in
            info[CheckKey(check: s.check, resource: s.resource)].map { (s, $0.0, $0.1) }
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one custom or compiled-in check once; print its state, message, long output and perfdata; exit with its code.")

        @OptionGroup var options: CheckOptions

        @Argument(help: "The check's name.")
        var name: String

        func run() throws {
            RunContainment.shared.enable()
            let loaded = try options.load()
            let checks = loaded.config.checks
            guard let c = checks.first(where: { $0.name == name }) else {
                printError(
                    "vitals: no check named \(name) in \(loaded.config.plugins.directory); defined: \(checks.map(\.name).joined(separator: ", "))")
                throw ExitCode(3)
            }
            let (r, took) = CheckCommand.execute(c)
            print("\(c.name): \(r.severity.rawValue.uppercased()) (\(Units.formatDuration(took)))")
            print("message: \(r.message)")
            for line in r.longOutput { print("  \(line)") }
            if !r.perfData.isEmpty {
                var rows = [["LABEL", "VALUE", "UNIT", "WARN", "CRIT", "MIN", "MAX"]]
                for p in r.perfData {
                    rows.append([
                        p.label, p.value.map(Units.formatNumber) ?? "U", p.unit, p.warning?.description ?? "", p.critical?.description ?? "",
                        p.min.map(Units.formatNumber) ?? "", p.max.map(Units.formatNumber) ?? "",
                    ])
                }
                print(TextTable.render(rows), terminator: "")
            }
            for p in r.perfDataProblems { print("perfdata not understood: \(p)") }
            throw ExitCode(r.severity.pluginExitCode)
        }
    }

    /// The configuration the agent would read, with `--checks-dir` in place of
    /// `plugins.directory`: its `checks` are the compiled-in ones (unless turned off) and the
    /// directory's, composed as for the agent.
    struct CheckOptions: ParsableArguments {
        @Option(help: "Configuration file (default /etc/vitals/vitals.yaml when it exists, else embedded defaults).")
        var config: String?

        @Option(help: "The directory of check definitions (default: plugins.directory of the configuration).")
        var checksDir: String?

        func load() throws -> LoadedConfig {
            var overrides: [EnvironmentOverrides.Override] = []
            if let checksDir { overrides.append(.init(source: .commandLine("--checks-dir"), path: ["plugins", "directory"], value: checksDir)) }
            do {
                return try ConfigLoader.load(path: config, environment: DefaultPaths.environment(), options: overrides)
            } catch {
                printError(error.description)
                throw ExitCode(3)
            }
        }
    }

    /// Runs one check as the agent would (dependencies aside: asked for, it runs).
    static func execute(_ c: CheckDefinition) -> (PluginResult, Duration) {
        CheckExecutor.run(c, environment: DefaultPaths.environment())
    }
}
