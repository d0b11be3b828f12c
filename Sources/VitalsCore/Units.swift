/// Parsing and printing of the units operators write: durations (`30s`, `5m`, `1h`, `1h30m`,
/// `250ms`) and byte sizes (`500MiB`, `10GB`, `1024`).
public enum Units {
    /// Parses a duration such as `30s`, `5m`, `1h30m`, `250ms` or `2d`; nil when malformed.
    /// A bare number is not a duration (the unit is required so `10` is never misread).
    /// The longest duration any text may name (100 years); longer ones do not parse.
    public static let maxDuration: Duration = .seconds(100 * 366 * 86400)

    public static func parseDuration(_ text: String) -> Duration? {
        let s = Array(text.trimmingSpaces.utf8)
        guard !s.isEmpty else { return nil }
        var i = 0
        var total: Double = 0
        var sawPart = false
        while i < s.count {
            let start = i
            while i < s.count, (s[i] >= 0x30 && s[i] <= 0x39) || s[i] == 0x2E { i += 1 }
            guard i > start, let number = Double(String(decoding: s[start..<i], as: UTF8.self)) else { return nil }
            let unitStart = i
            while i < s.count, s[i] >= 0x61 && s[i] <= 0x7A { i += 1 }
            let unit = String(decoding: s[unitStart..<i], as: UTF8.self)
            let factor: Double
            switch unit {
            case "ms": factor = 0.001
            case "s": factor = 1
            case "m": factor = 60
            case "h": factor = 3600
            case "d": factor = 86400
            default: return nil
            }
            total += number * factor
            sawPart = true
        }
        // Bounded before it becomes an integer: "999999999999999999999h" is refused, not a trap.
        guard sawPart, total.isFinite, total <= maxDuration.seconds else { return nil }
        return .milliseconds(Int64((total * 1000).rounded()))
    }

    /// Parses a byte size: `500MiB`, `10GB`, `1.5 GiB`, `4096` (bytes). SI units are powers of 1000,
    /// IEC units powers of 1024; nil when malformed.
    public static func parseBytes(_ text: String) -> Double? {
        let t = text.trimmingSpaces
        guard let split = t.firstIndex(where: { !($0.isNumber || $0 == ".") }) else { return Double(t) }
        guard let number = Double(t[..<split]) else { return nil }
        let unit = t[split...].trimmingSpaces.lowercased()
        let factors: [String: Double] = [
            "b": 1, "k": 1000, "kb": 1000, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
            "kib": 1024, "mib": 1_048_576, "gib": 1_073_741_824, "tib": 1_099_511_627_776,
        ]
        guard let f = factors[unit] else { return nil }
        return number * f
    }

    /// Prints bytes in IEC units with one decimal: `3.1 GiB`, `512.0 MiB`, `900 B`.
    public static func formatBytes(_ bytes: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var v = bytes
        var i = 0
        while abs(v) >= 1024, i < units.count - 1 {
            v /= 1024
            i += 1
        }
        return i == 0 ? "\(Int(v)) B" : "\(formatDecimal(v, places: 1)) \(units[i])"
    }

    /// Prints a duration the way the config reads it: `10s`, `5m`, `1h30m`, `250ms`.
    public static func formatDuration(_ d: Duration) -> String {
        let ms = d.wholeMilliseconds
        if ms % 1000 != 0 { return "\(ms)ms" }
        var s = ms / 1000
        if s == 0 { return "0s" }
        var out = ""
        for (unit, size) in [("d", Int64(86400)), ("h", 3600), ("m", 60), ("s", 1)] where s >= size {
            out += "\(s / size)\(unit)"
            s %= size
        }
        return out
    }

    /// A number with a fixed count of decimals and no exponent: `96.2`, `0.05`.
    public static func formatDecimal(_ v: Double, places: Int) -> String {
        // Beyond what an Int64 holds at this precision: the exponent form (a plugin may print 1e300).
        guard v.isFinite, abs(v) < 1e15 else { return "\(v)" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(v) * scale).rounded()
        let whole = Int64(scaled / scale)
        let frac = Int64(scaled) - whole * Int64(scale)
        let sign = v < 0 && scaled != 0 ? "-" : ""
        guard places > 0 else { return "\(sign)\(whole)" }
        var fracText = String(frac)
        while fracText.count < places { fracText = "0" + fracText }
        return "\(sign)\(whole).\(fracText)"
    }

    /// A number printed as short as it reads: `95`, `96.2`, `0.75`.
    public static func formatNumber(_ v: Double) -> String {
        if !v.isFinite || abs(v) >= 1e15 { return "\(v)" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        var s = formatDecimal(v, places: 2)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var sub = Substring(self)
        while let f = sub.first, f == " " || f == "\t" { sub.removeFirst() }
        while let l = sub.last, l == " " || l == "\t" { sub.removeLast() }
        return String(sub)
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// The duration in whole milliseconds (truncated).
    public var wholeMilliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }

    /// The duration in whole microseconds (truncated).
    public var wholeMicroseconds: Int64 { components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000 }
}
