/// A calendar event in systemd's syntax (systemd.time(7), "CALENDAR EVENTS"), so an operator can
/// check a maintenance window's expression with `systemd-analyze calendar` (issue 19):
/// `[weekdays] [year-month-day] [hour:minute[:second]] [time zone]`, each field `*`, a value, a
/// list `a,b`, a range `a..b` and a repetition `/step`; weekdays `Mon..Fri,Sun`; the shorthands
/// minutely, hourly, daily, weekly, monthly, yearly (annually), quarterly and semiannually.
/// A missing date is every day, a missing time midnight, a missing zone the host's local time.
/// In local time, as systemd does, a time that does not exist (the hour skipped when DST
/// starts) does not happen, and a time that happens twice (when DST ends) is the first.
/// Not supported (refused with the reason): `~` (days from the month's end) and fractions of
/// seconds.
public struct CalendarSpec: Sendable, Equatable {
    /// One field's values: items of `start[..end][/step]`; empty means every value.
    public struct Field: Sendable, Equatable {
        struct Item: Sendable, Equatable {
            var start: Int
            var end: Int?
            var step: Int?
        }
        var items: [Item] = []
        let range: ClosedRange<Int>

        func matches(_ v: Int) -> Bool {
            items.isEmpty
                || items.contains { i in
                    let end = i.end ?? (i.step != nil ? range.upperBound : i.start)
                    return v >= i.start && v <= end && (v - i.start) % (i.step ?? 1) == 0
                }
        }

        /// The values in the range that match, ascending.
        var values: [Int] { range.filter(matches) }

        var text: String {
            guard !items.isEmpty else { return "*" }
            func two(_ v: Int) -> String { range.upperBound >= 1000 || v >= 10 ? "\(v)" : "0\(v)" }
            return items.map { i in
                var t = i.start == range.lowerBound && i.end == nil && i.step != nil ? "*" : two(i.start)
                if let e = i.end { t += ".." + two(e) }
                if let s = i.step { t += "/\(s)" }
                return t
            }.joined(separator: ",")
        }
    }

    /// 0 Sunday ... 6 Saturday; empty means every day.
    public var weekdays: Set<Int> = []
    public var year = Field(range: 1970...2199)
    public var month = Field(range: 1...12)
    public var day = Field(range: 1...31)
    public var hour = Field(range: 0...23)
    public var minute = Field(range: 0...59)
    public var second = Field(range: 0...59)
    /// The zone written at the end, nil for the host's local time.
    public var zone: String?

    static let weekdayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    static let longNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    /// Parses an expression; the error says what is wrong and how it is written.
    public init(_ text: String) throws(VitalsError) {
        let example = "e.g. 'Sun *-*-* 02:00', 'Mon..Fri 22:00 Europe/Berlin' or 'daily'"
        func bad(_ why: String) -> VitalsError { VitalsError(.parse, "calendar event \"\(text.prefix(80))\": \(why); \(example) (systemd.time(7))") }
        guard text.utf8.count <= 256 else { throw bad("longer than 256 bytes") }
        var tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !tokens.isEmpty else { throw bad("empty") }
        if let last = tokens.last, last == "UTC" || (last.contains("/") && last.first?.isLetter == true) {
            guard ZoneRules.isValidName(last) else { throw bad("\"\(last)\" is not a time zone name such as Europe/Berlin or UTC") }
            zone = last
            tokens.removeLast()
        }
        if tokens.count == 1, let shorthand = Self.shorthands[tokens[0].lowercased()] {
            tokens = shorthand.split(separator: " ").map(String.init)
        }
        guard !tokens.isEmpty, tokens.count <= 3 else { throw bad("expected at most weekdays, a date and a time") }
        var i = 0
        if tokens[0].first?.isLetter == true {
            weekdays = try Self.parseWeekdays(tokens[0], bad)
            i = 1
        }
        var haveDate = false
        var haveTime = false
        while i < tokens.count {
            let t = tokens[i]
            if t.contains("~") { throw bad("'~' (days counted from the month's end) is not supported here") }
            if t.contains(":") && !haveTime {
                let parts = t.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 2 || parts.count == 3 else { throw bad("\"\(t)\" is not a time hh:mm[:ss]") }
                if parts.count == 3 && parts[2].contains(".") { throw bad("fractions of seconds are not supported") }
                hour = try Self.parseField(parts[0], range: 0...23, name: "hour", bad)
                minute = try Self.parseField(parts[1], range: 0...59, name: "minute", bad)
                second =
                    parts.count == 3
                    ? try Self.parseField(parts[2], range: 0...59, name: "second", bad) : Field(items: [.init(start: 0)], range: 0...59)
                haveTime = true
            } else if t.contains("-") && !haveDate && !haveTime {
                let parts = t.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 2 || parts.count == 3 else { throw bad("\"\(t)\" is not a date year-month-day or month-day") }
                if parts.count == 3 { year = try Self.parseField(parts[0], range: 1970...2199, name: "year", bad) }
                month = try Self.parseField(parts[parts.count - 2], range: 1...12, name: "month", bad)
                day = try Self.parseField(parts[parts.count - 1], range: 1...31, name: "day", bad)
                haveDate = true
            } else {
                throw bad("cannot read \"\(t)\"")
            }
            i += 1
        }
        if !haveTime {
            hour = Field(items: [.init(start: 0)], range: 0...23)
            minute = Field(items: [.init(start: 0)], range: 0...59)
            second = Field(items: [.init(start: 0)], range: 0...59)
        }
    }

