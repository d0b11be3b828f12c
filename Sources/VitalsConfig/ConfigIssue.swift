public import VitalsCore

/// One problem in a configuration: where it is, which key, what is wrong and how to fix it.
/// Prints as `vitals.yaml:12:14: thresholds.disk.critical: expected a percentage 0-100, got "high"`.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    public var source: ConfigSource
    /// The key path, dotted: `thresholds.disk.critical`.
    public var path: String
    public var message: String

    public init(source: ConfigSource, path: String, message: String) {
        self.source = source
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? "\(source): \(message)" : "\(source): \(path): \(message)" }
}

/// Every problem found in a configuration; a file is reported whole, not only its first error.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigIssue]

    public init(_ issues: [ConfigIssue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "\n") }

    /// The same errors as a `VitalsError` for callers that log one error.
    public var asVitalsError: VitalsError {
        VitalsError(.config, "configuration has \(issues.count) error\(issues.count == 1 ? "" : "s"):\n" + description)
    }
}

/// The closest known word to a misspelt one, for "did you mean" hints.
enum Suggest {
    static func closest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(Array(word.utf8), Array($0.utf8))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return best.1 <= max(2, word.count / 3) ? best.0 : nil
    }

    /// Levenshtein distance.
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
