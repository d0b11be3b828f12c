/// Wall-clock times as the wire formats want them, from Unix seconds, without Foundation's
/// formatters (which would link ICU): RFC 3339 for JSON, RFC 5322 for mail headers.
public enum Timestamp {
    /// The civil date in UTC of a Unix time: (year, month 1-12, day 1-31, seconds into the day).
    static func civil(_ unix: Double) -> (year: Int, month: Int, day: Int, second: Int, weekday: Int) {
        let whole = Int(unix.rounded(.down))
        let days = Int((Double(whole) / 86400).rounded(.down))
        let second = whole - days * 86400
        let (year, month, day) = Civil.from(days: days)
        let weekday = Civil.weekday(days)  // 0 = Sunday
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
