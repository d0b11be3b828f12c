import Synchronization
import VitalsCore
public import VitalsProcFS

/// The /proc files one sampler reads every cycle, each kept open and re-read with `pread`
/// (`KeptFile`); all are dropped and reopened when a reload moves the /proc root.
public final class KeptFiles: Sendable {
    private let state = Mutex<(root: String, files: [String: KeptFile])>(("", [:]))

    public init() {}

    /// Reads `relative` below the root of `fs` and parses its bytes.
    public func read<T: Sendable>(_ fs: ProcFS, _ relative: String, _ parse: (ArraySlice<UInt8>) throws -> T) throws -> T {
        try state.withLock { s throws -> T in
            if s.root != fs.root {
                s = (fs.root, [:])
            }
            let file: KeptFile
            if let f = s.files[relative] {
                file = f
            } else {
                file = KeptFile(fs.path(relative))
                s.files[relative] = file
            }
            return try file.read(parse)
        }
    }
}
