/// A regular expression that matches in linear time: the RE2 syntax Alertmanager's matchers use
/// (Go's `regexp`), compiled once to a program that a Pike VM runs over the value's Unicode
/// scalars, every thread in lock step. There is no backtracking, so no pattern can take more than
/// `program size x value length` steps: `(.*)*(.*)*(.*)*1` costs what `.*1` costs.
///
/// Bounded where it enters (issue 14): at most `maxPatternLength` characters, `maxDepth` nested
/// groups, repetition counts up to `maxRepeat`, and `maxProgram` instructions once counted
/// repetitions are expanded. Each limit is named in the error with what to write instead.
///
/// Supported: literals and escapes (`\.`, `\\`, `\t`, `\n`, `\d \D \w \W \s \S`), `.`, classes
/// `[a-z0-9_]` and `[^...]` (with the escapes inside), groups `(...)`, `(?:...)`, `(?P<name>...)`,
/// alternation `|`, quantifiers `* + ? {n} {n,} {n,m}` and their lazy forms (the same matches),
/// `^` and `$`, and `(?i)` at the start for case-insensitive matching. Backreferences and
/// lookaround do not exist in RE2 and are refused.
public struct LinearRegex: Sendable, Hashable {
    public static let maxPatternLength = 1024
    public static let maxDepth = 32
    public static let maxRepeat = 100
    public static let maxProgram = 4096

    /// The pattern as written.
    public let pattern: String
    private let program: [Instruction]
    private let caseInsensitive: Bool

    public static func == (a: LinearRegex, b: LinearRegex) -> Bool { a.pattern == b.pattern }
    public func hash(into h: inout Hasher) { h.combine(pattern) }

    /// Compiles `pattern`; throws a message naming the position and the remedy.
    public init(_ pattern: String) throws(RegexError) {
        guard pattern.count <= Self.maxPatternLength else {
            throw RegexError("the pattern is \(pattern.count) characters long; at most \(Self.maxPatternLength) are allowed")
        }
        var scalars = Array(pattern.unicodeScalars)
        var insensitive = false
        if scalars.starts(with: Array("(?i)".unicodeScalars)) {
            insensitive = true
            scalars.removeFirst(4)
        }
        var parser = Parser(scalars: scalars, insensitive: insensitive)
        let tree = try parser.parseAll()
        var compiler = Compiler()
        try compiler.emit(tree)
        compiler.append(.match)
        self.pattern = pattern
        self.program = compiler.program
        self.caseInsensitive = insensitive
    }

    /// Whether the whole of `value` matches (Alertmanager's matchers are anchored at both ends).
    public func wholeMatch(_ value: String) -> Bool {
        let input = Array(value.unicodeScalars)
        var current = ThreadList(capacity: program.count)
        var next = ThreadList(capacity: program.count)
        add(0, at: 0, count: input.count, to: &current)
        for i in 0..<input.count {
            if current.isEmpty { return false }
            let c = input[i]
            next.clear()
            for pc in current.items {
                switch program[pc] {
                case .scalar(let s):
                    if s == c || (caseInsensitive && Self.fold(s) == Self.fold(c)) { add(pc + 1, at: i + 1, count: input.count, to: &next) }
                case .set(let set):
                    if set.contains(c) { add(pc + 1, at: i + 1, count: input.count, to: &next) }
                case .any:
                    if c != "\n" { add(pc + 1, at: i + 1, count: input.count, to: &next) }
                default:
                    break
                }
            }
            swap(&current, &next)
        }
        return current.items.contains { if case .match = program[$0] { true } else { false } }
    }

    /// Follows the empty transitions from `pc` at position `at` of an input `count` long.
    private func add(_ pc: Int, at: Int, count: Int, to list: inout ThreadList) {
        var stack = [pc]
        while let p = stack.popLast() {
            guard list.insert(p) else { continue }
            switch program[p] {
            case .jump(let t): stack.append(t)
            case .split(let a, let b):
                stack.append(b)
                stack.append(a)
            case .assertStart: if at == 0 { stack.append(p + 1) }
            case .assertEnd: if at == count { stack.append(p + 1) }
            default: break
            }
        }
    }

    static func fold(_ s: Unicode.Scalar) -> Unicode.Scalar {
        if s.value >= 65 && s.value <= 90 { return Unicode.Scalar(s.value + 32)! }
        return s
    }

