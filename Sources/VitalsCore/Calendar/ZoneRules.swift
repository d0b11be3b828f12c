/// A time zone's offsets from UTC over time, read from a TZif file (RFC 8536, what
/// /usr/share/zoneinfo holds) with its POSIX TZ footer for the years after the last transition,
/// so maintenance windows written in local time follow DST as systemd's calendar events do
/// (issue 19). Pure: the caller reads the file. FoundationEssentials has no time zones, and
/// setting `TZ` for libc's `mktime` is not thread safe.
public struct ZoneRules: Sendable, Equatable {
    /// The zone's name as written ("Europe/Berlin", "UTC").
    public var name: String
    /// UTC instants at which the offset changes, ascending, and the offset from each on.
    var transitions: [Int64] = []
    var offsets: [Int32] = []
    /// The offset before the first transition.
    var initial: Int32 = 0
    /// The rule after the last transition (nil: the last offset holds).
    var rule: PosixRule?

    /// UTC.
    public static let utc = ZoneRules(name: "UTC")

    public init(name: String) { self.name = name }

    /// The offset from UTC, in seconds, in effect at `utc` (seconds since the epoch).
    public func offset(at utc: Int64) -> Int {
        if let last = transitions.last, utc >= last, let rule { return rule.offset(at: utc) }
        if transitions.isEmpty { return rule?.offset(at: utc) ?? Int(initial) }
        guard utc >= transitions[0] else { return Int(initial) }
        var lo = 0
        var hi = transitions.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if transitions[mid] <= utc { lo = mid } else { hi = mid - 1 }
        }
        return Int(offsets[lo])
    }

    /// Reads a TZif file's bytes (version 1 to 4); throws what is wrong with it.
    public static func parse(_ bytes: [UInt8], name: String) throws(VitalsError) -> ZoneRules {
        func bad(_ why: String) -> VitalsError { VitalsError(.parse, "time zone \(name): not a valid TZif file (\(why))") }
        guard bytes.count <= 1 << 20 else { throw bad("larger than 1 MiB") }
        var at = 0
        func u32(_ i: Int) -> Int { (Int(bytes[i]) << 24) | (Int(bytes[i + 1]) << 16) | (Int(bytes[i + 2]) << 8) | Int(bytes[i + 3]) }
        func header(_ i: Int) throws(VitalsError) -> (version: UInt8, counts: [Int]) {
            guard i + 44 <= bytes.count, bytes[i..<i + 4].elementsEqual(Array("TZif".utf8)) else { throw bad("no TZif header") }
            let counts = (0..<6).map { u32(i + 20 + 4 * $0) }
            guard counts.allSatisfy({ $0 < 100_000 }) else { throw bad("counts out of range") }
            return (bytes[i + 4], counts)
        }
        let (version, v1) = try header(0)
        // counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
        func blockSize(_ c: [Int], timeSize: Int) -> Int {
            let times: Int = c[3] * timeSize + c[3]
            let types: Int = c[4] * 6 + c[5]
            let leaps: Int = c[2] * (timeSize + 4)
            return times + types + leaps + c[1] + c[0]
        }
        at = 44 + blockSize(v1, timeSize: 4)
        var counts = v1
        var timeSize = 4
        if version >= UInt8(ascii: "2") {
            counts = try header(at).counts
            at += 44
            timeSize = 8
        } else {
            at = 44
        }
        guard at + blockSize(counts, timeSize: timeSize) <= bytes.count else { throw bad("truncated") }
        let timecnt = counts[3]
        let typecnt = counts[4]
        guard typecnt >= 1 else { throw bad("no local time types") }
        var times: [Int64] = []
        for i in 0..<timecnt {
            let p = at + i * timeSize
            var v: Int64 = 0
            for k in 0..<timeSize { v = (v << 8) | Int64(bytes[p + k]) }
            if timeSize == 4 { v = Int64(Int32(truncatingIfNeeded: v)) }
            times.append(v)
        }
        at += timecnt * timeSize
        let indices = Array(bytes[at..<at + timecnt])
        at += timecnt
        var types: [(offset: Int32, dst: Bool)] = []
        for i in 0..<typecnt {
            let p = at + i * 6
            types.append((Int32(bitPattern: UInt32(u32(p))), bytes[p + 4] != 0))
        }
        at += blockSize(counts, timeSize: timeSize) - timecnt * timeSize - timecnt
        var z = ZoneRules(name: name)
        for (t, i) in zip(times, indices) {
            guard Int(i) < typecnt else { throw bad("a transition names a missing type") }
            if let last = z.transitions.last, t <= last { continue }
            z.transitions.append(t)
            z.offsets.append(types[Int(i)].offset)
        }
        // RFC 8536: before the first transition, the first standard-time type (else type 0).
        z.initial = (types.first { !$0.dst } ?? types[0]).offset
        if version >= UInt8(ascii: "2"), at < bytes.count, bytes[at] == 0x0A {
            let rest = bytes[(at + 1)...]
            if let end = rest.firstIndex(of: 0x0A), end > at + 1 {
                let text = String(decoding: bytes[(at + 1)..<end], as: UTF8.self)
                z.rule = PosixRule(text)
                if z.rule == nil { throw bad("unreadable footer \"\(text.prefix(40))\"") }
            }
        }
        return z
    }

    /// A zone from a POSIX TZ string alone ("CET-1CEST,M3.5.0,M10.5.0/3"), for tests.
    public static func posix(_ text: String, name: String) -> ZoneRules? {
        guard let rule = PosixRule(text) else { return nil }
        var z = ZoneRules(name: name)
        z.rule = rule
        z.initial = Int32(rule.std)
        return z
    }

    /// Whether `name` may name a zone file: letters, digits, `_`, `-`, `+` and `/`-separated
    /// parts, no `.` parts (never a path out of the zone directory), at most 64 bytes.
    public static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 64, !name.hasPrefix("/") else { return false }
        func allowed(_ b: UInt8) -> Bool {
            (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
                || b == UInt8(ascii: "+")
        }
        for part in name.split(separator: "/", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.first != ".", part.utf8.allSatisfy(allowed) else { return false }
        }
        return true
    }
}

