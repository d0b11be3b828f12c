/// The agent's whole configuration, validated. Built once by the loader (defaults, then the file,
/// then environment overrides) and never changed in place: a reload builds a new value.
public struct Config: Sendable, Equatable {
    /// Sampling interval (minimum 1 s).
    public var interval: Duration = .seconds(10)
    /// Where /proc is read from (tests point this at a fixture tree).
    public var procfsRoot: String = "/proc"
    /// Status socket path; nil picks /run/vitals/vitals.sock as root, $XDG_RUNTIME_DIR/vitals.sock otherwise.
    public var socketPath: String?
    public var log = LogConfig()
    public var disk = DiskConfig()
    public var fileHandles = FileHandleConfig()
    public var units = UnitsConfig()
    /// When the alert engine repeats, how long unknown must last, and flap detection.
    public var alerts = AlertPolicy(unknownDelay: .seconds(30), resolveHold: .seconds(120))
    /// Channels, routes with escalation steps, inhibition, grouping and storm limits.
    public var notify = NotifyConfig()
    /// Where custom checks are defined and how many run at once.
    public var plugins = PluginConfig()
    /// A TCP listener that serves `GET /metrics` for Prometheus (nil: off, the default).
    public var metricsListen: ListenAddress?
    /// The dead man's switch (issue 19): an outside URL called while the agent makes progress.
    public var heartbeat: HeartbeatConfig?
    /// Recurring silences (issue 19), each a calendar event and a length.
    public var maintenance: [MaintenanceWindow] = []
    /// Self-healing actions (issue 19): what to do for which alerts, watched and bounded.
    public var actions: [ActionDefinition] = []
    /// The custom checks read from `plugins.directory` (not part of vitals.yaml itself).
    public var checks: [CheckDefinition] = []
    /// Thresholds per built-in check.
    public var thresholds: [String: CheckThresholds] = Dictionary(
        uniqueKeysWithValues: BuiltinCheck.allCases.map { ($0.rawValue, CheckThresholds(spec: $0.defaultSpec)) })

    public init() {}

    /// The statvfs deadline in force: the configured one, but never more than half the interval,
    /// so a hung mount cannot delay a cycle.
    public var effectiveStatvfsTimeout: Duration { min(disk.statvfsTimeout, interval / 2) }

    /// The thresholds for one check instance: the mount's override where there is one.
    public func spec(for key: CheckKey) -> ThresholdSpec? {
        guard let t = thresholds[key.check] else { return nil }
        if !key.resource.isEmpty, let o = t.units.first(where: { UnitGlob.matches($0.pattern, key.resource) }) { return o.spec }
        return t.mounts[key.resource] ?? t.spec
    }
}

/// Thresholds of one check, with per-mount overrides for disk checks.
public struct CheckThresholds: Sendable, Equatable {
    public var spec: ThresholdSpec
    /// Full specs per mount point (the check's spec with the override's keys applied).
    public var mounts: [String: ThresholdSpec]
    /// Full specs per unit glob, for per-unit checks, in the order written: the first that
    /// matches the unit wins.
    public var units: [UnitOverride]

    public init(spec: ThresholdSpec, mounts: [String: ThresholdSpec] = [:], units: [UnitOverride] = []) {
        self.spec = spec
        self.mounts = mounts
        self.units = units
    }
}

/// A per-unit check's thresholds for the units a glob matches (`postgresql.service`, `backup-*`).
public struct UnitOverride: Sendable, Equatable {
    public var pattern: String
    public var spec: ThresholdSpec

    public init(pattern: String, spec: ThresholdSpec) {
        self.pattern = pattern
        self.spec = spec
    }
}

/// The per-unit family's settings (cgroup v2).
public struct UnitsConfig: Sendable, Equatable {
    /// False turns the per-unit sampling off (and with it the culprits in messages).
    public var enabled = true
    /// Where cgroup v2 is looked for; on a hybrid host its `unified` directory is used.
    public var cgroupRoot = "/sys/fs/cgroup"
    /// How many units are followed at most (the rest are counted as untracked).
    public var max = 500
    /// Unit globs not followed (`user@*.service`, `*.mount`).
    public var exclude: [String] = []

    public init() {}
}

/// Logging settings.
public struct LogConfig: Sendable, Equatable {
    /// Where log lines go.
    public enum Target: String, Sendable, CaseIterable {
        /// The journal when stderr is connected to it (JOURNAL_STREAM), JSON lines on stderr otherwise.
        case auto
        case journal
        case stderr
    }

    /// trace, debug, info, notice, warning, error or critical.
    public var level: String = "info"
    public var target: Target = .auto

    public init() {}

    /// Accepted level names.
    public static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
}

/// Which mounts the disk sampler watches and how long statvfs may take.
public struct DiskConfig: Sendable, Equatable {
    /// Watch tmpfs mounts too (off by default: they are memory, watched by the memory check).
    public var includeTmpfs = false
    /// Filesystem types to skip in addition to the built-in pseudo and image types.
    public var excludeTypes: [String] = []
    /// Mount points to skip; a trailing `*` matches a prefix (`/mnt/backup*`).
    public var excludeMounts: [String] = []
    /// A statvfs slower than this reports the mount as not responding.
    public var statvfsTimeout: Duration = .seconds(5)
    /// The windows of the fill forecast (`disk_forecast`).
    public var forecast = ForecastWindows()

    public init() {}
}

/// How many processes the file-handle sampler names.
public struct FileHandleConfig: Sendable, Equatable {
    /// The processes closest to their RLIMIT_NOFILE that are reported (0 turns the per-process scan off).
    public var topProcesses = 5
    /// How often every process is scanned to find the top ones (at least the sampling interval);
    /// between scans only the top processes are counted again, every cycle.
    public var scanInterval: Duration = .seconds(30)

    public init() {}
}

/// The custom checks' settings.
public struct PluginConfig: Sendable, Equatable {
    /// The directory of check definitions (*.yaml).
    public var directory = "/etc/vitals/checks.d"
    /// The most plugins running at once; further due checks wait for a slot.
    public var maxConcurrent = 4
    /// Run the compiled-in checks (failed units, reboot required, clock sync, restart loops).
    public var builtinChecks = true
    /// The restart-loop check's interval, window and levels (`plugins.unit_restarts`).
    public var unitRestarts = RestartPolicy()

    public init() {}
}

/// A host and a port: where the metrics listener listens, an SMTP server of a failover list.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, an IPv6 host in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// `host:port` or `[v6]:port` with a port of 1-65535; nil otherwise.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex, let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = Substring(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { return nil }
        self.init(host: String(host), port: port)
    }
}

/// A TCP address to listen on (`metrics.listen`).
public typealias ListenAddress = HostPort
