/// The file handles family, in one room (issue 16): its figures, the observations its built-in
/// checks evaluate, and its lines in /metrics. Its sampler, which reads the files, is
/// `FileHandleSampler` (VitalsSamplers); the family is listed in `HostSnapshot.families`.
public enum FileHandleFamily: MetricFamily {
    public static let checks: [BuiltinCheck] = [.fileHandles, .processFDs]

    /// Observations for file handles system-wide and the processes closest to their limit (/proc/sys/fs/file-nr, /proc/PID).
    public static func observations(_ s: HostSnapshot, failure: (String) -> Reading) -> [Observation] {
        var out: [Observation] = []
        if let f = s.fileHandles {
            out.append(
                Observation(
                    .fileHandles, reading: .value(f.usedPercent), subject: "file handles", quantity: "used",
                    unit: "%",
                    detail: "\(Units.formatNumber(f.allocated)) of \(Units.formatNumber(f.maximum))"))
            if let top = f.topProcesses.first {
                out.append(
                    Observation(
                        .processFDs, reading: .value(top.usedPercent),
                        subject: "process \(top.name) (pid \(top.pid)) fds", quantity: "of its limit", unit: "%",
                        detail: "\(top.open) of \(Units.formatNumber(top.limit)) open"))
            } else if f.processScan == false {
                out.append(
                    Observation(
                        .processFDs,
                        reading: .notApplicable("not applicable: the per-process scan is off (file_handles.top_processes: 0)"),
                        subject: "process fds", quantity: "", unit: "%"))
            } else {
                out.append(
                    Observation(
                        .processFDs,
                        reading: .unknown(
                            "no process fd counts readable (\(f.unreadableProcesses) processes refused: run as root or with CAP_DAC_READ_SEARCH)"),
                        subject: "process fds", quantity: "", unit: "%"))
            }
        } else {
            out.append(Observation(.fileHandles, reading: failure("file_handles"), subject: "file handles", quantity: "", unit: "%"))
            out.append(Observation(.processFDs, reading: failure("file_handles"), subject: "process fds", quantity: "", unit: "%"))
        }
        return out
    }

    public static func metrics(_ s: HostSnapshot, into p: inout PrometheusText) {
        if let f = s.fileHandles {
            p.family("vitals_file_handles_allocated", .gauge, "File handles allocated system-wide (/proc/sys/fs/file-nr).")
            p.sample("vitals_file_handles_allocated", [], f.allocated)
            p.family("vitals_file_handles_maximum", .gauge, "The system-wide file handle limit (fs.file-max).")
            p.sample("vitals_file_handles_maximum", [], f.maximum)
            p.family("vitals_process_open_fds", .gauge, "Open descriptors of the processes closest to their RLIMIT_NOFILE.")
            p.family("vitals_process_fd_used_percent", .gauge, "Open descriptors as a share of the process's soft limit.")
            for t in f.topProcesses {
                let l = [("pid", "\(t.pid)"), ("name", t.name)]
                p.sample("vitals_process_open_fds", l, Double(t.open))
                p.sample("vitals_process_fd_used_percent", l, t.usedPercent)
            }
        }
    }
}

extension BuiltinCheck {
    public static let fileHandles = BuiltinCheck(
        "file_handles", summary: "system-wide file handles allocated % of fs.file-max",
        defaultSpec: ThresholdSpec(
            warning: Level(trigger: 80, clear: 70), critical: Level(trigger: 90, clear: 85), raiseAfter: .samples(3),
            clearAfter: .samples(3)))
    public static let processFDs = BuiltinCheck(
        "process_fds", summary: "open fds % of RLIMIT_NOFILE of the process closest to its limit",
        defaultSpec: ThresholdSpec(
            warning: Level(trigger: 90, clear: 80), critical: Level(trigger: 98, clear: 95), raiseAfter: .samples(3),
            clearAfter: .samples(3)))
}

/// File handles: system-wide and the processes closest to their own limit.
public struct FileHandleStats: Sendable, Codable, Equatable {
    public var allocated: Double
    public var maximum: Double
    public var usedPercent: Double
    /// Processes with the highest open-fds / soft RLIMIT_NOFILE ratio, highest first.
    public var topProcesses: [ProcessFDs]
    /// vitals' own open descriptors.
    public var ownOpen: Int
    /// Processes whose fds could not be read (permission), so the top list may be partial.
    public var unreadableProcesses: Int
    /// False when the per-process scan is off (`file_handles.top_processes: 0`); nil means on.
    public var processScan: Bool?
    /// How the scan counts a process's descriptors: `stat_size` (Linux 6.2+) or `listing`.
    public var fdCountMethod: String?

    public init(
        allocated: Double, maximum: Double, topProcesses: [ProcessFDs], ownOpen: Int, unreadableProcesses: Int
    ) {
        self.allocated = allocated
        self.maximum = maximum
        self.usedPercent = maximum > 0 ? allocated / maximum * 100 : 0
        self.topProcesses = topProcesses
        self.ownOpen = ownOpen
        self.unreadableProcesses = unreadableProcesses
    }

    enum CodingKeys: String, CodingKey {
        case allocated, maximum
        case usedPercent = "used_percent"
        case topProcesses = "top_processes"
        case ownOpen = "own_open"
        case unreadableProcesses = "unreadable_processes"
        case processScan = "process_scan"
        case fdCountMethod = "fd_count_method"
    }
}

/// One process's open descriptors against its soft limit.
public struct ProcessFDs: Sendable, Codable, Equatable {
    public var pid: Int32
    public var name: String
    public var open: Int
    public var limit: Double
    public var usedPercent: Double

    public init(pid: Int32, name: String, open: Int, limit: Double) {
        self.pid = pid
        self.name = name
        self.open = open
        self.limit = limit
        self.usedPercent = limit > 0 && limit.isFinite ? Double(open) / limit * 100 : 0
    }

    enum CodingKeys: String, CodingKey {
        case pid, name, open, limit
        case usedPercent = "used_percent"
    }
}
