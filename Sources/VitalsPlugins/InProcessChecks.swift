import CHost
public import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// A check compiled into vitals: it runs on the plugin pool like a plugin (so it may block
/// briefly) and answers in the same terms. Add one by conforming and listing it in
/// `InProcessChecks.all`.
public protocol Check: Sendable {
    /// The `check` label; unique among all checks.
    var name: String { get }
    var interval: Duration { get }
    /// One evaluation.
    func run() -> PluginResult
    /// One evaluation with the arguments its definition carries after `vitals:<name>` (the
    /// operator's settings for it); without any, `run()`.
    func run(arguments: [String]) -> PluginResult
}

extension Check {
    public func run(arguments: [String]) -> PluginResult { run() }
}

/// The in-process checks every host gets (unless `plugins.builtin_checks: false`).
public enum InProcessChecks {
    public static let all: [any Check] = [FailedUnitsCheck(), RebootRequiredCheck(), ClockSyncCheck(), UnitRestartsCheck.shared]

    /// The check a definition stands for, when it is one of these.
    public static func check(for definition: CheckDefinition) -> (any Check)? {
        guard let first = definition.command.first, first.hasPrefix("vitals:") else { return nil }
        return all.first { "vitals:\($0.name)" == definition.command[0] }
    }
}

/// systemd units in state "failed" (asked over the system bus): critical, naming them.
public struct FailedUnitsCheck: Check {
    public let name = "failed_units"
    public let interval: Duration = .seconds(60)

    public init() {}

    public func run() -> PluginResult {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = vitals_failed_units(&buf, buf.count)
        let text = String(cBuffer: buf)
        if n == VITALS_NOT_APPLICABLE { return .notApplicable(text) }
        guard n >= 0 else {
            return PluginResult(severity: .unknown, message: "failed units unknown: \(text) (is dbus running? systemctl status dbus)")
        }
        let names = text.split(separator: "\n").map(String.init)
        return Self.result(count: Int(n), names: names)
    }

    static func result(count: Int, names: [String]) -> PluginResult {
        guard count > 0 else { return PluginResult(severity: .ok, message: "no failed systemd units") }
        let shown = names.prefix(10).joined(separator: ", ")
        let more = count > 10 ? " and \(count - 10) more" : ""
        return PluginResult(
            severity: .critical,
            message:
                "\(count) failed systemd unit\(count == 1 ? "" : "s"): \(shown)\(more) (systemctl status \(names.first ?? ""); systemctl reset-failed once fixed)",
            perfData: [PerfDatum(label: "failed_units", value: Double(count), min: 0)])
    }
}

/// /run/reboot-required (Debian's update-notifier convention): warning, naming the packages.
public struct RebootRequiredCheck: Check {
    public let name = "reboot_required"
    public let interval: Duration = .seconds(300)
    let directory: String

    public init(directory: String = "/run") { self.directory = directory }

    public func run() -> PluginResult {
        var st = stat()
        guard stat(directory + "/reboot-required", &st) == 0 else {
            return PluginResult(severity: .ok, message: "no reboot required")
        }
        var packages: [String] = []
        if let f = fopen(directory + "/reboot-required.pkgs", "r") {
            defer { fclose(f) }
            var line = [CChar](repeating: 0, count: 256)
            while packages.count < 50, fgets(&line, Int32(line.count), f) != nil {
                let p = String(cBuffer: line).filter { !$0.isNewline }
                if !p.isEmpty && !packages.contains(p) { packages.append(p) }
            }
        }
        let by = packages.isEmpty ? "" : " by \(packages.prefix(10).joined(separator: ", "))\(packages.count > 10 ? " and more" : "")"
        return PluginResult(severity: .warning, message: "reboot required\(by) (since \(Self.time(Double(st.st_mtim.tv_sec))))")
    }

    static func time(_ t: Double) -> String {
        var tt = time_t(t)
        var parts = tm()
        gmtime_r(&tt, &parts)
        var buf = [CChar](repeating: 0, count: 32)
        strftime(&buf, buf.count, "%Y-%m-%d %H:%M UTC", &parts)
        return String(cBuffer: buf)
    }
}

