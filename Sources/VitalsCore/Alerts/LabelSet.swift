/// An alert's identity: its labels (`alertname`, `instance`, `check`, `resource`, ...), kept sorted
/// by name. Severity is deliberately not a label, so a warning that becomes critical stays the
/// same alert with the same fingerprint.
///
/// Names follow Prometheus' rule (`[a-zA-Z_][a-zA-Z0-9_]*`); a label with an empty value is the
/// same as no label, as in Prometheus and Alertmanager, so it is dropped.
public struct LabelSet: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The labels in byte order of their names.
    public private(set) var pairs: [(name: String, value: String)] {
        didSet { fingerprint = Fingerprint(labels: self) }
    }
    /// The Alertmanager fingerprint of these labels, computed once when they are set (issue 17:
    /// the alert stage asked for it several times per alert per cycle).
    public private(set) var fingerprint = Fingerprint(value: 0)

    public init(_ labels: [String: String]) {
        pairs = labels.filter { !$0.value.isEmpty }.map { (name: $0.key, value: $0.value) }
            .sorted { Self.byteOrder($0.name, $1.name) }
        fingerprint = Fingerprint(labels: self)
    }

    public subscript(name: String) -> String? {
        get { pairs.first { $0.name == name }?.value }
        set {
            pairs.removeAll { $0.name == name }
            if let newValue, !newValue.isEmpty {
                pairs.append((name, newValue))
                pairs.sort { Self.byteOrder($0.name, $1.name) }
            }
        }
    }

    /// The labels as a dictionary.
    public var dictionary: [String: String] { Dictionary(uniqueKeysWithValues: pairs.map { ($0.name, $0.value) }) }

    /// `{alertname="VitalsDiskSpace", check="disk", ...}`, as Prometheus prints a label set.
    public var description: String {
        "{" + pairs.map { "\($0.name)=\"\(Self.escape($0.value))\"" }.joined(separator: ", ") + "}"
    }

    /// Whether `name` is a valid Prometheus label name.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { b in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "_")
        }
    }

    /// Go's sort.Strings order: bytewise, not Unicode-aware.
    static func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    static func escape(_ v: String) -> String {
        var out = ""
        for c in v {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    public static func == (a: LabelSet, b: LabelSet) -> Bool {
        a.fingerprint == b.fingerprint && a.pairs.count == b.pairs.count
            && zip(a.pairs, b.pairs).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// Equal label sets have equal fingerprints.
    public func hash(into hasher: inout Hasher) { hasher.combine(fingerprint.value) }

    public init(from decoder: any Decoder) throws {
        self.init(try [String: String](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try dictionary.encode(to: encoder)
    }
}

/// The 64-bit identity of a label set, computed exactly as Prometheus' `LabelSet.Fingerprint()`
/// that Alertmanager uses: FNV-1a 64 over each label in name order, as the name's bytes, a 0xFF
/// separator, the value's bytes and another 0xFF. Printed as 16 lower-case hex digits, as
/// Alertmanager's API shows it, so one incident has one id in vitals and in Alertmanager.
public struct Fingerprint: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let value: UInt64

    public init(value: UInt64) { self.value = value }

    public init(labels: LabelSet) {
        var h = FNV1a64()
        for p in labels.pairs {
            h.add(p.name.utf8)
            h.add(0xFF)
            h.add(p.value.utf8)
            h.add(0xFF)
        }
        value = h.value
    }

    /// Parses 16 hex digits (what `description` prints and the API accepts); nil otherwise.
    public init?(hex: String) {
        guard hex.utf8.count == 16, let v = UInt64(hex, radix: 16) else { return nil }
        value = v
    }

    public var description: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    public static func < (a: Fingerprint, b: Fingerprint) -> Bool { a.value < b.value }

    public init(from decoder: any Decoder) throws {
        let text = try String(from: decoder)
        guard let f = Fingerprint(hex: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "fingerprint \"\(text)\" is not 16 hex digits"))
        }
        self = f
    }

    public func encode(to encoder: any Encoder) throws { try description.encode(to: encoder) }
}

/// FNV-1a, 64 bits (offset basis 14695981039346656037, prime 1099511628211).
struct FNV1a64 {
    private(set) var value: UInt64 = 14_695_981_039_346_656_037

    mutating func add(_ byte: UInt8) {
        value ^= UInt64(byte)
        value &*= 1_099_511_628_211
    }

    mutating func add(_ bytes: some Sequence<UInt8>) {
        for b in bytes { add(b) }
    }
}
