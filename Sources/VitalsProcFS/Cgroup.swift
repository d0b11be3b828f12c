public import VitalsCore

/// Parsers for the cgroup v2 files the per-unit family reads (Documentation/admin-guide/
/// cgroup-v2.rst), pure functions over the file's bytes.
public enum CgroupFile {
    /// `usage_usec` of cpu.stat: the CPU time the cgroup has used, in microseconds.
    public static func cpuUsageMicros(_ bytes: ArraySlice<UInt8>, file: String) throws(VitalsError) -> UInt64 {
        try flatKey(bytes, "usage_usec", file: file)
    }

    /// The value of `key` in a flat-keyed file (`key value` per line).
    static func flatKey(_ bytes: ArraySlice<UInt8>, _ key: StaticString, file: String) throws(VitalsError) -> UInt64 {
        for line in Scan.lines(bytes) {
            let f = Scan.fields(line)
            if f.count == 2, Scan.equals(f[0], key) {
                guard let v = Scan.uint(f[1]) else { throw .parse(file, "\(key) is not a number: \"\(Scan.string(f[1].prefix(40)))\"") }
                return v
            }
        }
        throw .parse(file, "no \(key) line")
    }

    /// A file holding one number (memory.current, memory.swap.current), or `max` (memory.max,
    /// memory.high) as nil.
    public static func number(_ bytes: ArraySlice<UInt8>, file: String) throws(VitalsError) -> UInt64? {
        var b = bytes
        while let last = b.last, last == 0x0A || last == 0x20 { b = b.dropLast() }
        if Scan.equals(b, "max") { return nil }
        guard let v = Scan.uint(b) else { throw .parse(file, "expected a number or \"max\", got \"\(Scan.string(b.prefix(40)))\"") }
        return v
    }

    /// `oom_kill` of memory.events: processes the OOM killer killed in the cgroup.
    public static func oomKills(_ bytes: ArraySlice<UInt8>, file: String) throws(VitalsError) -> UInt64 {
        try flatKey(bytes, "oom_kill", file: file)
    }

    /// io.stat summed over the devices: bytes read and written, and operations.
    public struct IOTotals: Sendable, Equatable {
        public var readBytes: UInt64 = 0
        public var writeBytes: UInt64 = 0
        public var operations: UInt64 = 0

        public init(readBytes: UInt64 = 0, writeBytes: UInt64 = 0, operations: UInt64 = 0) {
            self.readBytes = readBytes
            self.writeBytes = writeBytes
            self.operations = operations
        }
    }

    /// Parses io.stat (`8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0` per device).
    public static func ioTotals(_ bytes: ArraySlice<UInt8>, file: String) throws(VitalsError) -> IOTotals {
        var t = IOTotals()
        for line in Scan.lines(bytes) {
            for pair in Scan.fields(line).dropFirst() {
                guard let eq = pair.firstIndex(of: 0x3D) else { throw .parse(file, "malformed field \"\(Scan.string(pair.prefix(40)))\"") }
                let key = pair[pair.startIndex..<eq]
                guard let v = Scan.uint(pair[(eq + 1)...]) else { throw .parse(file, "\(Scan.string(key)) is not a number") }
                if Scan.equals(key, "rbytes") {
                    t.readBytes &+= v
                } else if Scan.equals(key, "wbytes") {
                    t.writeBytes &+= v
                } else if Scan.equals(key, "rios") || Scan.equals(key, "wios") {
                    t.operations &+= v
                }
            }
        }
        return t
    }

    /// Whether a directory name is a systemd unit's cgroup (a unit with processes or a slice).
    public static func isUnitName(_ name: String) -> Bool {
        for suffix in [".service", ".scope", ".slice", ".socket", ".mount", ".swap"] where name.hasSuffix(suffix) && name.count > suffix.count {
            return true
        }
        return false
    }
}

/// One process's CPU time from /proc/PID/stat (pure).
public enum ProcessCPU {
    /// The command name and the CPU time used (utime + stime, in clock ticks) from the text of
    /// /proc/PID/stat: `PID (COMM) STATE ...`, where COMM may hold spaces and parentheses, so the
    /// fields are counted from the last `)`.
    public static func parse(_ bytes: ArraySlice<UInt8>) -> (name: String, ticks: UInt64)? {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")), let close = bytes.lastIndex(of: UInt8(ascii: ")")), open < close else {
            return nil
        }
        let name = Scan.string(bytes[(open + 1)..<close])
        // After ") ": state is field 3; utime and stime are fields 14 and 15.
        let rest = Scan.fields(bytes[(close + 1)...])
        guard rest.count >= 13, let utime = Scan.uint(rest[11]), let stime = Scan.uint(rest[12]) else { return nil }
        return (name, utime &+ stime)
    }

    /// The pids in a cgroup.procs file (one per line), at most `limit`.
    public static func pids(_ bytes: ArraySlice<UInt8>, limit: Int) -> [Int32] {
        var out: [Int32] = []
        for line in Scan.lines(bytes) {
            guard out.count < limit else { break }
            if let v = Scan.uint(line), v > 0, v <= UInt64(Int32.max) { out.append(Int32(v)) }
        }
        return out
    }
}