    /// A pattern that cannot be used, with the reason and the remedy.
    public struct RegexError: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }
}

// MARK: - program

extension LinearRegex {
    enum Instruction: Sendable {
        case scalar(Unicode.Scalar)
        case set(ScalarSet)
        case any
        case split(Int, Int)
        case jump(Int)
        case assertStart, assertEnd
        case match
    }

    /// A character class: ranges, possibly negated.
    struct ScalarSet: Sendable {
        var ranges: [ClosedRange<UInt32>]
        var negated: Bool

        func contains(_ s: Unicode.Scalar) -> Bool {
            ranges.contains { $0.contains(s.value) } != negated
        }
    }

    /// The threads of one step: a sparse set, so adding and clearing cost nothing per program size.
    struct ThreadList {
        var items: [Int] = []
        var seen: [Bool]
        init(capacity: Int) { seen = Array(repeating: false, count: capacity) }
        var isEmpty: Bool { items.isEmpty }
        mutating func insert(_ pc: Int) -> Bool {
            if seen[pc] { return false }
            seen[pc] = true
            items.append(pc)
            return true
        }
        mutating func clear() {
            for i in items { seen[i] = false }
            items.removeAll(keepingCapacity: true)
        }
    }

    indirect enum Node {
        case scalar(Unicode.Scalar)
        case set(ScalarSet)
        case any
        case start, end
        case concat([Node])
        case alternate([Node])
        case repeated(Node, min: Int, max: Int?)
        case empty
    }

    struct Compiler {
        var program: [Instruction] = []

        mutating func append(_ i: Instruction) { program.append(i) }

        mutating func emit(_ n: Node) throws(RegexError) {
            guard program.count <= LinearRegex.maxProgram else {
                throw RegexError(
                    "the pattern compiles to more than \(LinearRegex.maxProgram) steps; use smaller repetition counts or fewer alternatives")
            }
            switch n {
            case .scalar(let s): append(.scalar(s))
            case .set(let s): append(.set(s))
            case .any: append(.any)
            case .start: append(.assertStart)
            case .end: append(.assertEnd)
            case .empty: break
            case .concat(let parts): for p in parts { try emit(p) }
            case .alternate(let options):
                // split L1, next; L1: a; jump end; next: split L2, ...
                var jumps: [Int] = []
                for (k, o) in options.enumerated() {
                    if k < options.count - 1 {
                        let split = program.count
                        append(.split(split + 1, -1))
                        try emit(o)
                        jumps.append(program.count)
                        append(.jump(-1))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try emit(o)
                    }
                }
                for j in jumps { program[j] = .jump(program.count) }
            case .repeated(let body, let min, let max):
                for _ in 0..<min { try emit(body) }
                if let max {
                    // Each optional copy: split body, end.
                    var splits: [Int] = []
                    for _ in min..<max {
                        splits.append(program.count)
                        append(.split(program.count + 1, -1))
                        try emit(body)
                    }
                    for s in splits { program[s] = .split(s + 1, program.count) }
                } else {
                    // loop: split body, end; body; jump loop
                    let loop = program.count
                    append(.split(loop + 1, -1))
                    try emit(body)
                    append(.jump(loop))
                    program[loop] = .split(loop + 1, program.count)
                }
            }
            guard program.count <= LinearRegex.maxProgram else {
                throw RegexError(
                    "the pattern compiles to more than \(LinearRegex.maxProgram) steps; use smaller repetition counts or fewer alternatives")
            }
        }
    }
}

// MARK: - parser

extension LinearRegex {
    struct Parser {
        let scalars: [Unicode.Scalar]
        let insensitive: Bool
        var i = 0
        var depth = 0

        init(scalars: [Unicode.Scalar], insensitive: Bool) {
            self.scalars = scalars
            self.insensitive = insensitive
        }

        func error(_ text: String) -> RegexError { RegexError("at character \(i + 1): \(text)") }

        mutating func parseAll() throws(RegexError) -> Node {
            let n = try alternation()
            if i < scalars.count { throw error("unmatched ')'; remove it or escape it as \\)") }
            return n
        }

        mutating func alternation() throws(RegexError) -> Node {
            var options = [try concatenation()]
            while i < scalars.count, scalars[i] == "|" {
                i += 1
                options.append(try concatenation())
            }
            return options.count == 1 ? options[0] : .alternate(options)
        }