/// Whether the clock is synchronised, asked where the sandbox allows: the kernel (adjtimex, as
/// timedatectl's NTPSynchronized) when permitted; under the shipped unit, whose `ProtectClock=`
/// forbids adjtimex, systemd-timedated's `NTPSynchronized` over the system bus (timedated reads
/// the same kernel state); without a bus, systemd-timesyncd's `/run/systemd/timesync/synchronized`.
/// Warning when not synchronised, naming the source and whether an NTP service runs.
public struct ClockSyncCheck: Check {
    public let name = "clock_sync"
    public let interval: Duration = .seconds(120)

    /// One way of asking; each returns nil when it cannot answer here, with the reason.
    public struct Sources: Sendable {
        /// adjtimex: 1 synchronised, 0 not, -errno on error; the max error in microseconds.
        var kernel: @Sendable () -> (state: Int32, maxErrorMicros: Int)
        /// timedated: (synchronised, NTP service on (nil: not said)) or the reason it did not answer.
        var timedated: @Sendable () -> Result<(Bool, Bool?), ClockSourceError>
        /// Seconds since timesyncd marked the clock synchronised, nil when it never did.
        var timesyncdAge: @Sendable () -> Int?
    }

    /// Why a source could not answer.
    public struct ClockSourceError: Error, Sendable { var text: String }

    let sources: Sources

    public init() {
        sources = Sources(
            kernel: {
                var maxError = 0
                let s = vitals_clock_synchronized(&maxError)
                return (s, maxError)
            },
            timedated: {
                var synced: Int32 = 0
                var ntp: Int32 = -1
                var buf = [CChar](repeating: 0, count: 512)
                let r = vitals_timedated_ntp(&synced, &ntp, &buf, buf.count)
                guard r == 0 else { return .failure(ClockSourceError(text: String(cBuffer: buf))) }
                return .success((synced == 1, ntp < 0 ? nil : ntp == 1))
            },
            timesyncdAge: {
                let age = vitals_timesyncd_synchronized_age()
                return age < 0 ? nil : Int(age)
            })
    }

    init(sources: Sources) { self.sources = sources }

    public func run() -> PluginResult {
        let (s, maxError) = sources.kernel()
        let perf = [PerfDatum(label: "maxerror", value: Double(maxError) / 1e6, unit: "s", min: 0)]
        switch s {
        case 1:
            return PluginResult(
                severity: .ok, message: "clock synchronised (max error \(Units.formatNumber(Double(maxError) / 1000)) ms)", perfData: perf)
        case 0:
            return PluginResult(
                severity: .warning,
                message:
                    "clock not synchronised (max error \(Units.formatNumber(Double(maxError) / 1e6)) s); is an NTP client (systemd-timesyncd, chrony) running?",
                perfData: perf)
        default:
            break
        }
        let kernelError = String(cString: strerror(-s))
        // adjtimex refused (the unit's ProtectClock=): ask systemd-timedated, which may.
        let bus: String
        switch sources.timedated() {
        case .success((true, _)):
            return PluginResult(severity: .ok, message: "clock synchronised (systemd-timedated: NTPSynchronized=yes)")
        case .success((false, let ntp)):
            let service =
                switch ntp {
                case true?: "an NTP service is enabled but has not synchronised yet (timedatectl timesync-status)"
                case false?: "no NTP service is enabled: install and start one (systemd-timesyncd or chrony)"
                case nil: "is an NTP client (systemd-timesyncd, chrony) running?"
                }
            return PluginResult(severity: .warning, message: "clock not synchronised (systemd-timedated: NTPSynchronized=no); \(service)")
        case .failure(let e):
            bus = e.text
        }
        if let age = sources.timesyncdAge() {
            // timesyncd marks every synchronisation; its longest poll interval is 34 minutes.
            let ago = Units.formatDuration(.seconds(Int64(age)))
            return age <= 3600
                ? PluginResult(severity: .ok, message: "clock synchronised (systemd-timesyncd, last synchronisation \(ago) ago)")
                : PluginResult(
                    severity: .warning,
                    message: "clock last synchronised by systemd-timesyncd \(ago) ago (timedatectl timesync-status)")
        }
        return PluginResult(
            severity: .unknown,
            message:
                "clock state unknown: adjtimex: \(kernelError) (the unit's ProtectClock=); systemd-timedated: \(bus); no systemd-timesyncd mark in /run/systemd/timesync"
        )
    }
}
