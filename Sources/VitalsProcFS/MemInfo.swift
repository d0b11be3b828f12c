public import VitalsCore

/// /proc/meminfo: the rows vitals uses, values in bytes (`kB` rows multiplied by 1024).
public struct MemInfo: Sendable, Equatable {
    /// The rows kept, by their meminfo name.
    public enum Row: Int, CaseIterable, Sendable {
        case memTotal, memFree, memAvailable, buffers, cached, sReclaimable, swapTotal, swapFree

        /// The row's name in the file, without the colon.
        public var name: StaticString {
            switch self {
            case .memTotal: "MemTotal"
            case .memFree: "MemFree"
            case .memAvailable: "MemAvailable"
            case .buffers: "Buffers"
            case .cached: "Cached"
            case .sReclaimable: "SReclaimable"
            case .swapTotal: "SwapTotal"
            case .swapFree: "SwapFree"
            }
        }
    }

    private static let rows = Row.allCases

    /// Each kept row's value in bytes, nil when the kernel does not have the row.
    private var values: [Double?]

    /// A row's value in bytes, nil when the file did not have it.
    public subscript(_ row: Row) -> Double? { values[row.rawValue] }

    /// Parses /proc/meminfo text; throws when MemTotal is missing.
    public init(parsing text: String) throws(VitalsError) { try self.init(bytes: Array(text.utf8)[...]) }

    /// Parses /proc/meminfo bytes; only the kept rows are looked at and no String is built.
    public init(bytes: ArraySlice<UInt8>) throws(VitalsError) {
        var values = [Double?](repeating: nil, count: Self.rows.count)
        for line in Scan.lines(bytes) {
            guard let colon = line.firstIndex(of: 0x3A) else { continue }
            let key = line[line.startIndex..<colon]
            guard let row = Self.rows.first(where: { Scan.equals(key, $0.name) }) else { continue }
            let f = Scan.fields(line[(colon + 1)...])
            guard let first = f.first, let n = Scan.uint(first) else { continue }
            let kB = f.count >= 2 && Scan.equals(f[f.startIndex + 1], "kB")
            values[row.rawValue] = Double(n) * (kB ? 1024 : 1)
        }
        guard values[Row.memTotal.rawValue] != nil else { throw .parse("/proc/meminfo", "no MemTotal line") }
        self.values = values
    }

    public var total: Double { self[.memTotal] ?? 0 }

    /// MemAvailable, or on kernels before 3.14 the estimate free(1) and Monit use:
    /// MemFree + Buffers + Cached + SReclaimable, capped at MemTotal. `estimated` tells which.
    public var available: (bytes: Double, estimated: Bool) {
        if let a = self[.memAvailable] { return (a, false) }
        let sum = [Row.memFree, .buffers, .cached, .sReclaimable].reduce(0.0) { $0 + (self[$1] ?? 0) }
        return (min(sum, total), true)
    }

    public var swapTotal: Double { self[.swapTotal] ?? 0 }
    public var swapFree: Double { self[.swapFree] ?? 0 }
}