        mutating func concatenation() throws(RegexError) -> Node {
            var parts: [Node] = []
            while i < scalars.count, scalars[i] != "|", scalars[i] != ")" {
                var atom = try self.atom()
                while i < scalars.count, let (lo, hi) = try quantifier() {
                    if case .start = atom { throw error("nothing to repeat before the quantifier") }
                    if case .end = atom { throw error("nothing to repeat before the quantifier") }
                    atom = .repeated(atom, min: lo, max: hi)
                }
                parts.append(atom)
            }
            return parts.count == 1 ? parts[0] : parts.isEmpty ? .empty : .concat(parts)
        }

        /// `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` (and a trailing `?` for the lazy form), or nil.
        mutating func quantifier() throws(RegexError) -> (Int, Int?)? {
            let c = scalars[i]
            var q: (Int, Int?)
            switch c {
            case "*":
                q = (0, nil)
                i += 1
            case "+":
                q = (1, nil)
                i += 1
            case "?":
                q = (0, 1)
                i += 1
            case "{":
                guard let parsed = try counted() else { return nil }
                q = parsed
            default: return nil
            }
            if i < scalars.count, scalars[i] == "?" { i += 1 }
            return q
        }

        /// `{n}`, `{n,}` or `{n,m}` at `i`; nil (and `i` unchanged) when `{` starts no count, as in Go.
        mutating func counted() throws(RegexError) -> (Int, Int?)? {
            var j = i + 1
            func number() -> Int? {
                var v = 0
                var digits = 0
                while j < scalars.count, let d = Int(String(scalars[j])), scalars[j].isASCII, digits < 6 {
                    v = v * 10 + d
                    digits += 1
                    j += 1
                }
                return digits == 0 ? nil : v
            }
            guard let lo = number() else { return nil }
            var hi: Int? = lo
            if j < scalars.count, scalars[j] == "," {
                j += 1
                hi = number()
            }
            guard j < scalars.count, scalars[j] == "}" else { return nil }
            if lo > LinearRegex.maxRepeat || (hi ?? 0) > LinearRegex.maxRepeat {
                throw error("a repetition count above \(LinearRegex.maxRepeat); use * or + instead of a large count")
            }
            if let hi, hi < lo { throw error("{\(lo),\(hi)}: the maximum is below the minimum") }
            i = j + 1
            return (lo, hi)
        }

        mutating func atom() throws(RegexError) -> Node {
            let c = scalars[i]
            switch c {
            case "(":
                depth += 1
                guard depth <= LinearRegex.maxDepth else {
                    throw error("groups nested more than \(LinearRegex.maxDepth) deep; flatten the pattern")
                }
                i += 1
                if i < scalars.count, scalars[i] == "?" {
                    if i + 1 < scalars.count, scalars[i + 1] == ":" {
                        i += 2
                    } else if i + 2 < scalars.count, scalars[i + 1] == "P", scalars[i + 2] == "<" {
                        guard let close = scalars[i...].firstIndex(of: ">") else { throw error("unterminated group name (?P<") }
                        i = close + 1
                    } else {
                        throw error("(? group flags and lookaround are not supported (RE2 has no lookaround); use (?: ) for a group")
                    }
                }
                let inner = try alternation()
                guard i < scalars.count, scalars[i] == ")" else { throw error("missing ')'; close the group") }
                i += 1
                depth -= 1
                return inner
            case ".":
                i += 1
                return .any
            case "^":
                i += 1
                return .start
            case "$":
                i += 1
                return .end
            case "[":
                return try charClass()
            case "\\":
                i += 1
                return try escape(inClass: false).node
            case "*", "+", "?":
                throw error("nothing to repeat before '\(c)'; escape it as \\\(c)")
            default:
                i += 1
                return literal(c)
            }
        }

        func literal(_ c: Unicode.Scalar) -> Node {
            if insensitive, let folded = Self.otherCase(c) {
                return .set(ScalarSet(ranges: [c.value...c.value, folded.value...folded.value], negated: false))
            }
            return .scalar(c)
        }

        static func otherCase(_ c: Unicode.Scalar) -> Unicode.Scalar? {
            if c.value >= 65 && c.value <= 90 { return Unicode.Scalar(c.value + 32) }
            if c.value >= 97 && c.value <= 122 { return Unicode.Scalar(c.value - 32) }
            return nil
        }

