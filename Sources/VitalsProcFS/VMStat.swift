public import VitalsCore

/// The counters vitals uses from /proc/vmstat: pages swapped in and out, and OOM kills
/// (`oom_kill`, Linux 4.13+; nil before).
public struct VMStat: Sendable, Equatable {
    public var pswpin: UInt64
    public var pswpout: UInt64
    public var oomKill: UInt64?

    public init(pswpin: UInt64, pswpout: UInt64, oomKill: UInt64?) {
        self.pswpin = pswpin
        self.pswpout = pswpout
        self.oomKill = oomKill
    }

    /// Parses /proc/vmstat text; throws when pswpin is missing (every kernel with swap support has it).
    public init(parsing text: String) throws(VitalsError) { try self.init(bytes: Array(text.utf8)[...]) }

    /// Parses /proc/vmstat bytes, building no String per line.
    public init(bytes: ArraySlice<UInt8>) throws(VitalsError) {
        var pswpin: UInt64?
        var pswpout: UInt64 = 0
        var oom: UInt64?
        for line in Scan.lines(bytes) {
            guard let first = line.first, first == 0x70 || first == 0x6F else { continue }  // p, o
            let f = Scan.fields(line)
            guard f.count == 2, let n = Scan.uint(f[f.startIndex + 1]) else { continue }
            let key = f[f.startIndex]
            if Scan.equals(key, "pswpin") {
                pswpin = n
            } else if Scan.equals(key, "pswpout") {
                pswpout = n
            } else if Scan.equals(key, "oom_kill") {
                oom = n
            }
        }
        guard let pswpin else { throw .parse("/proc/vmstat", "no pswpin line") }
        self.init(pswpin: pswpin, pswpout: pswpout, oomKill: oom)
    }
}
