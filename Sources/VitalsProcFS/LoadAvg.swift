public import VitalsCore

/// /proc/loadavg: `0.52 0.58 0.59 2/812 12345`.
public struct LoadAvg: Sendable, Equatable {
    public var load1, load5, load15: Double
    public var running: Int
    public var threads: Int

    /// Parses /proc/loadavg text.
    public init(parsing text: String) throws(VitalsError) { try self.init(bytes: Array(text.utf8)[...]) }

    /// Parses /proc/loadavg bytes.
    public init(bytes: ArraySlice<UInt8>) throws(VitalsError) {
        let f = Scan.fields(Scan.lines(bytes).first ?? [])
        guard f.count >= 3 else { throw .parse("/proc/loadavg", "expected 3 load fields, found \(f.count)") }
        var loads: [Double] = []
        for i in 0..<3 {
            guard let v = Scan.double(f[f.startIndex + i]) else {
                throw .parse("/proc/loadavg", "load field \(i + 1) is not a number: \(Scan.string(f[f.startIndex + i]))")
            }
            loads.append(v)
        }
        (load1, load5, load15) = (loads[0], loads[1], loads[2])
        running = 0
        threads = 0
        if f.count >= 4 {
            let rt = f[f.startIndex + 3].split(separator: 0x2F)
            if rt.count == 2 {
                running = Int(Scan.uint(rt[0]) ?? 0)
                threads = Int(Scan.uint(rt[1]) ?? 0)
            }
        }
    }
}
