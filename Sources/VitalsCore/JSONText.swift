/// JSON string quoting as a `String`: the log lines, and `vitals config show`, whose YAML
/// double-quoted scalars take the same escapes. The bytes come from `JSONWriter.quote`.
public enum JSONText {
    public static func quote(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 2)
        JSONWriter.quote(s, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