/// A POSIX TZ rule ("std offset [dst [offset] [,start[/time],end[/time]]]"), as TZif footers
/// carry it: the offsets in effect after the file's last transition.
struct PosixRule: Sendable, Equatable {
    /// Offsets east of UTC, in seconds (the text's signs are the other way round).
    var std: Int
    var dst: Int?
    var start: DateRule?
    var end: DateRule?

    /// When DST starts or ends: a day of the year and a local time of day (seconds, may be
    /// negative or beyond a day, RFC 8536).
    struct DateRule: Sendable, Equatable {
        enum Day: Sendable, Equatable {
            /// Mm.w.d: weekday d (0 Sunday) of week w (5: the last) of month m.
            case weekday(month: Int, week: Int, day: Int)
            /// Jn: day 1...365, February 29 never counted.
            case julian(Int)
            /// n: day 0...365, February 29 counted in leap years.
            case zeroBased(Int)
        }
        var day: Day
        var time: Int

        /// The day's number since the epoch in `year`.
        func days(in year: Int) -> Int {
            switch day {
            case .weekday(let m, let w, let d):
                let first = Civil.days(year: year, month: m, day: 1)
                var dom = 1 + (d - Civil.weekday(first) + 7) % 7 + (w - 1) * 7
                while dom > Civil.daysInMonth(year: year, month: m) { dom -= 7 }
                return first + dom - 1
            case .julian(let n):
                let jan1 = Civil.days(year: year, month: 1, day: 1)
                return jan1 + n - 1 + (Civil.isLeap(year) && n >= 60 ? 1 : 0)
            case .zeroBased(let n):
                return Civil.days(year: year, month: 1, day: 1) + n
            }
        }
    }

