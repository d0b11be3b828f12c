import VitalsCore

/// Readers for single values: each checks the node, records its source, or files an issue that
/// says what was expected.
extension ConfigDecoder {
    mutating func issue(_ n: YAMLNode, _ path: String, _ message: String) {
        issues.append(ConfigIssue(source: n.source, path: path, message: message))
    }

    mutating func note(_ path: String, _ n: YAMLNode) { provenance[path] = n.source }

    /// The entries of a mapping, checking for duplicate and unknown keys (with a did-you-mean).
    mutating func fields(_ n: YAMLNode, _ path: String, known: [String]) -> [String: YAMLNode]? {
        guard let pairs = mapping(n, path) else { return nil }
        var out: [String: YAMLNode] = [:]
        for (k, v) in pairs {
            guard let key = k.scalar else {
                issue(k, path, "keys must be plain words, got \(k.shape)")
                continue
            }
            let full = path.isEmpty ? key : "\(path).\(key)"
            if out[key] != nil {
                issue(k, full, "duplicate key; keep one")
            } else if !known.contains(key) {
                let hint = Suggest.closest(to: key, in: known).map { "; did you mean \"\($0)\"?" } ?? "; known keys: \(known.joined(separator: ", "))"
                issue(k, full, "unknown key\(hint)")
            } else {
                out[key] = v
            }
        }
        return out
    }

    mutating func mapping(_ n: YAMLNode, _ path: String) -> [(key: YAMLNode, value: YAMLNode)]? {
        if case .mapping(let pairs) = n.kind { return pairs }
        if n.isNull { return [] }
        issue(n, path, "expected a mapping of keys, got \(n.shape)")
        return nil
    }

    /// The longest duration any key takes unless it says otherwise (a year and a day).
    static let maxDuration: Duration = .seconds(366 * 86400)

    mutating func duration(
        _ n: YAMLNode, _ path: String, atLeast minimum: Duration, atMost maximum: Duration = ConfigDecoder.maxDuration
    ) -> Duration? {
        if let s = n.scalar, let d = Units.parseDuration(s), d >= minimum, d <= maximum {
            note(path, n)
            return d
        }
        let examples = minimum >= .seconds(60) ? "5m or 1h" : "30s, 5m or 1h"
        issue(
            n, path,
            "expected a duration from \(Units.formatDuration(minimum)) to \(Units.formatDuration(maximum)) such as \(examples), got \(Self.shortShape(n))"
        )
        return nil
    }

    /// The value as the error quotes it: at most 40 characters of it.
    static func shortShape(_ n: YAMLNode) -> String {
        guard let s = n.scalar, s.count > 40 else { return n.shape }
        return "\"\(s.prefix(40))...\" (\(s.count) characters)"
    }

    /// A duration of at least 1 s, or `0` for none.
    mutating func durationOrZero(_ n: YAMLNode, _ path: String) -> Duration? {
        if n.scalar == "0" {
            note(path, n)
            return .zero
        }
        return duration(n, path, atLeast: .seconds(1))
    }

    mutating func percent(_ n: YAMLNode, _ path: String) -> Double? {
        if let s = n.scalar, let v = Double(s.hasSuffix("%") ? String(s.dropLast()) : s), v >= 0, v <= 100 {
            note(path, n)
            return v
        }
        issue(n, path, "expected a percentage 0-100, got \(n.shape)")
        return nil
    }

    mutating func number(_ n: YAMLNode, _ path: String, atLeast minimum: Double) -> Double? {
        if let s = n.scalar, let v = Double(s), v.isFinite, v >= minimum, v <= 1e15 {
            note(path, n)
            return v
        }
        issue(n, path, "expected a number from \(Units.formatNumber(minimum)) to 1e15, got \(Self.shortShape(n))")
        return nil
    }

    mutating func integer(_ n: YAMLNode, _ path: String, _ range: ClosedRange<Int>) -> Int? {
        if let s = n.scalar, let v = Int(s), range.contains(v) {
            note(path, n)
            return v
        }
        issue(n, path, "expected a whole number \(range.lowerBound)-\(range.upperBound), got \(n.shape)")
        return nil
    }

    mutating func bytes(_ n: YAMLNode, _ path: String) -> Double? {
        if let s = n.scalar, let v = Units.parseBytes(s), v >= 0 {
            note(path, n)
            return v
        }
        issue(n, path, "expected a size such as 500MiB or 10GB, got \(n.shape)")
        return nil
    }

    mutating func bool(_ n: YAMLNode, _ path: String) -> Bool? {
        switch n.scalar?.lowercased() {
        case "true", "yes", "on":
            note(path, n)
            return true
        case "false", "no", "off":
            note(path, n)
            return false
        default:
            issue(n, path, "expected true or false, got \(n.shape)")
            return nil
        }
    }

    mutating func oneOf(_ n: YAMLNode, _ path: String, _ allowed: [String]) -> String? {
        if let s = n.scalar, allowed.contains(s) {
            note(path, n)
            return s
        }
        let hint = n.scalar.flatMap { Suggest.closest(to: $0, in: allowed) }.map { "; did you mean \"\($0)\"?" } ?? ""
        issue(n, path, "expected one of \(allowed.joined(separator: ", ")), got \(n.shape)\(hint)")
        return nil
    }

    mutating func absolutePath(_ n: YAMLNode, _ path: String) -> String? {
        if let s = n.scalar, s.hasPrefix("/") {
            note(path, n)
            return s
        }
        issue(n, path, "expected an absolute path, got \(n.shape)")
        return nil
    }

    mutating func stringList(_ n: YAMLNode, _ path: String) -> [String]? {
        if n.isNull {
            note(path, n)
            return []
        }
        guard case .sequence(let items) = n.kind else {
            issue(n, path, "expected a list such as [nfs4, cifs], got \(n.shape)")
            return nil
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard let s = item.scalar else {
                issue(item, "\(path)[\(i)]", "expected a word, got \(item.shape)")
                continue
            }
            out.append(s)
        }
        note(path, n)
        return out
    }
}
