/// A monitoring-plugins threshold range: `[@]start:end`, inclusive. `start` and the colon may be
/// left out when the start is 0; an empty end is +infinity; `~` as the start is -infinity. The
/// plugin alerts when the value is outside the range, or inside it when the range starts with `@`.
public struct PluginRange: Sendable, Equatable, CustomStringConvertible {
    public var start: Double
    public var end: Double
    /// `@`: alert inside the range instead of outside.
    public var inside: Bool

    public init(start: Double, end: Double, inside: Bool = false) {
        self.start = start
        self.end = end
        self.inside = inside
    }

    /// Parses `10`, `10:`, `~:10`, `10:20`, `@10:20`; nil for anything else (with `start > end`).
    public init?(_ text: some StringProtocol) {
        var s = Substring(text)
        guard !s.isEmpty else { return nil }
        inside = s.first == "@"
        if inside { s = s.dropFirst() }
        if let colon = s.firstIndex(of: ":") {
            let a = s[..<colon]
            let b = s[s.index(after: colon)...]
            if a == "~" {
                start = -.infinity
            } else if a.isEmpty {
                start = 0
            } else if let v = PerfData.number(a) {
                start = v
            } else {
                return nil
            }
            if b.isEmpty {
                end = .infinity
            } else if let v = PerfData.number(b) {
                end = v
            } else {
                return nil
            }
        } else {
            guard let v = PerfData.number(s) else { return nil }
            start = 0
            end = v
        }
        guard start <= end else { return nil }
    }

    /// Whether `value` raises the alert this range stands for.
    public func alerts(_ value: Double) -> Bool {
        let within = value >= start && value <= end
        return inside ? within : !within
    }

    public var description: String {
        func n(_ v: Double) -> String { Units.formatNumber(v) }
        let a = start == -.infinity ? "~" : n(start)
        let b = end == .infinity ? "" : n(end)
        let body = start == 0 && end != .infinity ? b : "\(a):\(b)"
        return (inside ? "@" : "") + body
    }
}

/// One performance-data item: `'label'=value[UOM];[warn];[crit];[min];[max]`. In JSON the ranges
/// are written as the plugin wrote them ("10:20", "@~:5").
public struct PerfDatum: Sendable, Equatable, Codable {
    public var label: String
    /// nil when the plugin wrote `U` (the value could not be determined).
    public var value: Double?
    /// The unit of measure as written: "", "s", "ms", "us", "%", "B", "KB", "MB", "GB", "TB", "c".
    public var unit: String
    public var warning: PluginRange?
    public var critical: PluginRange?
    public var min: Double?
    public var max: Double?

    public init(
        label: String, value: Double?, unit: String = "", warning: PluginRange? = nil, critical: PluginRange? = nil, min: Double? = nil,
        max: Double? = nil
    ) {
        self.label = label
        self.value = value
        self.unit = unit
        self.warning = warning
        self.critical = critical
        self.min = min
        self.max = max
    }

    private enum CodingKeys: String, CodingKey { case label, value, unit, warning, critical, min, max }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        label = try c.decode(String.self, forKey: .label)
        value = try c.decodeIfPresent(Double.self, forKey: .value)
        unit = try c.decodeIfPresent(String.self, forKey: .unit) ?? ""
        warning = try c.decodeIfPresent(String.self, forKey: .warning).flatMap { PluginRange($0) }
        critical = try c.decodeIfPresent(String.self, forKey: .critical).flatMap { PluginRange($0) }
        min = try c.decodeIfPresent(Double.self, forKey: .min)
        max = try c.decodeIfPresent(Double.self, forKey: .max)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(label, forKey: .label)
        try c.encodeIfPresent(value, forKey: .value)
        try c.encode(unit, forKey: .unit)
        try c.encodeIfPresent(warning?.description, forKey: .warning)
        try c.encodeIfPresent(critical?.description, forKey: .critical)
        try c.encodeIfPresent(min, forKey: .min)
        try c.encodeIfPresent(max, forKey: .max)
    }

    /// The value in base units (seconds, bytes), for thresholds of vitals' own.
    public var baseValue: Double? {
        guard let value else { return nil }
        switch unit.lowercased() {
        case "ms": return value / 1000
        case "us": return value / 1_000_000
        case "kb": return value * 1024
        case "mb": return value * 1024 * 1024
        case "gb": return value * 1024 * 1024 * 1024
        case "tb": return value * 1024 * 1024 * 1024 * 1024
        default: return value
        }
    }
}