    init?(_ text: String) {
        var s = Substring(text)
        func name() -> Bool {
            if s.first == "<" {
                guard let close = s.firstIndex(of: ">") else { return false }
                s = s[s.index(after: close)...]
                return true
            }
            let n = s.prefix { $0.isLetter }
            guard n.count >= 3 else { return false }
            s = s.dropFirst(n.count)
            return true
        }
        /// [+-]hh[:mm[:ss]] in seconds.
        func clock() -> Int? {
            var sign = 1
            if s.first == "+" || s.first == "-" {
                sign = s.first == "-" ? -1 : 1
                s = s.dropFirst()
            }
            var parts: [Int] = []
            while parts.count < 3 {
                let digits = s.prefix { $0.isNumber }
                guard !digits.isEmpty, digits.count <= 3, let v = Int(digits) else { return parts.isEmpty ? nil : sign * Self.seconds(parts) }
                parts.append(v)
                s = s.dropFirst(digits.count)
                guard s.first == ":" else { break }
                s = s.dropFirst()
            }
            return sign * Self.seconds(parts)
        }
        func date() -> DateRule? {
            var day: DateRule.Day
            if s.first == "M" {
                s = s.dropFirst()
                let f = s.prefix { $0.isNumber || $0 == "." }.split(separator: ".").compactMap { Int($0) }
                s = s.dropFirst(s.prefix { $0.isNumber || $0 == "." }.count)
                guard f.count == 3, (1...12).contains(f[0]), (1...5).contains(f[1]), (0...6).contains(f[2]) else { return nil }
                day = .weekday(month: f[0], week: f[1], day: f[2])
            } else if s.first == "J" {
                s = s.dropFirst()
                let digits = s.prefix { $0.isNumber }
                s = s.dropFirst(digits.count)
                guard let n = Int(digits), (1...365).contains(n) else { return nil }
                day = .julian(n)
            } else {
                let digits = s.prefix { $0.isNumber }
                s = s.dropFirst(digits.count)
                guard let n = Int(digits), (0...365).contains(n) else { return nil }
                day = .zeroBased(n)
            }
            var time = 7200
            if s.first == "/" {
                s = s.dropFirst()
                guard let t = clock(), abs(t) <= 167 * 3600 else { return nil }
                time = t
            }
            return DateRule(day: day, time: time)
        }
        guard name(), let stdWest = clock() else { return nil }
        std = -stdWest
        guard !s.isEmpty else { return }
        guard name() else { return nil }
        if let first = s.first, first != "," {
            guard let dstWest = clock() else { return nil }
            dst = -dstWest
        } else {
            dst = std + 3600
        }
        guard !s.isEmpty else {
            // No rule: US rules by POSIX default would apply; tzdata always writes one.
            return nil
        }
        guard s.first == "," else { return nil }
        s = s.dropFirst()
        guard let a = date(), s.first == "," else { return nil }
        s = s.dropFirst()
        guard let b = date(), s.isEmpty else { return nil }
        start = a
        end = b
    }

    static func seconds(_ hms: [Int]) -> Int {
        (hms.first ?? 0) * 3600 + (hms.count > 1 ? hms[1] * 60 : 0) + (hms.count > 2 ? hms[2] : 0)
    }

    func offset(at utc: Int64) -> Int {
        guard let dst, let start, let end else { return std }
        let year = Civil.from(days: Int((utc + Int64(std)).floorDiv(86400))).year
        // Both transitions are in local time: the start in standard time, the end in DST.
        func instants(_ y: Int) -> (Int64, Int64) {
            let s = Int64(start.days(in: y)) * 86400 + Int64(start.time) - Int64(std)
            let e = Int64(end.days(in: y)) * 86400 + Int64(end.time) - Int64(dst)
            return (s, e)
        }
        let (s, e) = instants(year)
        if s < e { return utc >= s && utc < e ? dst : std }
        // Southern hemisphere: DST spans the new year.
        return utc >= e && utc < s ? std : dst
    }
}

extension Int64 {
    /// Division rounding toward minus infinity.
    func floorDiv(_ d: Int64) -> Int64 { self >= 0 ? self / d : -((-self + d - 1) / d) }
}
