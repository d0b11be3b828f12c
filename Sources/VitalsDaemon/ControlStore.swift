import Synchronization
public import VitalsCore

/// The operator's silences and acknowledgements, shared by the status socket (which changes them
/// on request) and the alert cycle (which reads them and ends acknowledgements), written through
/// to `<state dir>/controls.json` before a change is confirmed.
public final class ControlStore: Sendable {
    /// Where the file is; nil keeps the controls in memory only (no state directory).
    public let path: String?
    private let controls: Mutex<AlertControls>

    /// A store over `directory`/controls.json, empty until `load`.
    public init(directory: String?) {
        path = directory.map { $0 + "/controls.json" }
        controls = Mutex(AlertControls())
    }

    /// What `load` found, for the log.
    public enum Loaded: Sendable {
        case none
        case loaded(silences: Int, acknowledgements: Int, refused: [String])
        case corrupt(error: String, movedTo: String)
    }

    /// Reads the file left by the previous run; one that is not valid is moved aside.
    public func load(wall: Double) throws(VitalsError) -> Loaded {
        guard let path, let data = try AtomicFile.read(path) else { return .none }
        do {
            let file = try JSONCodec.decode(File.self, from: data)
            guard file.version == File.currentVersion else {
                throw VitalsError(.parse, "\(path): controls version \(file.version), this vitals reads \(File.currentVersion)")
            }
            controls.withLock { $0 = file.controls }
            return .loaded(
                silences: file.controls.silences.count, acknowledgements: file.controls.acknowledgements.count, refused: file.controls.refusedAtLoad)
        } catch {
            return .corrupt(error: "\(error)", movedTo: try AtomicFile.moveAside(path, wall: wall, what: "silences and acknowledgements"))
        }
    }

    /// The controls now.
    public var current: AlertControls { controls.withLock { $0 } }

    /// Applies a change and writes the file before returning; a change that cannot be written is
    /// undone and reported, so nothing is confirmed that a restart would forget.
    public func update<T>(_ change: (inout AlertControls) throws(VitalsError) -> T) throws(VitalsError) -> T {
        let result: Result<T, VitalsError> = controls.withLock { c in
            let before = c
            do {
                let value = try change(&c)
                if c != before, let path {
                    do {
                        try save(c, to: path)
                    } catch {
                        c = before
                        throw error
                    }
                }
                return .success(value)
            } catch let e as VitalsError {
                c = before
                return .failure(e)
            } catch {
                c = before
                return .failure(VitalsError(.internalError, "\(error)"))
            }
        }
        return try result.get()
    }

    private func save(_ c: AlertControls, to path: String) throws(VitalsError) {
        let data: [UInt8]
        do {
            data = try JSONCodec.encode(File(version: File.currentVersion, controls: c), options: .state)
        } catch {
            throw VitalsError(.internalError, "cannot encode the silences and acknowledgements", cause: "\(error)")
        }
        try AtomicFile.write(data, to: path, failpoint: "controls")
    }

    struct File: Codable {
        static let currentVersion = 1
        var version: Int
        var controls: AlertControls
    }
}
