public import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// The alert state file, `<state dir>/alerts.json`, written through (`AtomicFile`) before any
/// notification leaves: every alert's state and the storm guard's groups, limits and digests.
public struct AlertStore: Sendable {
    public let path: String

    public init(directory: String) { path = directory + "/alerts.json" }

    /// What `load` found.
    public enum Loaded: Sendable {
        case none
        case alerts([PersistedAlert], storm: StormGuard?)
        /// The file could not be read as alert state; it was moved to `movedTo` and the agent
        /// starts clean.
        case corrupt(error: String, movedTo: String)
    }

    /// Reads the state left by the previous run. A file that is not valid state is moved aside
    /// (`alerts.json.corrupt-<unix time>`), never deleted and never half-used.
    public func load(wall: Double) throws(VitalsError) -> Loaded {
        guard let data = try AtomicFile.read(path) else { return .none }
        do {
            let file = try JSONCodec.decode(StateFile.self, from: data)
            guard (1...StateFile.currentVersion).contains(file.version) else {
                throw VitalsError(.parse, "\(path): state version \(file.version), this vitals reads 1 to \(StateFile.currentVersion)")
            }
            return .alerts(file.alerts, storm: file.storm)
        } catch {
            return .corrupt(error: "\(error)", movedTo: try AtomicFile.moveAside(path, wall: wall, what: "alert state"))
        }
    }

    /// Writes the state atomically and durably.
    public func save(_ alerts: [PersistedAlert], storm: StormGuard? = nil) throws(VitalsError) {
        let data: [UInt8]
        do {
            data = try JSONCodec.encode(StateFile(version: StateFile.currentVersion, alerts: alerts, storm: storm), options: .state)
        } catch {
            throw VitalsError(.internalError, "cannot encode the alert state", cause: "\(error)")
        }
        try AtomicFile.write(data, to: path, failpoint: "state")
    }

    /// Creates the state directory (0700) when it does not exist.
    public static func prepare(directory: String) throws(VitalsError) {
        var st = stat()
        if stat(directory, &st) == 0 { return }
        var built = directory.hasPrefix("/") ? "" : "."
        for part in directory.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o700) != 0 && errno != EEXIST {
                throw VitalsError(.io, "cannot create the state directory \(directory)", cause: String(cString: strerror(errno)))
            }
        }
    }

    /// Version 2 added the escalation, dedup and storm-limit state (all optional, so version 1
    /// files still load).
    struct StateFile: Codable {
        static let currentVersion = 2
        var version: Int
        var alerts: [PersistedAlert]
        var storm: StormGuard?
    }
}
