/// The Prometheus text exposition format (version 0.0.4): families with `# HELP` and `# TYPE`,
/// samples with escaped label values. Each family is written once, with all its samples together,
/// as `promtool check metrics` requires.
public struct PrometheusText: Sendable {
    /// A metric type as the format names it.
    public enum Kind: String, Sendable {
        case gauge, counter, histogram
    }

    private var families: [(name: String, help: String, kind: Kind, lines: [String])] = []
    private var index: [String: Int] = [:]

    public init() {}

    /// Declares a family (once; later calls add nothing).
    public mutating func family(_ name: String, _ kind: Kind, _ help: String) {
        guard index[name] == nil else { return }
        index[name] = families.count
        families.append((name, help, kind, []))
    }

    /// Adds one sample to the family `family` (declared before); `suffix` for a histogram's
    /// `_bucket`, `_sum` and `_count`. Non-finite values are written as the format spells them.
    public mutating func sample(_ family: String, _ labels: [(String, String)] = [], _ value: Double, suffix: String = "") {
        guard let i = index[family] else { return }
        let labelText = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        families[i].lines.append("\(family)\(suffix)\(labelText) \(Self.format(value))")
    }

    /// A histogram from cumulative-ready counts: `counts[i]` falls in bucket `bounds[i]`, the last
    /// count above every bound.
    public mutating func histogram(_ family: String, _ labels: [(String, String)], bounds: [Double], counts: [UInt64], sum: Double) {
        var cumulative: UInt64 = 0
        for (i, b) in bounds.enumerated() {
            cumulative += i < counts.count ? counts[i] : 0
            sample(family, labels + [("le", Self.format(b))], Double(cumulative), suffix: "_bucket")
        }
        cumulative += counts.count > bounds.count ? counts[bounds.count] : 0
        sample(family, labels + [("le", "+Inf")], Double(cumulative), suffix: "_bucket")
        sample(family, labels, sum, suffix: "_sum")
        sample(family, labels, Double(cumulative), suffix: "_count")
    }

    /// The exposition text; families without samples are left out.
    public var text: String {
        var out = ""
        for f in families where !f.lines.isEmpty {
            out += "# HELP \(f.name) \(Self.escape(f.help, quotes: false))\n# TYPE \(f.name) \(f.kind.rawValue)\n"
            for l in f.lines { out += l + "\n" }
        }
        return out
    }

    /// Backslash and newline escaped (help text), and double quotes too (label values).
    static func escape(_ s: String, quotes: Bool = true) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"" where quotes: out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// A metric or label name from free text (a perfdata label): `[a-zA-Z_][a-zA-Z0-9_]*`.
    public static func sanitize(_ s: String) -> String {
        var out = String(
            s.unicodeScalars.map { c -> Character in
                c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c)) ? Character(c) : "_"
            })
        if out.first.map({ $0.isNumber }) ?? true { out = "_" + out }
        return out
    }
}
