/// Byte-level helpers the parsers share: they walk the UTF-8 bytes of a file's text and never
/// build `Character`s (the Character API costs several times the read itself).
enum Scan {
    typealias Bytes = ArraySlice<UInt8>

    /// The lines of a text, without their newline; empty lines are skipped.
    static func lines(_ text: String) -> [Bytes] { Array(lines(Array(text.utf8)[...])) }

    /// The lines of a file's bytes, without their newline; empty lines are skipped. Lazy: the
    /// lines are found as the loop walks them, and no array of lines is built (issue 17: the
    /// array of /proc/vmstat's 180 lines was most of its parse).
    static func lines(_ bytes: Bytes) -> Lines { Lines(bytes: bytes) }

    /// The lines of a slice of bytes, one after the other.
    struct Lines: Sequence, IteratorProtocol {
        var rest: Bytes

        init(bytes: Bytes) { rest = bytes }

        /// The first line (nil: no line).
        var first: Bytes? {
            var copy = self
            return copy.next()
        }

        mutating func next() -> Bytes? {
            while !rest.isEmpty {
                let end = rest.firstIndex(of: 0x0A) ?? rest.endIndex
                let line = rest[rest.startIndex..<end]
                rest = end == rest.endIndex ? rest[end...] : rest[(end + 1)...]
                if !line.isEmpty { return line }
            }
            return nil
        }
    }

    /// True when `s` is exactly the bytes of `word` (no String is built).
    static func equals(_ s: Bytes, _ word: StaticString) -> Bool {
        guard s.count == word.utf8CodeUnitCount else { return false }
        return word.withUTF8Buffer { w in s.elementsEqual(w) }
    }

    /// Whitespace-separated fields (spaces and tabs).
    static func fields(_ line: Bytes) -> [Bytes] {
        line.split(omittingEmptySubsequences: true, whereSeparator: { $0 == 0x20 || $0 == 0x09 })
    }

    /// An unsigned decimal integer; nil when any byte is not a digit.
    static func uint(_ s: Bytes) -> UInt64? {
        guard !s.isEmpty else { return nil }
        var v: UInt64 = 0
        for b in s {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
            if o1 || o2 { return nil }
            v = a
        }
        return v
    }

    /// A decimal number such as `0.73` or `12`, correctly rounded (the standard library's
    /// parser); nil when malformed.
    static func double(_ s: Bytes) -> Double? {
        guard !s.isEmpty, s.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }) else { return nil }
        if let v = uint(s) { return Double(v) }
        return Double(string(s))
    }

    static func string(_ s: Bytes) -> String { String(decoding: s, as: UTF8.self) }

    static func hasPrefix(_ s: Bytes, _ prefix: String) -> Bool { s.starts(with: prefix.utf8) }
}
