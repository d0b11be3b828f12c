/// Reads JSON text into a `JSONValue` (RFC 8259, strict): one value, no comments, no trailing
/// commas, no bare control characters in strings, valid UTF-8 and paired surrogates.
///
/// Everything it reads comes from outside (state files, the status socket, a receiver's reply),
/// so it is bounded: nesting deeper than `maxDepth` is refused before it is recursed into, and
/// errors name the line and column. The size is bounded by the caller, which reads the bytes.
public struct JSONParser {
    private let bytes: [UInt8]
    private var at = 0
    private let maxDepth: Int

    /// Parses `bytes` as one JSON document.
    /// - Throws: `DecodingError.dataCorrupted` naming the line and column of the first fault.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 256) throws -> JSONValue {
        var p = JSONParser(bytes: bytes, maxDepth: maxDepth)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.at == bytes.count else { throw p.fault("unexpected text after the document") }
        return v
    }

    private init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private mutating func skipSpace() {
        while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
    }

    private mutating func value(depth: Int) throws -> JSONValue {
        guard at < bytes.count else { throw fault("the document ends where a value should be") }
        switch bytes[at] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fault("expected a value")
        }
    }

    private mutating func literal(_ word: StaticString, _ v: JSONValue) throws -> JSONValue {
        let n = word.utf8CodeUnitCount
        guard at + n <= bytes.count else { throw fault("expected \(word)") }
        for i in 0..<n where bytes[at + i] != word.utf8Start[i] { throw fault("expected \(word)") }
        at += n
        return v
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        guard depth <= maxDepth else { throw fault("nested deeper than \(maxDepth) levels") }
        at += 1
        var members: [JSONMember] = []
        skipSpace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "}") {
            at += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw fault("expected a quoted key") }
            let key = try string()
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw fault("expected ':' after the key \"\(key.prefix(64))\"") }
            at += 1
            skipSpace()
            members.append(JSONMember(key, try value(depth: depth)))
            skipSpace()
            guard at < bytes.count else { throw fault("the document ends inside an object") }
            if bytes[at] == UInt8(ascii: ",") {
                at += 1
                continue
            }
            guard bytes[at] == UInt8(ascii: "}") else { throw fault("expected ',' or '}' in an object") }
            at += 1
            return .object(members)
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        guard depth <= maxDepth else { throw fault("nested deeper than \(maxDepth) levels") }
        at += 1
        var items: [JSONValue] = []
        skipSpace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "]") {
            at += 1
            return .array(items)
        }
        while true {
            skipSpace()
            items.append(try value(depth: depth))
            skipSpace()
            guard at < bytes.count else { throw fault("the document ends inside an array") }
            if bytes[at] == UInt8(ascii: ",") {
                at += 1
                continue
            }
            guard bytes[at] == UInt8(ascii: "]") else { throw fault("expected ',' or ']' in an array") }
            at += 1
            return .array(items)
        }
    }

    /// A number's text, checked against the grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func number() throws -> String {
        let start = at
        if bytes[at] == UInt8(ascii: "-") { at += 1 }
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.at
            while p.at < p.bytes.count, p.bytes[p.at] >= 0x30, p.bytes[p.at] <= 0x39 { p.at += 1 }
            return p.at - s
        }
        let lead = at
        let whole = digits(&self)
        guard whole > 0 else { throw fault("a number needs a digit after '-'") }
        guard whole == 1 || bytes[lead] != UInt8(ascii: "0") else { throw fault("a number cannot start with 0") }
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
            at += 1
            guard digits(&self) > 0 else { throw fault("a number needs a digit after '.'") }
        }
        if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
            at += 1
            if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
            guard digits(&self) > 0 else { throw fault("a number needs a digit in its exponent") }
        }
        guard at - start <= 400 else { throw fault("a number of more than 400 characters") }
        return String(decoding: bytes[start..<at], as: UTF8.self)
    }

    private mutating func string() throws -> String {
        at += 1
        let start = at
        // The common case: no escapes. Validate the UTF-8 once, without copying byte by byte.
        while at < bytes.count, bytes[at] != UInt8(ascii: "\""), bytes[at] != UInt8(ascii: "\\") {
            guard bytes[at] >= 0x20 else { throw fault("a control character must be escaped in a string") }
            at += 1
        }
        guard at < bytes.count else { throw fault("the document ends inside a string") }
        if bytes[at] == UInt8(ascii: "\"") {
            defer { at += 1 }
            return try utf8(bytes[start..<at], from: start)
        }
        var out = Array(bytes[start..<at])
        while true {
            guard at < bytes.count else { throw fault("the document ends inside a string") }
            let b = bytes[at]
            if b == UInt8(ascii: "\"") {
                at += 1
                return try utf8(out[...], from: start)
            }
            guard b >= 0x20 else { throw fault("a control character must be escaped in a string") }
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                at += 1
                continue
            }
            at += 1
            guard at < bytes.count else { throw fault("the document ends inside an escape") }
            let e = bytes[at]
            at += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                        throw fault("an unpaired surrogate \\u\(String(scalar, radix: 16))")
                    }
                    at += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fault("an unpaired surrogate \\u\(String(scalar, radix: 16))") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fault("an unpaired surrogate \\u\(String(scalar, radix: 16))")
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default: throw fault("an unknown escape \\\(Character(Unicode.Scalar(e)))")
            }
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard at + 4 <= bytes.count else { throw fault("\\u needs four hex digits") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[at]
            let d: UInt8
            switch b {
            case 0x30...0x39: d = b - 0x30
            case 0x41...0x46: d = b - 0x41 + 10
            case 0x61...0x66: d = b - 0x61 + 10
            default: throw fault("\\u needs four hex digits")
            }
            v = v << 4 | UInt32(d)
            at += 1
        }
        return v
    }

    private func utf8(_ slice: ArraySlice<UInt8>, from start: Int) throws -> String {
        guard let s = String(validating: slice, as: UTF8.self) else {
            var p = self
            p.at = start
            throw p.fault("a string is not valid UTF-8")
        }
        return s
    }

    /// The error for the fault at the current position, as line:column (1-based).
    private func fault(_ what: String) -> DecodingError {
        var line = 1
        var column = 1
        for b in bytes[..<min(at, bytes.count)] {
            if b == 0x0A {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
        }
        return DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not valid JSON at line \(line), column \(column): \(what)"))
    }
}
