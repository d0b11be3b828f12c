/// `Codable` values to JSON and back, without Foundation (see `JSONValue` for why).
///
/// Behaves as FoundationEssentials' `JSONEncoder`/`JSONDecoder` do for what vitals encodes:
/// optionals left out when nil, unknown keys ignored, `DecodingError`s with the coding path, a
/// type that encodes nothing written as `{}`. Integers decode exactly (`1.0` is an `Int`, `1.5`
/// or `1e30` is not); floating-point numbers round once.
public enum JSONCodec {
    /// `value` as JSON text.
    /// - Throws: `EncodingError.invalidValue` for an infinity or NaN unless `nonFiniteAsStrings`.
    public static func encode(_ value: some Encodable, options: JSONOptions = JSONOptions()) throws -> [UInt8] {
        JSONWriter.write(try encodeValue(value, options: options), options: options)
    }

    /// `value` as a `JSONValue` tree.
    public static func encodeValue(_ value: some Encodable, options: JSONOptions = JSONOptions()) throws -> JSONValue {
        try JSONTreeEncoder.box(value, options: options, path: [])
    }

    /// A `T` from JSON text.
    /// - Throws: `DecodingError`: `dataCorrupted` (not JSON, with line and column), `keyNotFound`,
    ///   `typeMismatch` or `valueNotFound`, each with the coding path.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>, options: JSONOptions = JSONOptions()) throws -> T {
        let tree = try JSONParser.parse(Array(bytes), maxDepth: options.maxDepth)
        return try decode(type, from: tree, options: options)
    }

    /// A `T` from a parsed tree.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, options: JSONOptions = JSONOptions()) throws -> T {
        try JSONTreeDecoder(value: value, path: [], options: options).unbox(type)
    }
}

// MARK: - Encoding

/// A node of the tree while it is built: containers are shared references, as `Encoder`'s
/// containers must write into their parent after they are handed out.
private final class EncodingSlot {
    enum Content {
        case empty
        case value(JSONValue)
        case object([(String, EncodingSlot)])
        case array([EncodingSlot])
    }

    var content: Content = .empty

    init() {}
    init(_ v: JSONValue) { content = .value(v) }

    var finished: JSONValue {
        switch content {
        case .empty: return .object([])
        case .value(let v): return v
        case .object(let members):
            // A key encoded twice keeps its last value, in the place of its first.
            var seen: [String: Int] = [:]
            var out: [JSONMember] = []
            out.reserveCapacity(members.count)
            for (k, slot) in members {
                if let i = seen[k] {
                    out[i].value = slot.finished
                } else {
                    seen[k] = out.count
                    out.append(JSONMember(k, slot.finished))
                }
            }
            return .object(out)
        case .array(let items): return .array(items.map(\.finished))
        }
    }

    func append(_ key: String, _ slot: EncodingSlot) {
        if case .object(var m) = content {
            content = .empty
            m.append((key, slot))
            content = .object(m)
        } else {
            content = .object([(key, slot)])
        }
    }

    func append(_ slot: EncodingSlot) {
        if case .array(var a) = content {
            content = .empty
            a.append(slot)
            content = .array(a)
        } else {
            content = .array([slot])
        }
    }

    var count: Int {
        switch content {
        case .array(let a): a.count
        case .object(let m): m.count
        default: 0
        }
    }
}

/// The `Encoder` that builds a `JSONValue`.
private struct JSONTreeEncoder: Encoder {
    let slot: EncodingSlot
    let options: JSONOptions
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func box(_ value: some Encodable, options: JSONOptions, path: [any CodingKey]) throws -> JSONValue {
        try slot(value, options: options, path: path).finished
    }

    static func slot(_ value: some Encodable, options: JSONOptions, path: [any CodingKey]) throws -> EncodingSlot {
        if let v = try primitive(value, options: options, path: path) { return EncodingSlot(v) }
        let s = EncodingSlot()
        try value.encode(to: JSONTreeEncoder(slot: s, options: options, codingPath: path))
        return s
    }

    /// The leaf types, without an encoder of their own.
    static func primitive(_ value: some Encodable, options: JSONOptions, path: [any CodingKey]) throws -> JSONValue? {
        switch value {
        case let s as String: return .string(s)
        case let d as Double: return try number(d, options: options, path: path)
        case let i as Int: return .number(String(i))
        case let b as Bool: return .bool(b)
        case let i as Int64: return .number(String(i))
        case let u as UInt64: return .number(String(u))
        case let i as Int32: return .number(String(i))
        case let u as UInt32: return .number(String(u))
        case let u as UInt: return .number(String(u))
        case let f as Float: return try number(Double(f), options: options, path: path, text: f.isFinite ? JSONWriter.number(f) : nil)
        case let i as Int16: return .number(String(i))
        case let u as UInt16: return .number(String(u))
        case let i as Int8: return .number(String(i))
        case let u as UInt8: return .number(String(u))
        default: return nil
        }
    }

