public import VitalsCore

/// /proc/meminfo: every `Key: value [kB]` line, values in bytes.
public struct MemInfo: Sendable, Equatable {
    public var fields: [String: Double]

    /// Parses /proc/meminfo text; throws when MemTotal is missing.
    public init(parsing text: String) throws(VitalsError) {
        var fields: [String: Double] = [:]
        for line in Scan.lines(text) {
            let f = Scan.fields(line)
            guard f.count >= 2, let colon = f[f.startIndex].last, colon == 0x3A, let n = Scan.uint(f[f.startIndex + 1]) else {
                continue
            }
            let key = Scan.string(f[f.startIndex].dropLast())
            let kB = f.count >= 3 && Scan.string(f[f.startIndex + 2]) == "kB"
            fields[key] = Double(n) * (kB ? 1024 : 1)
        }
        guard fields["MemTotal"] != nil else { throw .parse("/proc/meminfo", "no MemTotal line") }
        self.fields = fields
    }

    public var total: Double { fields["MemTotal"] ?? 0 }

    /// MemAvailable, or on kernels before 3.14 the estimate free(1) and Monit use:
    /// MemFree + Buffers + Cached + SReclaimable, capped at MemTotal. `estimated` tells which.
    public var available: (bytes: Double, estimated: Bool) {
        if let a = fields["MemAvailable"] { return (a, false) }
        let sum = ["MemFree", "Buffers", "Cached", "SReclaimable"].reduce(0.0) { $0 + (fields[$1] ?? 0) }
        return (min(sum, total), true)
    }

    public var swapTotal: Double { fields["SwapTotal"] ?? 0 }
    public var swapFree: Double { fields["SwapFree"] ?? 0 }
}
