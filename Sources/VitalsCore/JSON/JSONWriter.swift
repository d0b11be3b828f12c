/// Writes a `JSONValue` as JSON text.
///
/// Numbers are written as they are held; `JSONCodec` makes them with `JSONWriter.number`, the
/// shortest text that reads back as the same `Double` (Swift's own), without a trailing ".0".
/// Strings escape only what JSON requires (quote, backslash, control characters); "/" and
/// non-ASCII are written as they are.
public enum JSONWriter {
    public static func write(_ value: JSONValue, options: JSONOptions = JSONOptions()) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out, options: options, indent: 0)
        return out
    }

    /// The text of a finite `Double`: `1` for 1.0, `0.25`, `1e+20`.
    public static func number(_ d: Double) -> String {
        let s = d.description
        return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    }

    /// The text of a finite `Float`, as `number(_: Double)`.
    public static func number(_ f: Float) -> String {
        let s = f.description
        return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    }

    private static func write(_ value: JSONValue, into out: inout [UInt8], options: JSONOptions, indent: Int) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): quote(s, into: &out)
        case .array(let items):
            guard !items.isEmpty else { return out.append(contentsOf: "[]".utf8) }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, options, indent + 1)
                write(item, into: &out, options: options, indent: indent + 1)
            }
            newline(&out, options, indent)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else { return out.append(contentsOf: "{}".utf8) }
            out.append(UInt8(ascii: "{"))
            let ordered = options.sortedKeys ? members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } : members
            for (i, m) in ordered.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, options, indent + 1)
                quote(m.key, into: &out)
                out.append(contentsOf: (options.pretty ? " : " : ":").utf8)
                write(m.value, into: &out, options: options, indent: indent + 1)
            }
            newline(&out, options, indent)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], _ options: JSONOptions, _ indent: Int) {
        guard options.pretty else { return }
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    /// `s` as a JSON string literal.
    public static func quote(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