/// The performance-data parser. Pure; a malformed item is reported and skipped, the rest kept.
public enum PerfData {
    /// The items in `text`, and a description of each item that could not be read.
    public static func parse(_ text: some StringProtocol) -> (items: [PerfDatum], problems: [String]) {
        var items: [PerfDatum] = []
        var problems: [String] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
            guard i < chars.count else { break }
            // The label: quoted with ' ('' is a quote) or plain up to '='.
            var label = ""
            if chars[i] == "'" {
                i += 1
                var closed = false
                while i < chars.count {
                    if chars[i] == "'" {
                        if i + 1 < chars.count, chars[i + 1] == "'" {
                            label.append("'")
                            i += 2
                            continue
                        }
                        i += 1
                        closed = true
                        break
                    }
                    label.append(chars[i])
                    i += 1
                }
                if !closed || i >= chars.count || chars[i] != "=" {
                    problems.append("'\(label): expected 'label'=value")
                    i = skipToken(chars, from: i)
                    continue
                }
            } else {
                while i < chars.count, chars[i] != "=", chars[i] != " " {
                    label.append(chars[i])
                    i += 1
                }
                if i >= chars.count || chars[i] != "=" || label.isEmpty {
                    problems.append("\(label): expected label=value")
                    i = skipToken(chars, from: i)
                    continue
                }
            }
            i += 1  // '='
            var rest = ""
            while i < chars.count, chars[i] != " ", chars[i] != "\t" {
                rest.append(chars[i])
                i += 1
            }
            if let item = datum(label: label, rest) {
                items.append(item)
            } else {
                problems.append("\(label)=\(rest): expected value[unit];[warn];[crit];[min];[max]")
            }
        }
        return (items, problems)
    }

    /// `value[UOM];warn;crit;min;max` after the label.
    static func datum(label: String, _ text: String) -> PerfDatum? {
        let fields = text.split(separator: ";", omittingEmptySubsequences: false)
        guard let first = fields.first, !first.isEmpty else { return nil }
        var value: Double?
        var unit = ""
        if first == "U" {
            value = nil
        } else {
            let numberEnd =
                first.firstIndex { !("0"..."9").contains($0) && $0 != "." && $0 != "-" && $0 != "+" && $0 != "e" && $0 != "E" } ?? first.endIndex
            // An exponent's 'e' could be a unit's first letter: only a number that parses counts.
            // A unit has at most 3 letters, so at most 3 characters are given back (the fuzzer
            // found that trimming one at a time from a 3,800-digit "number" took seconds).
            var end = numberEnd
            var given = 0
            while end > first.startIndex, given < 3, number(first[..<end]) == nil {
                end = first.index(before: end)
                given += 1
            }
            guard end > first.startIndex, let v = number(first[..<end]) else { return nil }
            value = v
            unit = String(first[end...])
            guard unit.count <= 3, unit.allSatisfy({ $0.isLetter || $0 == "%" }) else { return nil }
        }
        func field(_ k: Int) -> Substring? { k < fields.count && !fields[k].isEmpty ? fields[k] : nil }
        var d = PerfDatum(label: label, value: value, unit: unit)
        if let w = field(1) {
            guard let r = PluginRange(w) else { return nil }
            d.warning = r
        }
        if let c = field(2) {
            guard let r = PluginRange(c) else { return nil }
            d.critical = r
        }
        if let m = field(3) {
            // min and max carry the value's unit, which some plugins repeat.
            guard let v = number(m.trimmingSuffix(unit)) else { return nil }
            d.min = v
        }
        if let m = field(4) {
            guard let v = number(m.trimmingSuffix(unit)) else { return nil }
            d.max = v
        }
        return d
    }

    /// A finite decimal number of at most 64 characters (a leading `+` allowed; `inf` and `nan`
    /// are not numbers here).
    static func number(_ s: some StringProtocol) -> Double? {
        guard !s.isEmpty, s.utf8.count <= 64, s.allSatisfy({ ("0"..."9").contains($0) || ".-+eE".contains($0) }), let v = Double(String(s)),
            v.isFinite
        else {
            return nil
        }
        return v
    }

    private static func skipToken(_ chars: [Character], from i: Int) -> Int {
        var j = i
        while j < chars.count, chars[j] != " " { j += 1 }
        return j
    }
}

extension Substring {
    fileprivate func trimmingSuffix(_ suffix: String) -> Substring {
        !suffix.isEmpty && hasSuffix(suffix) ? dropLast(suffix.count) : self
    }
}
