#if canImport(Glibc)
    import Glibc
#endif

// vitals' own command-line layer: commands declare their options with property wrappers, as
// with swift-argument-parser, and this file parses them. Why not that package: it links
// FoundationEssentials (for its `--experimental-dump-help` JSON and `LocalizedError`), and
// FoundationEssentials with what it drags in was 7.5 MB of the 26.5 MB stripped binary and
// about 2.5 MiB of the agent's resident pages (issue 17). The commands, their help and the
// completion scripts stay as they were.

/// A command: its name, help texts and subcommands, its options as property wrappers, and
/// what it does.
protocol ParsableCommand: ParsableArguments {
    static var configuration: CommandConfiguration { get }
    mutating func run() throws
}

/// A command whose work is asynchronous (the agent, the checks, test-notify).
protocol AsyncParsableCommand: ParsableCommand {
    mutating func run() async throws
}

/// A group of options that commands share (`@OptionGroup`), or a command's own.
protocol ParsableArguments {
    init()
    mutating func validate() throws
}

extension ParsableArguments {
    func validate() throws {}
}

extension ParsableCommand {
    /// A command with subcommands and no work of its own shows its help.
    func run() throws { throw CLIExit.help }
}

extension AsyncParsableCommand {
    /// The process entry point (`@main`): parses the command line, runs the command, exits.
    static func main() async {
        await CommandLineRunner(root: Self.self).main(Array(CommandLine.arguments.dropFirst()))
    }
}

/// A command's name, help texts and subcommands.
struct CommandConfiguration: Sendable {
    var commandName: String?
    var abstract: String
    var discussion: String
    var version: String
    var subcommands: [any ParsableCommand.Type]
    var defaultSubcommand: (any ParsableCommand.Type)?

    init(
        commandName: String? = nil, abstract: String = "", discussion: String = "", version: String = "",
        subcommands: [any ParsableCommand.Type] = [], defaultSubcommand: (any ParsableCommand.Type)? = nil
    ) {
        self.commandName = commandName
        self.abstract = abstract
        self.discussion = discussion
        self.version = version
        self.subcommands = subcommands
        self.defaultSubcommand = defaultSubcommand
    }
}

extension ParsableCommand {
    /// The command's name: as configured, or its type's name in kebab case (`PolkitRule` → `polkit-rule`).
    static var commandName: String { configuration.commandName ?? CLIName.kebab(String(describing: Self.self)) }
}

/// Ends the process with this status and no message (the command printed its own).
struct ExitCode: Error, Equatable {
    var rawValue: Int32
    init(_ code: Int32) { rawValue = code }
}

/// A command line that makes no sense: printed with the usage, exit status 64 (EX_USAGE).
struct ValidationError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// The help or the version was asked for, or a group was run without a subcommand.
enum CLIExit: Error {
    case help
}

/// Names as the command line spells them.
enum CLIName {
    /// `logTarget` → `log-target`, `PolkitRuleCommand` → `polkit-rule-command`.
    static func kebab(_ s: String) -> String {
        var out = ""
        for (i, c) in s.enumerated() {
            if c.isUppercase {
                if i > 0 { out.append("-") }
                out += c.lowercased()
            } else {
                out.append(c)
            }
        }
        return out
    }
}
