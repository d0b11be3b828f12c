/// Proleptic Gregorian calendar arithmetic on day numbers since 1970-01-01 (Howard Hinnant's
/// algorithms), for the calendar events of maintenance windows.
public enum Civil {
    /// The day number of a date.
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The date of a day number.
    public static func from(days z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// 0 Sunday ... 6 Saturday.
    public static func weekday(_ days: Int) -> Int { ((days % 7) + 11) % 7 }

    public static func isLeap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// "2026-12-06 02:00" in the zone (with its abbreviation-free offset when not UTC).
    public static func format(_ utc: Double, zone: ZoneRules) -> String {
        let t = Int64(utc.rounded(.down))
        let offset = zone.offset(at: t)
        let local = t + Int64(offset)
        let (y, m, d) = from(days: Int(local.floorDiv(86400)))
        let sod = Int(local - local.floorDiv(86400) * 86400)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let base = "\(y)-\(two(m))-\(two(d)) \(two(sod / 3600)):\(two(sod / 60 % 60))"
        if zone.name == "UTC" { return base + " UTC" }
        let sign = offset < 0 ? "-" : "+"
        let a = abs(offset)
        return base + " \(zone.name) (UTC\(sign)\(two(a / 3600)):\(two(a / 60 % 60)))"
    }
}
