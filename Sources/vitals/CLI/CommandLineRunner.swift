#if canImport(Glibc)
    import Glibc
#endif

/// Parses a command line against the command tree, runs the command, and exits with its status:
/// 0, the command's `ExitCode`, 64 (EX_USAGE) for a command line that makes no sense, 1 for any
/// other error. Help goes to stdout, errors to stderr.
struct CommandLineRunner {
    let root: any ParsableCommand.Type

    func main(_ arguments: [String]) async {
        let status = await run(arguments)
        fflush(nil)  // every output stream (stdout is a C global Swift 6 will not touch)
        exit(status)
    }

    /// Runs the command line; returns the exit status.
    func run(_ arguments: [String]) async -> Int32 {
        let (path, rest) = Self.resolve(root, arguments)
        do {
            if let status = try early(arguments, path: path, rest: rest) { return status }
            var full = path
            if let d = path.last!.configuration.defaultSubcommand { full.append(d) }
            var command = full.last!.init()
            try CommandLineParser(slots: CLIReflection.slots(of: command), words: rest).parse()
            try command.validate()
            try await Self.execute(command)
            return 0
        } catch {
            return Self.report(error, path: path)
        }
    }

    /// The commands named by the leading words, and the words after them.
    static func resolve(_ root: any ParsableCommand.Type, _ arguments: [String]) -> ([any ParsableCommand.Type], [String]) {
        var path: [any ParsableCommand.Type] = [root]
        var i = arguments.first == "help" ? 1 : 0
        while i < arguments.count {
            let word = arguments[i]
            guard let sub = path[path.count - 1].configuration.subcommands.first(where: { $0.commandName == word }) else { break }
            path.append(sub)
            i += 1
        }
        return (path, Array(arguments[i...]))
    }

    /// Completion scripts, the version and help: answered before any command is parsed.
    private func early(_ arguments: [String], path: [any ParsableCommand.Type], rest: [String]) throws -> Int32? {
        if arguments.first == "--generate-completion-script" {
            guard arguments.count == 2, let shell = CompletionScript.Shell(rawValue: arguments[1]) else {
                throw ValidationError("--generate-completion-script needs a shell: bash, zsh or fish")
            }
            print(CompletionScript(root: root).render(shell), terminator: "")
            return 0
        }
        if arguments == ["--version"], !root.configuration.version.isEmpty {
            print(root.configuration.version)
            return 0
        }
        if arguments.first == "help" || rest.contains("--help") || rest.contains("-h") {
            print(HelpText(path: path).render(), terminator: "")
            return 0
        }
        return nil
    }

    /// Prints what went wrong; the exit status for it.
    static func report(_ error: any Error, path: [any ParsableCommand.Type]) -> Int32 {
        if let e = error as? ExitCode { return e.rawValue }
        if error is CLIExit {
            print(HelpText(path: path).render(), terminator: "")
            return 0
        }
        if let e = error as? ValidationError {
            let names = path.map { $0.commandName }.joined(separator: " ")
            printError("Error: \(e.message)\nUsage: \(HelpText(path: path).usage)\n  See '\(names) --help' for more information.")
            return 64
        }
        printError("Error: \(error)")
        return 1
    }
}

extension CommandLineRunner {
    /// Runs a parsed command, asynchronously when it is an `AsyncParsableCommand`.
    static func execute(_ command: any ParsableCommand) async throws {
        if let a = command as? any AsyncParsableCommand {
            try await runAsync(a)
        } else {
            var c = command
            try c.run()
        }
    }

    private static func runAsync<C: AsyncParsableCommand>(_ command: C) async throws {
        var c = command
        try await c.run()
    }
}

/// Matches the words of a command line to a command's declared options and arguments.
struct CommandLineParser {
    let slots: [ArgumentSlot]
    let words: [String]

    func parse() throws(ValidationError) {
        var positionals: [String] = []
        var i = 0
        var optionsEnded = false
        while i < words.count {
            let word = words[i]
            i += 1
            if optionsEnded || !word.hasPrefix("-") || word == "-" {
                positionals.append(word)
                continue
            }
            if word == "--" {
                optionsEnded = true
                continue
            }
            guard word.hasPrefix("--") else { throw ValidationError("Unknown option '\(word)'") }
            var name = String(word.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let slot = slots.first(where: { $0.kind != .argument && $0.name == name }) else {
                throw ValidationError("Unknown option '--\(name)'")
            }
            if slot.kind == .flag {
                guard inline == nil else { throw ValidationError("'--\(name)' takes no value") }
                slot.value = true
                continue
            }
            var values: [String] = []
            if let inline {
                values.append(inline)
            } else {
                guard i < words.count, !words[i].hasPrefix("--") else { throw ValidationError("Missing value for '\(slot.label)'") }
                values.append(words[i])
                i += 1
            }
            if slot.array == .upToNextOption {
                while i < words.count, !words[i].hasPrefix("-") {
                    values.append(words[i])
                    i += 1
                }
            }
            try store(values, in: slot)
        }
        let arguments = slots.filter { $0.kind == .argument }
        guard positionals.count <= arguments.count else {
            throw ValidationError("Unexpected argument '\(positionals[arguments.count])'")
        }
        for (slot, text) in zip(arguments, positionals) { try store([text], in: slot) }
        for slot in slots where slot.required && slot.value == nil {
            throw ValidationError("Missing expected argument '\(slot.label)'")
        }
    }

    private func store(_ texts: [String], in slot: ArgumentSlot) throws(ValidationError) {
        var parsed: [Any] = []
        for t in texts {
            guard let v = slot.convert(t) else {
                let choices = slot.choices.isEmpty ? "" : " (one of \(slot.choices.joined(separator: ", ")))"
                throw ValidationError("The value '\(t)' is invalid for '\(slot.label)'\(choices)")
            }
            parsed.append(v)
        }
        if slot.array != nil {
            // Array options hold strings (`--match`); see `Option.init(wrappedValue:name:parsing:help:)`.
            slot.value = (slot.value as? [String] ?? []) + texts
        } else {
            slot.value = parsed.last
        }
    }
}