    static func number(_ d: Double, options: JSONOptions, path: [any CodingKey], text: String? = nil) throws -> JSONValue {
        if d.isFinite { return .number(text ?? JSONWriter.number(d)) }
        guard options.nonFiniteAsStrings else {
            throw EncodingError.invalidValue(d, .init(codingPath: path, debugDescription: "\(d) is not a JSON number"))
        }
        return .string(d.isNaN ? "NaN" : d > 0 ? "+Inf" : "-Inf")
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = slot.content {} else { slot.content = .object([]) }
        return KeyedEncodingContainer(KeyedWriter<Key>(slot: slot, options: options, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = slot.content {} else { slot.content = .array([]) }
        return UnkeyedWriter(slot: slot, options: options, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleWriter(slot: slot, options: options, codingPath: codingPath) }
}

private struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: EncodingSlot
    let options: JSONOptions
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { slot.append(key.stringValue, EncodingSlot(.null)) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { slot.append(key.stringValue, EncodingSlot(.bool(value))) }
    mutating func encode(_ value: String, forKey key: Key) throws { slot.append(key.stringValue, EncodingSlot(.string(value))) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        slot.append(key.stringValue, EncodingSlot(try JSONTreeEncoder.number(value, options: options, path: codingPath + [key])))
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { slot.append(key.stringValue, EncodingSlot(.number(String(value)))) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        slot.append(key.stringValue, try JSONTreeEncoder.slot(value, options: options, path: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = EncodingSlot()
        child.content = .object([])
        slot.append(key.stringValue, child)
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(slot: child, options: options, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = EncodingSlot()
        child.content = .array([])
        slot.append(key.stringValue, child)
        return UnkeyedWriter(slot: child, options: options, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: "super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue, key: key) }

    private func superEncoder(named name: String, key: (any CodingKey)? = nil) -> any Encoder {
        let child = EncodingSlot()
        slot.append(name, child)
        return JSONTreeEncoder(slot: child, options: options, codingPath: codingPath + [key ?? JSONIndexKey(name)])
    }
}

private struct UnkeyedWriter: UnkeyedEncodingContainer {
    let slot: EncodingSlot
    let options: JSONOptions
    let codingPath: [any CodingKey]
    var count: Int { slot.count }

    mutating func encodeNil() throws { slot.append(EncodingSlot(.null)) }
    mutating func encode(_ value: String) throws { slot.append(EncodingSlot(.string(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        slot.append(try JSONTreeEncoder.slot(value, options: options, path: codingPath + [JSONIndexKey(count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = EncodingSlot()
        child.content = .object([])
        let path = codingPath + [JSONIndexKey(count)]
        slot.append(child)
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(slot: child, options: options, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = EncodingSlot()
        child.content = .array([])
        let path = codingPath + [JSONIndexKey(count)]
        slot.append(child)
        return UnkeyedWriter(slot: child, options: options, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let child = EncodingSlot()
        let path = codingPath + [JSONIndexKey(count)]
        slot.append(child)
        return JSONTreeEncoder(slot: child, options: options, codingPath: path)
    }
}

private struct SingleWriter: SingleValueEncodingContainer {
    let slot: EncodingSlot
    let options: JSONOptions
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { slot.content = .value(.null) }
    mutating func encode(_ value: Bool) throws { slot.content = .value(.bool(value)) }
    mutating func encode(_ value: String) throws { slot.content = .value(.string(value)) }
    mutating func encode(_ value: Double) throws { slot.content = .value(try JSONTreeEncoder.number(value, options: options, path: codingPath)) }
    mutating func encode(_ value: Int) throws { slot.content = .value(.number(String(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        slot.content = try JSONTreeEncoder.slot(value, options: options, path: codingPath).content
    }
}

/// A coding key for an array index or a super encoder's key.
private struct JSONIndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ i: Int) {
        stringValue = "\(i)"
        intValue = i
    }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.init(intValue) }
}

// MARK: - Decoding

/// The `Decoder` over a parsed tree.
private struct JSONTreeDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let options: JSONOptions
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(value: JSONValue, path: [any CodingKey], options: JSONOptions) {
        self.value = value
        self.codingPath = path
        self.options = options
    }

    func unbox<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is String.Type: return try string() as! T
        case is Double.Type: return try double() as! T
        case is Int.Type: return try integer(Int.self) as! T
        case is Bool.Type: return try bool() as! T
        case is Int64.Type: return try integer(Int64.self) as! T
        case is UInt64.Type: return try integer(UInt64.self) as! T
        case is Int32.Type: return try integer(Int32.self) as! T
        case is UInt32.Type: return try integer(UInt32.self) as! T
        case is UInt.Type: return try integer(UInt.self) as! T
        case is Float.Type: return Float(try double()) as! T
        case is Int16.Type: return try integer(Int16.self) as! T
        case is UInt16.Type: return try integer(UInt16.self) as! T
        case is Int8.Type: return try integer(Int8.self) as! T
        case is UInt8.Type: return try integer(UInt8.self) as! T
        default: return try T(from: self)
        }
    }

    func mismatch(_ type: Any.Type, _ expected: String) -> DecodingError {
        if case .null = value {
            return .valueNotFound(type, .init(codingPath: codingPath, debugDescription: "expected \(expected), found null"))
        }
        return .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(value.kind)"))
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw mismatch(String.self, "a string") }
        return s
    }

    func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw mismatch(Bool.self, "true or false") }
        return b
    }

    func double() throws -> Double {
        switch value {
        case .number(let text):
            guard let d = Double(text) else { throw mismatch(Double.self, "a number") }
            return d
        case .string(let s) where options.nonFiniteAsStrings:
            switch s {
            case "+Inf": return .infinity
            case "-Inf": return -.infinity
            case "NaN": return .nan
            default: throw mismatch(Double.self, "a number or \"+Inf\", \"-Inf\", \"NaN\"")
            }
        default: throw mismatch(Double.self, "a number")
        }
    }

    func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        guard case .number(let text) = value else { throw mismatch(type, "an integer") }
        if let i = I(text) { return i }
        // 1.0 or 1e3: an integer written as a float, when it is one exactly and fits.
        if let d = Double(text), d.rounded() == d, let i = I(exactly: d), text.count <= 40 { return i }
        throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "\(text.prefix(40)) is not an integer that fits \(I.self)"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: Any].self, "an object") }
        var byKey: [String: JSONValue] = Dictionary(minimumCapacity: members.count)
        for m in members { byKey[m.key] = m.value }
        return KeyedDecodingContainer(KeyedReader<Key>(members: byKey, order: members.map(\.key), codingPath: codingPath, options: options))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch([Any].self, "an array") }
        return UnkeyedReader(items: items, codingPath: codingPath, options: options)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleReader(decoder: self) }
}

extension JSONValue {
    /// What a value is, for error messages.
    fileprivate var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

private struct KeyedReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let order: [String]
    let codingPath: [any CodingKey]
    let options: JSONOptions

    var allKeys: [Key] { order.compactMap { Key(stringValue: $0) } }
    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func child(_ key: Key) throws -> JSONTreeDecoder {
        guard let v = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no value for \"\(key.stringValue)\""))
        }
        return JSONTreeDecoder(value: v, path: codingPath + [key], options: options)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try child(key).value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).unbox(type) }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let v = members[key.stringValue] else { return nil }
        if case .null = v { return nil }
        return try JSONTreeDecoder(value: v, path: codingPath + [key], options: options).unbox(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try child(key).unkeyedContainer() }

    func superDecoder() throws -> any Decoder {
        JSONTreeDecoder(value: members["super"] ?? .null, path: codingPath + [JSONIndexKey("super")], options: options)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        JSONTreeDecoder(value: members[key.stringValue] ?? .null, path: codingPath + [key], options: options)
    }
}

private struct UnkeyedReader: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let codingPath: [any CodingKey]
    let options: JSONOptions
    var currentIndex = 0

    init(items: [JSONValue], codingPath: [any CodingKey], options: JSONOptions) {
        self.items = items
        self.codingPath = codingPath
        self.options = options
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next(_ type: Any.Type) throws -> JSONTreeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type, .init(codingPath: codingPath + [JSONIndexKey(currentIndex)], debugDescription: "the array has no more elements"))
        }
        defer { currentIndex += 1 }
        return JSONTreeDecoder(value: items[currentIndex], path: codingPath + [JSONIndexKey(currentIndex)], options: options)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if case .null = items[currentIndex] {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next(type).unbox(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next([String: Any].self).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next([Any].self).unkeyedContainer() }

    mutating func superDecoder() throws -> any Decoder { try next(Any.self) }
}

private struct SingleReader: SingleValueDecodingContainer {
    let decoder: JSONTreeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool {
        if case .null = decoder.value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.unbox(type) }
}
