public import VitalsCore

/// One line of /proc/self/mountinfo (see proc(5)).
public struct MountInfoEntry: Sendable, Equatable {
    public var mountID: Int
    public var parentID: Int
    /// `major:minor` of the device: the same for bind mounts of one filesystem.
    public var device: String
    /// The directory of the filesystem that is mounted here (`/` unless a bind mount of a subtree).
    public var root: String
    public var mountPoint: String
    public var options: String
    public var fsType: String
    public var source: String
    public var superOptions: String

    /// True when mounted read-only.
    public var readOnly: Bool { options.split(separator: ",").contains("ro") }
}

/// /proc/self/mountinfo, parsed. Paths have their octal escapes (`\040` for a space) decoded.
public struct MountInfo: Sendable, Equatable {
    public var entries: [MountInfoEntry]

    public init(parsing text: String) throws(VitalsError) { try self.init(bytes: Array(text.utf8)[...]) }

    /// Parses /proc/self/mountinfo bytes.
    public init(bytes: ArraySlice<UInt8>) throws(VitalsError) {
        var entries: [MountInfoEntry] = []
        var number = 0
        for line in Scan.lines(bytes) {
            number += 1
            let f = Scan.fields(line)
            guard let dash = f.firstIndex(where: { $0.count == 1 && $0.first == 0x2D }), dash >= f.startIndex + 6,
                f.endIndex - dash >= 3, let id = Scan.uint(f[f.startIndex]), let parent = Scan.uint(f[f.startIndex + 1])
            else {
                throw .parse("/proc/self/mountinfo", "line \(number) is malformed: \"\(Scan.string(line))\"")
            }
            entries.append(
                MountInfoEntry(
                    mountID: Int(id), parentID: Int(parent), device: Scan.string(f[f.startIndex + 2]),
                    root: Self.unescape(f[f.startIndex + 3]), mountPoint: Self.unescape(f[f.startIndex + 4]),
                    options: Scan.string(f[f.startIndex + 5]), fsType: Scan.string(f[dash + 1]),
                    source: Self.unescape(f[dash + 2]), superOptions: dash + 3 < f.endIndex ? Scan.string(f[dash + 3]) : ""))
        }
        self.entries = entries
    }

    /// Decodes the kernel's `\ooo` octal escapes (space, tab, newline, backslash).
    static func unescape(_ s: ArraySlice<UInt8>) -> String {
        guard s.contains(0x5C) else { return Scan.string(s) }
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == 0x5C, i + 3 < s.endIndex + 0, s.endIndex - i >= 4,
                let v = UInt8(Scan.string(s[(i + 1)...(i + 3)]), radix: 8)
            {
                out.append(v)
                i += 4
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
