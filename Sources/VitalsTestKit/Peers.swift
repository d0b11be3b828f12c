import Foundation

/// A real peer (scripts/peers: webhook-sink, smtp-sink, alertmanager) started for one test in
/// its own folder and stopped by PID (the script checks the PID's marker argument).
public final class Peer: @unchecked Sendable {
    public let script: String
    public let dir: String
    public private(set) var facts: [String: String] = [:]
    /// Whether it was started and not stopped since: `deinit` stops only a running peer, so a
    /// test's folder removed after `stop()` is not made again by a second `stop`.
    private var running = false

    /// Starts `name` (a script in scripts/peers) with `arguments`; throws with its output when it
    /// does not come up.
    public init(_ name: String, dir: String, _ arguments: [String] = []) throws {
        script = Fixtures.packageRoot + "/scripts/peers/" + name
        self.dir = dir
        try start(arguments)
    }

    public func start(_ arguments: [String]) throws {
        running = true  // a start that fails half-way is stopped too
        let (status, out) = Self.run(script, ["start", "--dir", dir] + arguments)
        guard status == 0 else { throw PeerError(description: "\(script) start failed (\(status)): \(out)") }
        facts = [:]
        for line in out.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            facts[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
    }

    public func stop() {
        running = false
        _ = Self.run(script, ["stop", "--dir", dir])
    }

    public subscript(_ key: String) -> String { facts[key] ?? "" }

    public static func run(_ script: String, _ args: [String], environment: [String: String] = [:]) -> (Int32, String) {
        let p = Process()
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, b in b }
        p.executableURL = URL(fileURLWithPath: script)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return (-1, "\(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    deinit { if running { stop() } }
}

/// The JSON lines of a file (webhook-sink's requests.jsonl, smtp-sink's events.jsonl).
public func jsonLines(_ path: String) -> [[String: Any]] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes; returns whether it held.
public func eventually(_ timeout: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.1)
    }
    return try condition()
}

/// A peer that did not start, with its output.
public struct PeerError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (for peers that need fixed ports, such as
/// an Alertmanager cluster whose members name each other).
public func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}
