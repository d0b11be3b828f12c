import ArgumentParser
import VitalsConfig
import VitalsCore
import VitalsDaemon
import VitalsPlugins

#if canImport(Glibc)
import Glibc
#endif

/// `vitals check` and `vitals check run NAME`: run custom checks once, here, and show the result.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run every custom check once and exit with the worst state's code (0-3), like a Nagios plugin.",
        discussion: """
            Custom checks are monitoring-plugins executables defined in /etc/vitals/checks.d/*.yaml.
            Each runs as the agent would run it: argv without a shell, a clean environment, its
            timeout, resource limits, as user nobody when run as root, and only when the file and
            every directory above it belong to root and nobody else can write them.
            Exit status: 0 all ok, 1 a warning, 2 a critical, 3 an unknown (or no checks), as the
            plugin protocol defines.
            Examples:
              vitals check
              vitals check run http_local
              vitals check --checks-dir ./checks.d
            """,
        subcommands: [All.self, Run.self], defaultSubcommand: All.self)

    struct All: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "all", abstract: "Run every custom check once (the default); exit with the worst state's code.")

        @Option(help: "The directory of check definitions.")
        var checksDir: String = ChecksLoader.defaultDirectory

        func run() throws { try CheckCommand.runAll(checksDir) }
    }

    static func runAll(_ checksDir: String) throws {
        let checks = try CheckCommand.load(checksDir)
        guard !checks.isEmpty else {
            print("UNKNOWN: no checks defined in \(checksDir)")
            throw ExitCode(3)
        }
        var worst = Severity.ok
        var lines: [[String]] = [["CHECK", "STATE", "TOOK", "MESSAGE"]]
        for c in checks {
            let (result, took) = CheckCommand.execute(c)
            worst = Severity.worst([worst, result.severity])
            lines.append([c.name, result.severity.rawValue, Units.formatDuration(took), result.message])
        }
        print(TextTable.render(lines), terminator: "")
        throw ExitCode(worst.pluginExitCode)
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one custom check once; print its state, message, long output and perfdata; exit with its code.")

        @Option(help: "The directory of check definitions.")
        var checksDir: String = ChecksLoader.defaultDirectory

        @Argument(help: "The check's name.")
        var name: String

        func run() throws {
            let checks = try CheckCommand.load(checksDir)
            guard let c = checks.first(where: { $0.name == name }) else {
                printError("vitals: no check named \(name) in \(checksDir); defined: \(checks.map(\.name).joined(separator: ", "))")
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

    /// The compiled-in checks, then the directory's.
    static func load(_ dir: String) throws -> [CheckDefinition] {
        do {
            return CompiledChecks.definitions + (try ChecksLoader.load(directory: dir))
        } catch {
            printError(error.description)
            throw ExitCode(3)
        }
    }

    /// Runs one check as the agent would (dependencies aside: asked for, it runs).
    static func execute(_ c: CheckDefinition) -> (PluginResult, Duration) {
        CheckExecutor.run(c, environment: DefaultPaths.environment())
    }
}
