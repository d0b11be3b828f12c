#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import VitalsCore
import VitalsProcFS

#if canImport(Glibc)
import Glibc
#endif

/// The alert state file, `<state dir>/alerts.json`, written through before any notification
/// leaves: a temporary file, fsync, rename over the old one, fsync of the directory. A reader
/// (the next start) sees the old file or the new one, never half of one.
public struct AlertStore: Sendable {
    public let path: String

    public init(directory: String) { path = directory + "/alerts.json" }

    /// What `load` found.
    public enum Loaded: Sendable {
        case none
        case alerts([PersistedAlert])
        /// The file could not be read as alert state; it was moved to `movedTo` and the agent
        /// starts clean.
        case corrupt(error: String, movedTo: String)
    }

    /// Reads the state left by the previous run. A file that is not valid state is moved aside
    /// (`alerts.json.corrupt-<unix time>`), never deleted and never half-used.
    public func load(wall: Double) throws(VitalsError) -> Loaded {
        guard access(path, F_OK) == 0 else { return .none }
        var bytes: [UInt8] = []
        let length = try Syscalls.readFile(path, into: &bytes, maxBytes: 64 << 20)
        do {
            let file = try JSONDecoder().decode(StateFile.self, from: Data(bytes[..<length]))
            guard file.version == StateFile.currentVersion else {
                throw VitalsError(.parse, "\(path): state version \(file.version), this vitals reads \(StateFile.currentVersion)")
            }
            return .alerts(file.alerts)
        } catch {
            let aside = "\(path).corrupt-\(Int(wall))"
            guard rename(path, aside) == 0 else {
                throw VitalsError(.io, "\(path) is not valid alert state and cannot be moved aside to \(aside)", cause: String(cString: strerror(errno)))
            }
            return .corrupt(error: "\(error)", movedTo: aside)
        }
    }

    /// Writes the state atomically and durably.
    public func save(_ alerts: [PersistedAlert]) throws(VitalsError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(StateFile(version: StateFile.currentVersion, alerts: alerts))
        } catch {
            throw VitalsError(.internalError, "cannot encode the alert state", cause: "\(error)")
        }
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw VitalsError(.io, "cannot write \(tmp); the state directory must be writable by vitals", cause: String(cString: strerror(errno)))
        }
        var ok = true
        data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    ok = false
                    return
                }
                off += n
            }
        }
        let synced = fsync(fd) == 0
        let err = errno
        close(fd)
        guard ok, synced else {
            unlink(tmp)
            throw VitalsError(.io, "cannot write \(tmp)", cause: String(cString: strerror(err)))
        }
        guard rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw VitalsError(.io, "cannot replace \(path)", cause: String(cString: strerror(e)))
        }
        // The rename is durable once the directory entry is.
        let dirPath = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let dir = open(dirPath.isEmpty ? "/" : dirPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
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

    struct StateFile: Codable {
        static let currentVersion = 1
        var version: Int
        var alerts: [PersistedAlert]
    }
}
