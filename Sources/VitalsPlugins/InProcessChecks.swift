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
}

/// The in-process checks every host gets (unless `plugins.builtin_checks: false`).
public enum InProcessChecks {
    public static let all: [any Check] = [FailedUnitsCheck(), RebootRequiredCheck(), ClockSyncCheck()]

    /// The check a definition stands for, when it is one of these.
    public static func check(for definition: CheckDefinition) -> (any Check)? {
        guard definition.command.count == 1, definition.command[0].hasPrefix("vitals:") else { return nil }
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
        let text = String(cString: buf)
        guard n >= 0 else {
            return PluginResult(severity: .unknown, message: "failed units unknown: \(text) (is systemd running, with dbus?)")
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
            message: "\(count) failed systemd unit\(count == 1 ? "" : "s"): \(shown)\(more) (systemctl status \(names.first ?? ""); systemctl reset-failed once fixed)",
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
                let p = String(cString: line).filter { !$0.isNewline }
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
        return String(cString: buf)
    }
}

/// The kernel's view of clock synchronisation (adjtimex, as timedatectl's NTPSynchronized):
/// warning when it is not synchronised.
public struct ClockSyncCheck: Check {
    public let name = "clock_sync"
    public let interval: Duration = .seconds(120)
    let read: @Sendable () -> (synchronized: Int32, maxErrorMicros: Int)

    public init() {
        read = {
            var maxError = 0
            let s = vitals_clock_synchronized(&maxError)
            return (s, maxError)
        }
    }

    init(read: @escaping @Sendable () -> (synchronized: Int32, maxErrorMicros: Int)) { self.read = read }

    public func run() -> PluginResult {
        let (s, maxError) = read()
        let perf = [PerfDatum(label: "maxerror", value: Double(maxError) / 1e6, unit: "s", min: 0)]
        switch s {
        case 1: return PluginResult(severity: .ok, message: "clock synchronised (max error \(Units.formatNumber(Double(maxError) / 1000)) ms)", perfData: perf)
        case 0:
            return PluginResult(
                severity: .warning,
                message: "clock not synchronised (max error \(Units.formatNumber(Double(maxError) / 1e6)) s); is an NTP client (systemd-timesyncd, chrony) running?",
                perfData: perf)
        default: return PluginResult(severity: .unknown, message: "clock state unknown: adjtimex: \(String(cString: strerror(-s)))")
        }
    }
}
