/// Byte-level helpers the parsers share: they walk the UTF-8 bytes of a file's text and never
/// build `Character`s (the Character API costs several times the read itself).
enum Scan {
    typealias Bytes = ArraySlice<UInt8>

    /// The lines of a text, without their newline; empty lines are skipped.
    static func lines(_ text: String) -> [Bytes] { lines(Array(text.utf8)[...]) }

    /// The lines of a file's bytes, without their newline; empty lines are skipped.
    static func lines(_ bytes: Bytes) -> [Bytes] { bytes.split(separator: 0x0A, omittingEmptySubsequences: true) }

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
