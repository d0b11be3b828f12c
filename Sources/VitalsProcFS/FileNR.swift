public import VitalsCore

/// /proc/sys/fs/file-nr: allocated handles, allocated-but-unused (always 0 since 2.6), maximum.
public struct FileNR: Sendable, Equatable {
    public var allocated: UInt64
    public var unused: UInt64
    public var maximum: UInt64

    /// Parses /proc/sys/fs/file-nr text.
    public init(parsing text: String) throws(VitalsError) { try self.init(bytes: Array(text.utf8)[...]) }

    /// Parses /proc/sys/fs/file-nr bytes.
    public init(bytes: ArraySlice<UInt8>) throws(VitalsError) {
        let f = Scan.fields(Scan.lines(bytes).first ?? [])
        guard f.count == 3, let a = Scan.uint(f[f.startIndex]), let u = Scan.uint(f[f.startIndex + 1]),
            let m = Scan.uint(f[f.startIndex + 2])
        else {
            throw .parse("/proc/sys/fs/file-nr", "expected 3 numbers (allocated, unused, max), got \"\(Scan.string(bytes).trimmingNewlines)\"")
        }
        allocated = a
        unused = u
        maximum = m
    }
}

extension String {
    var trimmingNewlines: String {
        var s = Substring(self)
        while s.last == "\n" { s.removeLast() }
        return String(s)
    }
}
