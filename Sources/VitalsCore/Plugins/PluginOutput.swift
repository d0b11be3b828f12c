/// How a plugin process ended, as the runner saw it.
public enum PluginExit: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)
    /// Killed by the runner at its timeout.
    case timedOut(Duration)
    /// It could not be started; the text says why (and names the path).
    case notStarted(String)
}

/// A plugin run's result in vitals' terms: state, the first line as the message, long output,
/// perfdata, and whatever went wrong on the way, said plainly.
public struct PluginResult: Sendable, Equatable {
    public var severity: Severity
    /// The first line without its perfdata, or what went wrong.
    public var message: String
    /// The lines after the first, without perfdata.
    public var longOutput: [String]
    public var perfData: [PerfDatum]
    /// Perfdata items that could not be read, each with the reason.
    public var perfDataProblems: [String]
    /// Output beyond the runner's cap was drained and counted, not kept.
    public var truncatedBytes: Int
    /// The check cannot apply to this host (a compiled-in check without what it asks, such as
    /// failed units without a system bus): severity ok, the message says why, never an alert.
    public var notApplicable = false
    /// How the result came about, decided where it happened (never read back from the message).
    public var cause: Cause = .reported

    /// How a result came about.
    public enum Cause: String, Sendable, Equatable {
        /// The check ran and said so (its exit code and output, or a compiled-in check's answer).
        case reported
        /// Exited with a code outside the protocol (126 not executable, 127 not found, others).
        case protocolViolation = "protocol_violation"
        /// Killed by a signal it did not get from the runner.
        case signaled
        /// Killed by the runner at its timeout.
        case timedOut = "timed_out"
        /// It could not be started (the command, a pipe, the spawn).
        case notStarted = "not_started"
        /// Refused before it ran: its path failed the ownership and mode walk.
        case refused
        /// Not run: a check it depends on is not ok.
        case dependency
    }

    public init(
        severity: Severity, message: String, longOutput: [String] = [], perfData: [PerfDatum] = [], perfDataProblems: [String] = [],
        truncatedBytes: Int = 0
    ) {
        self.severity = severity
        self.message = message
        self.longOutput = longOutput
        self.perfData = perfData
        self.perfDataProblems = perfDataProblems
        self.truncatedBytes = truncatedBytes
    }

    /// A result for a check that cannot apply here: ok, with the reason.
    public static func notApplicable(_ reason: String) -> PluginResult {
        var r = PluginResult(severity: .ok, message: "not applicable: \(reason)")
        r.notApplicable = true
        return r
    }
}

/// The monitoring-plugins protocol, read as Nagios 3+ reads it (pure).
public enum PluginOutput {
    /// Reads a finished run: its exit and the bytes it wrote to stdout (already capped by the
    /// runner; `truncatedBytes` is how much more there was).
    ///
    /// - exit 0/1/2/3 are ok/warning/critical/unknown; 126 (not executable), 127 (not found), any
    ///   other code, death by a signal, a timeout and a failed start are unknown, with a message
    ///   that says which.
    /// - the first line is the message, perfdata follows its `|`; later lines are long output
    ///   until a line with a `|`, whose rest and every line after it are perfdata.
    /// - bytes that are not UTF-8 become U+FFFD, control characters (C0 but tab, DEL, C1) become spaces,
    ///   so nothing a plugin prints can forge a log line or a terminal escape.
    public static func parse(_ stdout: [UInt8], exit: PluginExit, truncatedBytes: Int = 0) -> PluginResult {
        let text = clean(stdout)
        // "\r\n" is one Character in Swift, so both line ends are named.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        while let last = lines.last, last.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.removeLast() }

        var message = ""
        var long: [String] = []
        var perfText: [Substring] = []
        if let first = lines.first {
            if let bar = first.firstIndex(of: "|") {
                message = String(first[..<bar])
                perfText.append(first[first.index(after: bar)...])
            } else {
                message = String(first)
            }
            var inPerf = false
            for line in lines.dropFirst() {
                if inPerf {
                    perfText.append(line)
                } else if let bar = line.firstIndex(of: "|") {
                    let before = line[..<bar]
                    if !before.allSatisfy({ $0 == " " }) { long.append(String(before)) }
                    perfText.append(line[line.index(after: bar)...])
                    inPerf = true
                } else {
                    long.append(String(line))
                }
            }
        }
        message = message.trimmingTrailingSpaces
        var items: [PerfDatum] = []
        var problems: [String] = []
        for chunk in perfText {
            let (i, p) = PerfData.parse(chunk)
            items += i
            problems += p
        }

        let severity: Severity
        var reason: String?
        var cause = PluginResult.Cause.reported
        switch exit {
        case .exited(0): severity = .ok
        case .exited(1): severity = .warning
        case .exited(2): severity = .critical
        case .exited(3): severity = .unknown
        case .exited(126):
            severity = .unknown
            reason = "exit code 126: the plugin is not executable (check its mode and the filesystem's noexec)"
            cause = .protocolViolation
        case .exited(127):
            severity = .unknown
            reason = "exit code 127: the plugin or its interpreter was not found"
            cause = .protocolViolation
        case .exited(let code):
            severity = .unknown
            reason = "exit code \(code) is outside the plugin protocol (0 ok, 1 warning, 2 critical, 3 unknown)"
            cause = .protocolViolation
        case .signaled(let sig):
            severity = .unknown
            reason = "killed by signal \(sig)\(signalName(sig).map { " (\($0))" } ?? "")"
            cause = .signaled
        case .timedOut(let after):
            severity = .unknown
            reason = "timed out after \(Units.formatDuration(after)); the plugin and its children were killed"
            cause = .timedOut
        case .notStarted(let why):
            severity = .unknown
            reason = why
            cause = .notStarted
        }
        if message.isEmpty { message = "(no output)" }
        if let reason { message = "\(reason); output: \(message)" }
        if truncatedBytes > 0 { message += " [output truncated: \(truncatedBytes) more bytes]" }
        var result = PluginResult(
            severity: severity, message: message, longOutput: long, perfData: items, perfDataProblems: problems, truncatedBytes: truncatedBytes)
        result.cause = cause
        return result
    }

    /// UTF-8 with invalid bytes replaced, control characters (but newline and tab) as spaces.
    static func clean(_ bytes: [UInt8]) -> String {
        var s = String(decoding: bytes, as: UTF8.self)
        if s.unicodeScalars.contains(where: isControl) {
            s = String(String.UnicodeScalarView(s.unicodeScalars.map { isControl($0) ? " " : $0 }))
        }
        return s
    }

    /// C0 controls but newline and tab, DEL, and the C1 controls (U+0080-U+009F, which include
    /// the one-character terminal escape CSI).
    static func isControl(_ c: Unicode.Scalar) -> Bool {
        (c.value < 0x20 && c != "\n" && c != "\t") || (0x7F...0x9F).contains(c.value)
    }

    static func signalName(_ sig: Int32) -> String? {
        let names: [Int32: String] = [
            1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE",
            14: "SIGALRM", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ",
        ]
        return names[sig]
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
