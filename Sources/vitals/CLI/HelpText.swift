import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// A command's `--help`: OVERVIEW, the discussion, USAGE, ARGUMENTS, OPTIONS, SUBCOMMANDS.
///
/// Prose is wrapped here only, to the terminal's width (`COLUMNS`, else the terminal's, else 80);
/// lines of the discussion that start with a space (examples) are printed as written.
struct HelpText {
    /// From the root command down to the one asked about.
    let path: [any ParsableCommand.Type]
    var width: Int = HelpText.terminalWidth()

    private var command: any ParsableCommand.Type { path.last! }
    private var names: String { path.map { $0.commandName }.joined(separator: " ") }

    /// The command's slots; a group with a default subcommand shows that one's too.
    private var slots: [ArgumentSlot] {
        var s = CLIReflection.slots(of: command.init())
        if let d = command.configuration.defaultSubcommand { s += CLIReflection.slots(of: d.init()) }
        return s
    }

    var usage: String {
        var parts = [names]
        let c = command.configuration
        if !c.subcommands.isEmpty, c.defaultSubcommand == nil { parts.append("<subcommand>") }
        for s in slots {
            switch s.kind {
            case .argument: parts.append(s.required ? s.label : "[\(s.label)]")
            case .option where s.array != nil: parts.append("[\(s.label) ...]")
            default: parts.append(s.required ? s.label : "[\(s.label)]")
            }
        }
        if !c.subcommands.isEmpty, c.defaultSubcommand != nil { parts.insert("[<subcommand>]", at: 1) }
        return parts.joined(separator: " ")
    }

    func render() -> String {
        let c = command.configuration
        var out = ""
        if !c.abstract.isEmpty { out += wrap("OVERVIEW: " + c.abstract, indent: 0) + "\n" }
        if !c.discussion.isEmpty {
            out += "\n"
            for line in c.discussion.split(separator: "\n", omittingEmptySubsequences: false) {
                out += (line.hasPrefix(" ") || line.isEmpty ? String(line) : wrap(String(line), indent: 0)) + "\n"
            }
        }
        out += "\n" + wrap("USAGE: " + usage, indent: 7) + "\n"
        let arguments = slots.filter { $0.kind == .argument }
        if !arguments.isEmpty {
            out += "\nARGUMENTS:\n"
            for a in arguments { out += row(a.label, a.help.text) }
        }
        out += "\nOPTIONS:\n"
        for s in slots where s.kind != .argument {
            var help = s.help.text
            if !s.choices.isEmpty, !help.includes(s.choices[0]) { help += " (values: \(s.choices.joined(separator: ", ")))" }
            out += row(s.label, help)
        }
        if path.count == 1, !c.version.isEmpty {
            out += row("--version", "Show the version.")
            out += row("--generate-completion-script <shell>", "Print the completion script for bash, zsh or fish.")
        }
        out += row("-h, --help", "Show help information.")
        if !c.subcommands.isEmpty {
            out += "\nSUBCOMMANDS:\n"
            for sub in c.subcommands {
                let isDefault = c.defaultSubcommand.map { ObjectIdentifier($0) == ObjectIdentifier(sub) } ?? false
                out += row(sub.commandName + (isDefault ? " (default)" : ""), sub.configuration.abstract)
            }
            out +=
                "\n  See '\(path.first!.commandName) help \(path.dropFirst().map { $0.commandName }.map { $0 + " " }.joined())<subcommand>' for detailed help.\n"
        }
        return out
    }

    /// One `  label   help` row; a long label puts its help on the next line.
    private func row(_ label: String, _ help: String) -> String {
        let column = 26
        let head = "  " + label
        guard !help.isEmpty else { return head + "\n" }
        if head.count + 2 <= column {
            let padded = head + String(repeating: " ", count: column - head.count)
            return wrap(padded + help, indent: column) + "\n"
        }
        return head + "\n" + wrap(String(repeating: " ", count: column) + help, indent: column) + "\n"
    }

    /// Words of `text` in lines of at most `width` characters; continuation lines indented.
    private func wrap(_ text: String, indent: Int) -> String {
        guard text.count > width else { return text }
        var lines: [String] = []
        var line = ""
        let lead = text.prefix { $0 == " " }
        for word in text.dropFirst(lead.count).split(separator: " ", omittingEmptySubsequences: false) {
            let prefix = lines.isEmpty ? String(lead) : String(repeating: " ", count: indent)
            if line.isEmpty {
                line = prefix + word
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = String(repeating: " ", count: indent) + word
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    static func terminalWidth() -> Int {
        if let c = getenv("COLUMNS").map({ String(cString: $0) }), let n = Int(c), n >= 20 { return n }
        var ws = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col >= 20 { return Int(ws.ws_col) }
        return 80
    }
}
