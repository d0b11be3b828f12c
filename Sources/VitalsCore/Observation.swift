/// One value a check evaluates, with the words that describe it in messages.
///
/// `subject` names the thing ("disk /srv"), `quantity` what the number measures ("used"), `unit`
/// its unit ("%"), and `detail` extra context for the message ("3.1 GiB free").
public struct Observation: Sendable, Equatable {
    public var check: String
    public var resource: String
    public var reading: Reading
    /// Free bytes, for thresholds with a free-space floor.
    public var freeBytes: Double?
    public var subject: String
    public var quantity: String
    public var unit: String
    public var detail: String?

    public init(
        check: String, resource: String = "", reading: Reading, freeBytes: Double? = nil, subject: String,
        quantity: String, unit: String, detail: String? = nil
    ) {
        self.check = check
        self.resource = resource
        self.reading = reading
        self.freeBytes = freeBytes
        self.subject = subject
        self.quantity = quantity
        self.unit = unit
        self.detail = detail
    }

    /// An observation of a built-in check, named by the value its family declares (a misspelt
    /// name does not compile).
    public init(
        _ check: BuiltinCheck, resource: String = "", reading: Reading, freeBytes: Double? = nil, subject: String, quantity: String,
        unit: String, detail: String? = nil
    ) {
        self.init(
            check: check.rawValue, resource: resource, reading: reading, freeBytes: freeBytes, subject: subject, quantity: quantity,
            unit: unit, detail: detail)
    }

    /// The check's identity: name and resource.
    public var key: CheckKey { CheckKey(check: check, resource: resource) }

    /// "96.2% used" or "2.50 per core".
    func valueText(_ v: Double) -> String {
        let number = unit == "%" ? Units.formatDecimal(v, places: 1) : Units.formatNumber(v)
        return quantity.isEmpty ? "\(number)\(unit)" : "\(number)\(unit) \(quantity)"
    }

    /// A limit as written: "95%", "2".
    func limitText(_ v: Double) -> String { "\(Units.formatNumber(v))\(unit)" }
}

/// The identity of a check instance: its name and the resource it watches ("" for host-wide checks).
public struct CheckKey: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var check: String
    public var resource: String

    public init(check: String, resource: String = "") {
        self.check = check
        self.resource = resource
    }

    public var description: String { resource.isEmpty ? check : "\(check) \(resource)" }

    public static func < (a: CheckKey, b: CheckKey) -> Bool { (a.check, a.resource) < (b.check, b.resource) }
}
