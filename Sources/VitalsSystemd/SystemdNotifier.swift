import CSystemd

/// Talks to the service manager through sd_notify. Every call is a no-op when vitals does not run
/// under systemd (no NOTIFY_SOCKET).
public struct SystemdNotifier: Sendable {
    public init() {}

    /// Sends a raw state string such as "READY=1\nSTATUS=..."; returns true when it was delivered.
    @discardableResult
    public func notify(_ state: String) -> Bool { sd_notify(0, state) > 0 }

    /// READY=1 with a status line.
    public func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }

    /// STATUS=<one line>.
    public func status(_ line: String) { notify("STATUS=\(line)") }

    /// The watchdog timeout systemd set for this process (WatchdogSec=, via WATCHDOG_USEC and
    /// WATCHDOG_PID), or nil when no watchdog is armed for it.
    public func watchdogTimeout() -> Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(usec))
    }

    /// WATCHDOG=1.
    public func watchdogPing() { notify("WATCHDOG=1") }

    /// STOPPING=1.
    public func stopping() { notify("STOPPING=1") }

    /// RELOADING=1 with the monotonic time systemd 253+ expects; then `ready` when done.
    public func reloading(monotonicMicros: UInt64) { notify("RELOADING=1\nMONOTONIC_USEC=\(monotonicMicros)") }
}
