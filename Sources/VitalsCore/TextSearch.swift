/// Substring search and replacement on the standard library alone.
///
/// `String.contains(_: String)`, `firstRange(of:)` and `replacing(_:with:)` live in
/// `_StringProcessing`, which links the regex engine (`_RegexParser`) with them: about 1.5 MB of
/// the stripped binary for a few substring searches (issue 17). `packaging/build-deb` refuses a
/// binary that links either library again.
extension StringProtocol {
    /// Whether `needle` occurs in the text (an empty needle always does).
    public func includes(_ needle: some StringProtocol) -> Bool { rangeOfText(needle) != nil }

    /// The first occurrence of `needle`, compared by Unicode scalars.
    public func rangeOfText(_ needle: some StringProtocol) -> Range<Index>? {
        let n = Array(needle.unicodeScalars)
        guard let first = n.first else { return startIndex..<startIndex }
        let scalars = unicodeScalars
        var i = scalars.startIndex
        while i != scalars.endIndex {
            if scalars[i] == first {
                var j = i
                var k = 0
                while k < n.count, j != scalars.endIndex, scalars[j] == n[k] {
                    j = scalars.index(after: j)
                    k += 1
                }
                if k == n.count { return i..<j }
            }
            i = scalars.index(after: i)
        }
        return nil
    }

    /// The text with every occurrence of `needle` replaced by `replacement`.
    public func replacingText(_ needle: some StringProtocol, with replacement: some StringProtocol) -> String {
        guard !needle.isEmpty else { return String(self) }
        var out = ""
        var rest = self[...]
        while let r = rest.rangeOfText(needle) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}
