import CSystemd
import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// Where log records go: native journal entries or one JSON object per line on stderr.
public enum LogSink: Sendable, Equatable {
    case journal
    case stderrJSON

    /// The journal when stderr is connected to it (JOURNAL_STREAM names stderr's device and inode,
    /// as systemd sets it for services), JSON lines otherwise. `sd_journal_sendv` reports success
    /// even with no journald listening, so the choice cannot be made by trying.
    public static func detect(environment: [String: String]) -> LogSink {
        guard let stream = environment["JOURNAL_STREAM"] else { return .stderrJSON }
        let parts = stream.split(separator: ":")
        guard parts.count == 2, let dev = UInt64(parts[0]), let ino = UInt64(parts[1]) else { return .stderrJSON }
        var st = stat()
        guard fstat(STDERR_FILENO, &st) == 0 else { return .stderrJSON }
        return UInt64(st.st_dev) == dev && UInt64(st.st_ino) == ino ? .journal : .stderrJSON
    }

    /// Writes one record. `fields` are (key, value) pairs already named for the sink.
    func write(priority: Int, message: String, fields: [(String, String)]) {
        switch self {
        case .journal:
            var entries = ["MESSAGE=\(message)", "PRIORITY=\(priority)", "SYSLOG_IDENTIFIER=vitals"]
            for (k, v) in fields { entries.append("\(k)=\(v)") }
            Journal.send(entries)
        case .stderrJSON:
            var line = "{\"ts\":\"\(Timestamp.iso8601Now())\",\"level\":\"\(Self.levelName(priority))\",\"msg\":\(JSONText.quote(message))"
            for (k, v) in fields { line += ",\(JSONText.quote(k)):\(JSONText.quote(v))" }
            line += "}\n"
            var bytes = Array(line.utf8)
            bytes.withUnsafeMutableBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = Glibc.write(STDERR_FILENO, raw.baseAddress! + off, raw.count - off)
                    if n <= 0 { if errno == EINTR { continue } else { break } }
                    off += n
                }
            }
        }
    }

    static func levelName(_ priority: Int) -> String {
        switch priority {
        case ...2: "critical"
        case 3: "error"
        case 4: "warning"
        case 5: "notice"
        case 6: "info"
        default: "debug"
        }
    }
}

/// sd_journal_sendv with an iovec per field (the variadic sd_journal_send is not callable from Swift).
enum Journal {
    static func send(_ entries: [String]) {
        let buffers = entries.map { Array($0.utf8) }
        var iovecs: [iovec] = []
        iovecs.reserveCapacity(buffers.count)
        func build(_ i: Int) {
            if i == buffers.count {
                _ = sd_journal_sendv(iovecs, Int32(iovecs.count))
                return
            }
            buffers[i].withUnsafeBytes { raw in
                iovecs.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress), iov_len: raw.count))
                build(i + 1)
            }
        }
        build(0)
    }
}

/// Wall-clock timestamps for log lines.
enum Timestamp {
    /// Now as `2026-11-23T10:04:05.123Z`.
    static func iso8601Now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var tm = Glibc.tm()
        gmtime_r(&t, &tm)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return
            "\(tm.tm_year + 1900)-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}
