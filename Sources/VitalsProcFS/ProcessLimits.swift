public import VitalsCore

/// The `Max open files` row of /proc/PID/limits: soft and hard RLIMIT_NOFILE (`unlimited` is +inf).
public struct OpenFilesLimit: Sendable, Equatable {
    public var soft: Double
    public var hard: Double

    /// Parses /proc/PID/limits text.
    public init(parsing text: String, file: String = "/proc/PID/limits") throws(VitalsError) {
        try self.init(bytes: Array(text.utf8)[...], file: file)
    }

    /// Parses /proc/PID/limits bytes, looking only at the `Max open files` row (no String per file:
    /// this runs for every process in every cycle).
    public init(bytes: ArraySlice<UInt8>, file: String = "/proc/PID/limits") throws(VitalsError) {
        let prefix = Self.rowName
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.endIndex
            let line = bytes[start..<end]
            start = end + 1
            guard line.starts(with: prefix) else { continue }
            let f = Scan.fields(line.dropFirst(prefix.count))
            guard f.count >= 2 else { break }
            func value(_ s: ArraySlice<UInt8>) -> Double? {
                s.elementsEqual("unlimited".utf8) ? .infinity : Scan.uint(s).map { Double($0) }
            }
            guard let soft = value(f[f.startIndex]), let hard = value(f[f.startIndex + 1]) else { break }
            self.soft = soft
            self.hard = hard
            return
        }
        throw .parse(file, "no valid \"Max open files\" row")
    }

    private static let rowName = Array("Max open files".utf8)
}
