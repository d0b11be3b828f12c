/// Wall-clock times as the wire formats want them, from Unix seconds, without Foundation's
/// formatters (which would link ICU): RFC 3339 for JSON, RFC 5322 for mail headers.
public enum Timestamp {
    /// The civil date in UTC of a Unix time: (year, month 1-12, day 1-31, seconds into the day).
    static func civil(_ unix: Double) -> (year: Int, month: Int, day: Int, second: Int, weekday: Int) {
        let whole = Int(unix.rounded(.down))
        let days = Int((Double(whole) / 86400).rounded(.down))
        let second = whole - days * 86400
        // Howard Hinnant's days_from_civil inverse.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = ((days % 7) + 11) % 7  // 0 = Sunday; 1970-01-01 was a Thursday
        return (year, month, day, second, weekday)
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `2026-11-23T10:04:38.250Z` (milliseconds; UTC).
    public static func rfc3339(_ unix: Double) -> String {
        let c = civil(unix)
        let ms = min(999, Int(((unix - unix.rounded(.down)) * 1000).rounded()))
        return
            "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.second / 3600, 2)):\(pad(c.second / 60 % 60, 2)):\(pad(c.second % 60, 2)).\(pad(ms, 3))Z"
    }

    /// `Mon, 23 Nov 2026 10:04:38 +0000` (a mail `Date:` header).
    public static func rfc5322(_ unix: Double) -> String {
        let c = civil(unix)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return
            "\(days[c.weekday]), \(c.day) \(months[c.month - 1]) \(c.year) \(pad(c.second / 3600, 2)):\(pad(c.second / 60 % 60, 2)):\(pad(c.second % 60, 2)) +0000"
    }
}
