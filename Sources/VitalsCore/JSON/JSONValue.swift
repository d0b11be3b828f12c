/// A JSON document as a tree, between bytes and `Codable` values (RFC 8259).
///
/// vitals reads and writes its JSON itself rather than through FoundationEssentials'
/// `JSONEncoder`/`JSONDecoder`: those two were the only reason to link FoundationEssentials, which
/// (with the string-processing and collection libraries it drags in) was 7.5 MB of the stripped
/// binary and 2.5 MiB of its resident pages (issue 17). See `JSONCodec`.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's text as written (validated against the JSON grammar), converted only when a
    /// decoder asks for a type: an `Int64` keeps every digit, a `Double` rounds once.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in document order. A key written twice keeps its last value when decoded.
    case object([JSONMember])

    /// The value of `key` in an object (the last one, as decoders see it), or nil.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }
}

/// One `"key": value` pair of a JSON object.
public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var value: JSONValue
    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// How `JSONCodec` writes and reads: the options vitals' documents use.
public struct JSONOptions: Sendable, Equatable {
    /// Object keys in byte order of their UTF-8 (stable output: state files, idempotent webhooks).
    public var sortedKeys: Bool
    /// Two-space indentation, one member per line, `"key" : value` (the status API).
    public var pretty: Bool
    /// Infinities and NaN as the strings "+Inf", "-Inf" and "NaN" (Prometheus' spelling), both
    /// ways. Without it they cannot be encoded, and those strings do not decode as numbers.
    public var nonFiniteAsStrings: Bool
    /// The deepest nesting a document may have when read; deeper is refused, never recursed into.
    public var maxDepth: Int

    public init(sortedKeys: Bool = false, pretty: Bool = false, nonFiniteAsStrings: Bool = false, maxDepth: Int = 256) {
        self.sortedKeys = sortedKeys
        self.pretty = pretty
        self.nonFiniteAsStrings = nonFiniteAsStrings
        self.maxDepth = maxDepth
    }

    /// State files: keys sorted, compact.
    public static let state = JSONOptions(sortedKeys: true)
    /// The status API: keys sorted, pretty, unlimited limits as "+Inf".
    public static let api = JSONOptions(sortedKeys: true, pretty: true, nonFiniteAsStrings: true)
}