        static let digit: [ClosedRange<UInt32>] = [48...57]
        static let word: [ClosedRange<UInt32>] = [48...57, 65...90, 95...95, 97...122]
        static let space: [ClosedRange<UInt32>] = [9...10, 12...13, 32...32]

        /// After a backslash: a class (`\d`), or a literal.
        mutating func escape(inClass: Bool) throws(RegexError) -> (node: Node, ranges: [ClosedRange<UInt32>], negated: Bool) {
            guard i < scalars.count else { throw error("a trailing backslash; escape it as \\\\") }
            let c = scalars[i]
            i += 1
            func cls(_ r: [ClosedRange<UInt32>], _ neg: Bool) -> (Node, [ClosedRange<UInt32>], Bool) {
                (.set(ScalarSet(ranges: r, negated: neg)), r, neg)
            }
            switch c {
            case "d": return cls(Self.digit, false)
            case "D": return cls(Self.digit, true)
            case "w": return cls(Self.word, false)
            case "W": return cls(Self.word, true)
            case "s": return cls(Self.space, false)
            case "S": return cls(Self.space, true)
            case "t": return (.scalar("\t"), [9...9], false)
            case "n": return (.scalar("\n"), [10...10], false)
            case "r": return (.scalar("\r"), [13...13], false)
            case "A" where !inClass: return (.start, [], false)
            case "z" where !inClass: return (.end, [], false)
            default:
                if c.properties.isAlphabetic || ("0"..."9").contains(c) {
                    throw error("\\\(c) is not supported (no backreferences, \\b or Unicode classes); write the characters out")
                }
                return (literal(c), [c.value...c.value], false)
            }
        }

        mutating func charClass() throws(RegexError) -> Node {
            i += 1  // [
            var negated = false
            if i < scalars.count, scalars[i] == "^" {
                negated = true
                i += 1
            }
            var ranges: [ClosedRange<UInt32>] = []
            var first = true
            while true {
                guard i < scalars.count else { throw error("missing ']'; close the character class") }
                let c = scalars[i]
                if c == "]" && !first {
                    i += 1
                    break
                }
                first = false
                var lo: UInt32
                if c == "\\" {
                    i += 1
                    let e = try escape(inClass: true)
                    if e.negated {
                        // \D, \W, \S inside a class: their complement's ranges.
                        ranges += Self.complement(e.ranges)
                        continue
                    }
                    if e.ranges.count != 1 || e.ranges[0].lowerBound != e.ranges[0].upperBound {
                        ranges += e.ranges
                        continue
                    }
                    lo = e.ranges[0].lowerBound
                } else if c == "[", i + 1 < scalars.count, scalars[i + 1] == ":" {
                    throw error("POSIX classes such as [:alpha:] are not supported; write the ranges out (a-zA-Z)")
                } else {
                    lo = c.value
                    i += 1
                }
                var hi = lo
                if i + 1 < scalars.count, scalars[i] == "-", scalars[i + 1] != "]" {
                    i += 1
                    var h = scalars[i]
                    if h == "\\" {
                        i += 1
                        let e = try escape(inClass: true)
                        guard e.ranges.count == 1, e.ranges[0].lowerBound == e.ranges[0].upperBound else {
                            throw error("a range must end in a single character")
                        }
                        h = Unicode.Scalar(e.ranges[0].lowerBound)!
                    } else {
                        i += 1
                    }
                    hi = h.value
                    guard lo <= hi else { throw error("the range \(Unicode.Scalar(lo)!)-\(h) runs backwards; write the lower end first") }
                }
                ranges.append(lo...hi)
                if insensitive {
                    for v in lo...min(hi, lo + 128) {
                        if let s = Unicode.Scalar(v), let o = Self.otherCase(s) { ranges.append(o.value...o.value) }
                    }
                }
            }
            return .set(ScalarSet(ranges: ranges, negated: negated))
        }

        static func complement(_ r: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
            var out: [ClosedRange<UInt32>] = []
            var next: UInt32 = 0
            for x in r.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                if x.lowerBound > next { out.append(next...(x.lowerBound - 1)) }
                next = max(next, x.upperBound + 1)
            }
            out.append(next...0x10FFFF)
            return out
        }
    }
}
