/// One measured figure, or the reason there is none.
///
/// A reading is never a silent 0: the first CPU sample is `.unknown("first sample")`, a hung mount
/// is `.unknown("mount not responding")`, swap on a host without swap is `.notApplicable`.
public enum Reading: Sendable, Equatable {
    case value(Double)
    case unknown(String)
    case notApplicable(String)

    /// The value, when there is one.
    public var value: Double? {
        if case .value(let v) = self { return v }
        return nil
    }
}

extension Reading: Codable {
    private enum CodingKeys: String, CodingKey {
        case value, unknown
        case notApplicable = "not_applicable"
    }

    /// Encodes a value as a plain number and the other cases as `{"unknown": reason}` or
    /// `{"not_applicable": reason}`, so JSON readers see numbers where there are numbers.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .value(let v):
            var c = encoder.singleValueContainer()
            try c.encode(v.isFinite ? v : 0)
        case .unknown(let reason):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(reason, forKey: .unknown)
        case .notApplicable(let reason):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(reason, forKey: .notApplicable)
        }
    }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let v = try? single.decode(Double.self) {
            self = .value(v)
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let r = try c.decodeIfPresent(String.self, forKey: .unknown) {
            self = .unknown(r)
        } else {
            self = .notApplicable(try c.decode(String.self, forKey: .notApplicable))
        }
    }
}
