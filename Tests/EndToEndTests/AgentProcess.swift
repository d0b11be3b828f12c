import Foundation
import VitalsTestKit

/// Runs the built `vitals` binary as a child process for a test and stops it by PID.
final class AgentProcess: @unchecked Sendable {
    let process = Process()
    let socket: String
    let dir: String
    /// The agent's stderr goes to a file (a pipe nobody reads would fill and block the agent).
    let logPath: String

    static var binary: String {
        ProcessInfo.processInfo.environment["TEST_VITALS_BINARY"] ?? Fixtures.packageRoot + "/.build/debug/vitals"
    }

    /// A fresh temporary directory.
    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `launcher`, when given, runs the agent (e.g. systemd-socket-activate and its options).
    init(arguments: [String], dir: String, environment: [String: String] = [:], launcher: [String] = []) throws {
        self.dir = dir
        socket = dir + "/vitals.sock"
        logPath = dir + "/agent-\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        // State stays in the test's directory unless the test names its own (never the host's
        // /var/lib/vitals when tests run as root).
        let state = arguments.contains("--state-dir") || environment["STATE_DIRECTORY"] != nil ? [] : ["--state-dir", dir + "/state"]
        let agentArgs = ["agent", "--socket", socket, "--log-target", "stderr"] + state + arguments
        if let first = launcher.first {
            process.executableURL = URL(fileURLWithPath: first)
            process.arguments = Array(launcher.dropFirst()) + [Self.binary] + agentArgs
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = agentArgs
        }
        var env = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("VITALS_") && $0.key != "JOURNAL_STREAM" && $0.key != "NOTIFY_SOCKET"
        }
        // The product as shipped: the compiled-in checks (failed units, reboot required, clock
        // sync) stay on; a test that turns them off passes VITALS_PLUGINS__BUILTIN_CHECKS and says why.
        env.merge(environment) { _, b in b }
        process.environment = env
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// True when the running agent has a shared library whose file name starts with `name` mapped.
    func mapsLibrary(_ name: String) -> Bool {
        let maps = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/maps", encoding: .utf8)) ?? ""
        return maps.split(separator: "\n").contains { $0.split(separator: "/").last?.hasPrefix(name) == true }
    }

    /// GET a path over the socket with the binary's own client (`vitals status --json`).
    func get(_ health: Bool = false) throws -> [String: Any] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = ["status", "--json", "--socket", socket] + (health ? ["--health"] : [])
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw AgentError("vitals status exited \(p.terminationStatus)") }
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// Waits until the health document reports at least `cycles` cycles.
    func waitForCycles(_ cycles: Int, timeout: Double = 30) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let h = try? get(true), let n = h["cycles"] as? Int, n >= cycles { return h }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw AgentError("agent did not reach \(cycles) cycles in \(timeout) s; stderr: \(stderrText())")
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// SIGTERM, then wait up to 10 s before SIGKILL; returns the exit status (-9 when killed).
    func stop() -> Int32 {
        if process.isRunning { signal(SIGTERM) }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            signal(SIGKILL)
            process.waitUntilExit()
            return -9
        }
        return process.terminationStatus
    }

    /// Waits for the process to exit on its own; returns the exit status.
    func waitForExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// What the agent wrote to stderr so far.
    func stderrText() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// The JSON log lines written so far.
    func logLines() -> [[String: String]] {
        stderrText().split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

struct AgentError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Copies a fixture tree (fixtures are read-only inputs; tests change copies).
func copyFixture(_ name: String, to dir: String) throws -> String {
    let dest = dir + "/proc"
    try FileManager.default.copyItem(atPath: Fixtures.path("proc/\(name)"), toPath: dest)
    return dest
}

/// Runs the vitals CLI to completion; returns its exit status, stdout and stderr.
func runVitals(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: AgentProcess.binary)
    p.arguments = args
    // VITALS_* would override the configuration: the caller's environment does not leak in.
    p.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("VITALS_") }
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}