    static let shorthands: [String: String] = [
        "minutely": "*-*-* *:*:00", "hourly": "*-*-* *:00:00", "daily": "*-*-* 00:00:00", "weekly": "Mon *-*-* 00:00:00",
        "monthly": "*-*-01 00:00:00", "yearly": "*-01-01 00:00:00", "annually": "*-01-01 00:00:00",
        "quarterly": "*-01,04,07,10-01 00:00:00", "semiannually": "*-01,07-01 00:00:00",
    ]

    static func parseWeekdays(_ t: String, _ bad: (String) -> VitalsError) throws(VitalsError) -> Set<Int> {
        func day(_ s: Substring) throws(VitalsError) -> Int {
            let l = s.lowercased()
            if let i = weekdayNames.firstIndex(of: l) ?? longNames.firstIndex(of: l) { return i }
            throw bad("\"\(s)\" is not a weekday (Mon, Tue, Wed, Thu, Fri, Sat, Sun)")
        }
        var set = Set<Int>()
        for item in t.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = item.split(separator: ".", omittingEmptySubsequences: true)
            if item.includes("..") {
                guard ends.count == 2 else { throw bad("\"\(item)\" is not a weekday range such as Mon..Fri") }
                // Mon=1 ... Sun=7 for ranges, as systemd orders the week.
                let a = (try day(ends[0]) + 6) % 7 + 1
                let b = (try day(ends[1]) + 6) % 7 + 1
                guard a <= b else { throw bad("\"\(item)\" runs backwards; the week starts on Monday") }
                for d in a...b { set.insert(d % 7) }
            } else {
                set.insert(try day(item))
            }
        }
        return set.count == 7 ? [] : set
    }

    static func parseField(_ t: String, range: ClosedRange<Int>, name: String, _ bad: (String) -> VitalsError) throws(VitalsError) -> Field {
        guard t != "*" else { return Field(range: range) }
        var f = Field(range: range)
        for raw in t.split(separator: ",", omittingEmptySubsequences: false) {
            var item = Substring(raw)
            var step: Int? = nil
            if let slash = item.firstIndex(of: "/") {
                guard let s = Int(item[item.index(after: slash)...]), s >= 1, s <= range.upperBound else {
                    throw bad("the \(name) step in \"\(raw)\" is not a number from 1")
                }
                step = s
                item = item[..<slash]
            }
            func number(_ s: Substring) throws(VitalsError) -> Int {
                guard let v = Int(s), range.contains(v) else {
                    throw bad("the \(name) \"\(s)\" is not in \(range.lowerBound)..\(range.upperBound)")
                }
                return v
            }
            if item == "*" {
                guard step != nil else { throw bad("\"\(raw)\": * in a list needs a step (*/2)") }
                f.items.append(.init(start: range.lowerBound, end: nil, step: step))
            } else if item.includes("..") {
                let ends = item.split(separator: ".", omittingEmptySubsequences: true)
                guard ends.count == 2 else { throw bad("the \(name) range \"\(raw)\" is not a..b") }
                let a = try number(ends[0])
                let b = try number(ends[1])
                guard a <= b else { throw bad("the \(name) range \"\(raw)\" runs backwards") }
                f.items.append(.init(start: a, end: b, step: step))
            } else {
                f.items.append(.init(start: try number(item), end: nil, step: step))
            }
            guard f.items.count <= 64 else { throw bad("more than 64 items in the \(name)") }
        }
        return f
    }

    /// The expression as systemd normalises it ("Sun *-*-* 02:00:00 Europe/Berlin").
    public var normalized: String {
        var parts: [String] = []
        if !weekdays.isEmpty {
            let order = [1, 2, 3, 4, 5, 6, 0]
            parts.append(
                order.filter(weekdays.contains).map { Self.weekdayNames[$0].prefix(1).uppercased() + Self.weekdayNames[$0].dropFirst() }.joined(
                    separator: ","))
        }
        parts.append("\(year.text)-\(month.text)-\(day.text)")
        parts.append("\(hour.text):\(minute.text):\(second.text)")
        if let zone { parts.append(zone) }
        return parts.joined(separator: " ")
    }

    /// The first time strictly after `after` (seconds since the epoch) the event happens, in
    /// `zone`'s local time; nil when it never does within the next 10 years.
    public func next(after: Double, zone: ZoneRules) -> Double? {
        let t = Int64(after.rounded(.down))
        let startLocal = t + Int64(zone.offset(at: t))
        let firstDay = Int(startLocal.floorDiv(86400))
        let hours = hour.values
        let minutes = minute.values
        let seconds = second.values
        for d in firstDay..<(firstDay + 3660) {
            let (y, m, dom) = Civil.from(days: d)
            guard year.matches(y), month.matches(m), day.matches(dom), weekdays.isEmpty || weekdays.contains(Civil.weekday(d)) else {
                if y > year.range.upperBound { return nil }
                continue
            }
            let dayStart = Int64(d) * 86400
            for h in hours {
                // Hours ending well before the start cannot be after it, whatever DST does.
                if dayStart + Int64(h + 1) * 3600 + 7200 <= startLocal { continue }
                for mi in minutes {
                    for s in seconds {
                        let local = dayStart + Int64(h * 3600 + mi * 60 + s)
                        if let utc = Self.utc(local: local, zone: zone), utc > t { return Double(utc) }
                    }
                }
            }
        }
        return nil
    }

    /// The earliest UTC instant showing `local` in `zone`; nil when that local time does not exist.
    static func utc(local: Int64, zone: ZoneRules) -> Int64? {
        let a = local - Int64(zone.offset(at: local - 86400))
        let b = local - Int64(zone.offset(at: local + 86400))
        return [a, b].filter { $0 + Int64(zone.offset(at: $0)) == local }.min()
    }
}
