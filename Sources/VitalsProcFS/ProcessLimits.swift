public import VitalsCore

/// The `Max open files` row of /proc/PID/limits: soft and hard RLIMIT_NOFILE (`unlimited` is +inf).
public struct OpenFilesLimit: Sendable, Equatable {
    public var soft: Double
    public var hard: Double

    /// Parses /proc/PID/limits text.
    public init(parsing text: String, file: String = "/proc/PID/limits") throws(VitalsError) {
        for line in Scan.lines(text) where Scan.hasPrefix(line, "Max open files") {
            let f = Scan.fields(line.dropFirst("Max open files".utf8.count))
            guard f.count >= 2 else { break }
            func value(_ s: ArraySlice<UInt8>) -> Double? {
                Scan.string(s) == "unlimited" ? .infinity : Scan.uint(s).map { Double($0) }
            }
            guard let soft = value(f[f.startIndex]), let hard = value(f[f.startIndex + 1]) else { break }
            self.soft = soft
            self.hard = hard
            return
        }
        throw .parse(file, "no valid \"Max open files\" row")
    }
}
