import VitalsConfig
import VitalsCore
import VitalsDaemon

/// `vitals config check|show`.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Validate or print the configuration.",
        subcommands: [Check.self, Show.self])

    /// `vitals config check [FILE]`: all errors at once, non-zero exit when there is one.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a configuration file (and VITALS_* variables); exit 1 on any error.",
            discussion: """
                Examples:
                  vitals config check
                  vitals config check ./vitals.yaml
                """)

        @Argument(help: "The file to check (default /etc/vitals/vitals.yaml).")
        var file: String?

        func run() throws {
            do {
                let loaded = try ConfigLoader.load(path: file, environment: DefaultPaths.environment())
                if let f = loaded.file {
                    print("\(f): OK")
                } else {
                    print("no configuration file at \(ConfigLoader.defaultPath); the agent runs on its embedded defaults: OK")
                }
            } catch {
                printError(error.description)
                printError("\(error.issues.count) error\(error.issues.count == 1 ? "" : "s")")
                throw ExitCode(1)
            }
        }
    }

    /// `vitals config show`: the effective configuration and where each value came from.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective configuration, marking where each value came from.",
            discussion: """
                Examples:
                  vitals config show
                  VITALS_INTERVAL=30s vitals config show --config ./vitals.yaml
                """)

        @Option(help: "Configuration file (default /etc/vitals/vitals.yaml when it exists).")
        var config: String?

        func run() throws {
            do {
                print(ConfigRenderer.render(try ConfigLoader.load(path: config, environment: DefaultPaths.environment())), terminator: "")
            } catch {
                printError(error.description)
                throw ExitCode(1)
            }
        }
    }
}
