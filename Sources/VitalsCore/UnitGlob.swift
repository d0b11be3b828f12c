/// Shell-style wildcards for unit names: `*` matches any run of characters, `?` any one, and
/// everything else itself (`backup-*.service`, `user@?.service`). Linear in practice: one
/// backtrack point, the last `*`, as in the classic wildcard matcher.
public enum UnitGlob {
    /// Whether `name` matches `pattern` as a whole.
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        let p = Array(pattern.utf8)
        let n = Array(name.utf8)
        var i = 0
        var j = 0
        var star = -1
        var mark = 0
        while j < n.count {
            if i < p.count && (p[i] == UInt8(ascii: "?") || p[i] == n[j]) {
                i += 1
                j += 1
            } else if i < p.count && p[i] == UInt8(ascii: "*") {
                star = i
                mark = j
                i += 1
            } else if star >= 0 {
                i = star + 1
                mark += 1
                j = mark
            } else {
                return false
            }
        }
        while i < p.count && p[i] == UInt8(ascii: "*") { i += 1 }
        return i == p.count
    }

    /// Why `pattern` cannot name units, or nil when it can: not empty, at most 256 bytes, no `/`,
    /// no control characters.
    public static func problem(_ pattern: String) -> String? {
        if pattern.isEmpty { return "an empty pattern matches nothing" }
        if pattern.utf8.count > 256 { return "longer than 256 bytes" }
        if pattern.contains("/") { return "a unit name has no \"/\"" }
        if pattern.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "contains a control character" }
        return nil
    }
}
