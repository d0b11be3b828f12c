import Foundation
import Testing
import VitalsTestKit
import VitalsTestSupport

/// vitals' own command-line layer (issue 17 replaced swift-argument-parser, which linked
/// FoundationEssentials): parsing, errors with the remedy, help, version and the completion
/// scripts the .deb installs, on the real binary.
@Suite(.offThePool) struct CommandLineTests {
    @Test func aWrongCommandLineNamesTheFaultAndTheRemedyWithExit64() throws {
        for (args, fault) in [
            (["status", "--bogus"], "Unknown option '--bogus'"),
            (["status", "--top", "x"], "The value 'x' is invalid for '--top <top>'"),
            (["status", "--sort", "disk"], "(one of cpu, memory, io)"),
            (["silence", "add", "--match", "check=disk", "--for", "1h"], "Missing expected argument '--comment <comment>'"),
            (["status", "--socket"], "Missing value for '--socket <socket>'"),
            (["config", "check", "a", "b"], "Unexpected argument 'b'"),
            (["check", "--table", "--plugin"], "--table and --plugin exclude each other"),
            (["status", "--json=yes"], "'--json' takes no value"),
        ] {
            let r = try runVitals(args)
            #expect(r.status == 64, "\(args): \(r.status) \(r.err)")
            #expect(r.err.contains("Error: \(fault)") || r.err.contains(fault), "\(args): \(r.err)")
            #expect(r.err.contains("See 'vitals \(args[0])") && r.err.contains("--help' for more information"), "\(r.err)")
            #expect(r.out.isEmpty)
        }
    }

    @Test func optionsTakeValuesInEitherSpellingAndArraysUpToTheNextOption() throws {
        // No agent listens on this socket: the command gets as far as connecting, so parsing passed.
        let socket = "/tmp/vitals-cli-\(getpid()).sock"
        for args in [
            ["status", "--socket", socket], ["status", "--socket=\(socket)", "--units", "--sort", "memory", "--top", "3"],
            ["silence", "add", "--socket", socket, "--match", "check=disk", "resource=/srv", "--for", "1h", "--comment", "swap"],
            ["silence", "add", "--match", "check=disk", "--match", "resource=/", "--for=30m", "--comment=x", "--socket", socket],
        ] {
            let r = try runVitals(args)
            #expect(r.status == 1 && r.err.contains(socket), "\(args): \(r.status) \(r.err)")
        }
        // A default subcommand takes the group's options: `vitals check` is `vitals check all`.
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runVitals(["check", "--custom-only", "--plugin", "--checks-dir", dir])
        // Plugin output (--plugin), the custom checks only: the compiled-in ones (no built-in cpu, disk, ...).
        #expect(r.out.hasPrefix("VITALS ") && !r.out.contains("\ncpu ") && (0...3).contains(r.status), "\(r.out)\(r.err)")
    }

    @Test func helpVersionAndHelpSubcommand() throws {
        let version = try runVitals(["--version"])
        #expect(version.status == 0 && version.out.split(separator: ".").count == 3, "\(version.out)")
        let a = try runVitals(["help", "silence", "add"])
        let b = try runVitals(["silence", "add", "--help"])
        #expect(a.status == 0 && a.out == b.out && a.out.contains("--every <calendar>"), "\(a.out)")
        let group = try runVitals(["silence"])
        #expect(group.status == 0 && group.out.contains("SUBCOMMANDS:") && group.out.contains("expire"), "\(group.out)")
    }

    /// The scripts parse in their shells and complete subcommands and options.
    @Test func completionScriptsParseAndComplete() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for shell in ["bash", "zsh", "fish"] {
            let r = try runVitals(["--generate-completion-script", shell])
            #expect(r.status == 0 && !r.out.isEmpty)
            try r.out.write(toFile: "\(dir)/\(shell)", atomically: true, encoding: .utf8)
        }
        let bash = try shell(
            "/bin/bash",
            ["-c", "source \(dir)/bash; COMP_WORDS=(vitals silence add --c); COMP_CWORD=3; _vitals; echo \"${COMPREPLY[*]}\""])
        #expect(bash == "--config --comment\n", "\(bash)")
        let top = try shell("/bin/bash", ["-c", "source \(dir)/bash; COMP_WORDS=(vitals a); COMP_CWORD=1; _vitals; echo \"${COMPREPLY[*]}\""])
        #expect(top == "agent alerts ack action\n", "\(top)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zsh"), "zsh is not installed: the zsh script is not parsed"))
    func theZshScriptParses() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try runVitals(["--generate-completion-script", "zsh"]).out.write(toFile: dir + "/_vitals", atomically: true, encoding: .utf8)
        #expect(try shell("/usr/bin/zsh", ["-n", dir + "/_vitals"]) == "")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/fish"), "fish is not installed: the fish script is not tried"))
    func theFishScriptCompletes() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try runVitals(["--generate-completion-script", "fish"]).out.write(toFile: dir + "/vitals.fish", atomically: true, encoding: .utf8)
        let out = try shell("/usr/bin/fish", ["-c", "source \(dir)/vitals.fish; complete -C 'vitals silence '"])
        #expect(out.split(separator: "\n").map { $0.split(separator: "\t")[0] }.sorted() == ["add", "expire", "list"], "\(out)")
    }

    private func shell(_ path: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text
    }
}
