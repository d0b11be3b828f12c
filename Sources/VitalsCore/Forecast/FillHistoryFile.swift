/// The fill histories as a small text file in the state directory (`forecast-history`), so a
/// restart keeps the trends: a header line, then one point per line,
/// `MOUNT TIME USED FREE INODES_USED INODES_FREE` (`-` where a filesystem has no inode limit; the
/// mount point with space, tab, newline and backslash written as octal escapes, as in mountinfo).
///
/// Reading is bounded and forgiving: at most 4 MiB, 256 mounts and `FillHistory.capacity` points
/// each; a line that does not parse, or whose time is out of range, is skipped and named in the
/// problems (the trend of that mount then rebuilds from new readings), never a crash.
public enum FillHistoryFile {
    public static let header = "# vitals disk fill history, format 1"
    public static let maxBytes = 4 << 20
    public static let maxMounts = 256

    /// The file's text for these histories.
    public static func encode(_ histories: [String: FillHistory]) -> String {
        var out = header + "\n"
        for (mount, h) in histories.sorted(by: { $0.key < $1.key }) {
            let m = escape(mount)
            for p in h.points {
                out +=
                    "\(m) \(number(p.time)) \(number(p.usedBytes)) \(number(p.freeBytes)) \(p.inodesUsed.map(number) ?? "-") \(p.inodesFree.map(number) ?? "-")\n"
            }
        }
        return out
    }

    /// The histories in `text`, and what was wrong with it (each naming `file:line` and what was
    /// done about it). Points later than `now` + 1 h or older than `now` - `maxAge` are dropped.
    public static func decode(_ text: String, file: String, now: Double, maxAge: Double) -> (histories: [String: FillHistory], problems: [String]) {
        var problems: [String] = []
        guard text.utf8.count <= maxBytes else {
            return ([:], ["\(file): over \(Units.formatBytes(Double(maxBytes))); not read (the forecasts rebuild from new readings)"])
        }
        var points: [String: [FillPoint]] = [:]
        var skipped = 0
        var lineNumber = 0
        func skip(_ why: String) {
            skipped += 1
            if problems.count < 5 { problems.append("\(file):\(lineNumber): \(why); the line is skipped") }
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if lineNumber == 1 && raw != header {
                return ([:], ["\(file):1: not a vitals fill history (expected \"\(header)\"); not read (the forecasts rebuild from new readings)"])
            }
            if raw.isEmpty || raw.hasPrefix("#") { continue }
            let f = raw.split(separator: " ", omittingEmptySubsequences: false)
            guard f.count == 6 else {
                skip("expected 6 fields (mount, time, used, free, inodes used, inodes free), got \(f.count)")
                continue
            }
            guard let mount = unescape(f[0]), mount.hasPrefix("/") else {
                skip("the mount point is not an absolute path")
                continue
            }
            guard let t = value(f[1]), let used = value(f[2]), let free = value(f[3]) else {
                skip("time, used and free must be non-negative numbers")
                continue
            }
            let iu = f[4] == "-" ? nil : value(f[4])
            let ifr = f[5] == "-" ? nil : value(f[5])
            guard (f[4] == "-") == (iu == nil), (f[5] == "-") == (ifr == nil) else {
                skip("inodes must be non-negative numbers or -")
                continue
            }
            guard t <= now + 3600, t >= now - maxAge else { continue }  // stale or from a wrong clock: dropped quietly
            if points[mount] == nil && points.count >= maxMounts {
                skip("more than \(maxMounts) mounts")
                continue
            }
            points[mount, default: []].append(FillPoint(time: t, usedBytes: used, freeBytes: free, inodesUsed: iu, inodesFree: ifr))
        }
        if skipped > problems.count { problems.append("\(file): \(skipped - problems.count) more lines skipped") }
        var histories: [String: FillHistory] = [:]
        for (mount, list) in points {
            histories[mount] = FillHistory(points: list.sorted { $0.time < $1.time })
        }
        return (histories, problems)
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    static func value(_ s: Substring) -> Double? {
        guard s.count <= 32, let v = Double(s), v.isFinite, v >= 0 else { return nil }
        return v
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case " ": out += "\\040"
            case "\t": out += "\\011"
            case "\n": out += "\\012"
            case "\\": out += "\\134"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    static func unescape(_ s: Substring) -> String? {
        guard !s.isEmpty, s.utf8.count <= 4096 else { return nil }
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "\\") {
                let digits = it.prefix(3)
                guard digits.count == 3, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) else { return nil }
                let v = digits.reduce(0) { $0 * 8 + Int($1 - 0x30) }
                guard v < 256 else { return nil }
                bytes.append(UInt8(v))
                it = it.dropFirst(3)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
