/// One condition on an alert's labels, written as Alertmanager and amtool write it:
/// `check=disk`, `resource!=/tmp`, `resource=~/srv.*`, `check!~cpu_.*`.
///
/// The alert's severity can be matched as the label `severity` (it is not part of the alert's
/// identity, but silences and routes often select by it). A label the alert lacks has the empty
/// value, so `resource=""` matches alerts without a resource. Regular expressions match the whole
/// value (they are anchored, as in Alertmanager), in RE2 syntax, and run in linear time
/// (`LinearRegex`), compiled once when the matcher is made. Values are at most
/// `maxValueLength` characters.
public struct LabelMatcher: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The longest value (or pattern) a matcher takes.
    public static let maxValueLength = LinearRegex.maxPatternLength

    /// How the value is compared.
    public enum Operator: String, Sendable, Codable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case regex = "=~"
        case notRegex = "!~"
    }

    public let name: String
    public let op: Operator
    public let value: String
    /// The compiled pattern of `=~` and `!~`.
    private let regex: LinearRegex?

    /// A matcher; a regular expression is checked here, so an invalid one never reaches matching.
    public init(name: String, op: Operator, value: String) throws(VitalsError) {
        guard LabelSet.isValidName(name) else {
            throw VitalsError(.config, "\"\(name)\" is not a label name; use letters, digits and _ (e.g. check, resource)")
        }
        guard value.count <= Self.maxValueLength else {
            throw VitalsError(
                .config, "the value of the \(name) matcher is \(value.count) characters long; at most \(Self.maxValueLength) are allowed")
        }
        if op == .regex || op == .notRegex {
            do {
                regex = try LinearRegex(value)
            } catch {
                throw VitalsError(.config, "\"\(value)\" in \(name)\(op.rawValue) is not a regular expression vitals accepts: \(error.description)")
            }
        } else {
            regex = nil
        }
        self.name = name
        self.op = op
        self.value = value
    }

    /// Parses `name=value`, `name!=value`, `name=~regex` or `name!~regex`; the value may be quoted
    /// with double quotes.
    public init(parsing text: String) throws(VitalsError) {
        let s = text.trimmingSpaces
        guard let eq = s.firstIndex(where: { $0 == "=" || $0 == "!" }) else {
            throw VitalsError(.config, "\"\(text)\" is not a matcher; write name=value, name!=value, name=~regex or name!~regex")
        }
        let name = String(s[..<eq]).trimmingSpaces
        let rest = s[eq...]
        let op: Operator
        if rest.hasPrefix("=~") {
            op = .regex
        } else if rest.hasPrefix("!~") {
            op = .notRegex
        } else if rest.hasPrefix("!=") {
            op = .notEqual
        } else if rest.hasPrefix("=") {
            op = .equal
        } else {
            throw VitalsError(.config, "\"\(text)\" is not a matcher; write name=value, name!=value, name=~regex or name!~regex")
        }
        var value = String(rest.dropFirst(op.rawValue.count)).trimmingSpaces
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
        try self.init(name: name, op: op, value: value)
    }

    /// Whether the alert with these labels, at this severity, matches.
    public func matches(_ labels: LabelSet, severity: Severity?) -> Bool {
        let actual = name == "severity" ? (severity?.rawValue ?? labels[name] ?? "") : (labels[name] ?? "")
        switch op {
        case .equal: return actual == value
        case .notEqual: return actual != value
        case .regex: return regex?.wholeMatch(actual) ?? false
        case .notRegex: return !(regex?.wholeMatch(actual) ?? false)
        }
    }

    /// Whether this matcher holds for `value` as the value of its label.
    public func matches(value actual: String) -> Bool {
        switch op {
        case .equal: actual == value
        case .notEqual: actual != value
        case .regex: regex?.wholeMatch(actual) ?? false
        case .notRegex: !(regex?.wholeMatch(actual) ?? false)
        }
    }

    public static func == (a: LabelMatcher, b: LabelMatcher) -> Bool { a.name == b.name && a.op == b.op && a.value == b.value }
    public func hash(into h: inout Hasher) {
        h.combine(name)
        h.combine(op)
        h.combine(value)
    }

    public var description: String {
        let plain = !value.isEmpty && value.allSatisfy { !$0.isWhitespace && $0 != "\"" }
        return "\(name)\(op.rawValue)\(plain ? value : "\"\(value)\"")"
    }

    // Codable as the text form, so files and the API carry `check=disk`.
    public init(from decoder: any Decoder) throws {
        let text = try String(from: decoder)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws { try description.encode(to: encoder) }
}

extension Array where Element == LabelMatcher {
    /// All matchers hold (an empty list matches every alert).
    public func matchAll(_ labels: LabelSet, severity: Severity?) -> Bool {
        allSatisfy { $0.matches(labels, severity: severity) }
    }
}
