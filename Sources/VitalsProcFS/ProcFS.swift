public import VitalsCore

/// Reads files under an injectable root: `/proc` in production, a fixture tree in tests
/// (`--procfs-root`). It only reads; parsing is done by the pure parsers in this module.
public struct ProcFS: Sendable {
    /// The directory that stands for /proc.
    public let root: String

    public init(root: String = "/proc") {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    /// The full path of a file below the root: `path("stat")` is "/proc/stat".
    public func path(_ relative: String) -> String { root + "/" + relative }

    /// The text of a file, read with read() until end of file.
    public func text(_ relative: String) throws(VitalsError) -> String {
        var buffer: [UInt8] = []
        return try text(relative, buffer: &buffer)
    }

    /// The text of a file, reusing `buffer` for the bytes.
    public func text(_ relative: String, buffer: inout [UInt8]) throws(VitalsError) -> String {
        let n = try Syscalls.readFile(path(relative), into: &buffer)
        return String(decoding: buffer[..<n], as: UTF8.self)
    }

    /// The bytes of a file, read into the reused `buffer`.
    public func bytes(_ relative: String, buffer: inout [UInt8]) throws(VitalsError) -> ArraySlice<UInt8> {
        let n = try Syscalls.readFile(path(relative), into: &buffer)
        return buffer[..<n]
    }

    /// True when the file or directory exists below the root.
    public func exists(_ relative: String) -> Bool { Syscalls.exists(path(relative)) }
}
