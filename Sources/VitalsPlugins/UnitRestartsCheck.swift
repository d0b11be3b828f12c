import CHost
import Synchronization
public import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 19: services in a restart loop, asked over the system bus (`NRestarts` and `Result` of
/// every loaded service). It keeps the counts it read across its runs (`RestartHistory`), so one
/// instance serves the agent; `vitals check run unit_restarts` has no earlier reading and counts
/// from its own run.
public final class UnitRestartsCheck: Check {
    public let name = "unit_restarts"
    public var interval: Duration { RestartPolicy().interval }
    /// The one the agent's plugin runs share.
    public static let shared = UnitRestartsCheck()
    private let history = Mutex(RestartHistory())
    private let read: @Sendable () -> Answer
    private let now: @Sendable () -> Double

    /// What systemd said: the services with restarts, or the check's answer when it could not
    /// be asked (not applicable, unknown).
    public enum Answer: Sendable {
        case services([ServiceRestarts])
        case cannotAsk(PluginResult)
    }

    /// `read` asks systemd (the default) or gives a test's answer; `now` is the wall clock.
    public init(
        read: @escaping @Sendable () -> Answer = UnitRestartsCheck.askSystemd, now: @escaping @Sendable () -> Double = UnitRestartsCheck.wallNow
    ) {
        self.read = read
        self.now = now
    }

    public func run() -> PluginResult { run(arguments: []) }

    public func run(arguments: [String]) -> PluginResult {
        let policy = RestartPolicy(arguments: arguments)
        switch read() {
        case .cannotAsk(let answer): return answer
        case .services(let units):
            let at = now()
            let loops = history.withLock { $0.observe(units, at: at, window: policy.window) }
            return RestartHistory.result(loops, policy: policy)
        }
    }

    /// The services with automatic restarts, from systemd over the system bus.
    @Sendable public static func askSystemd() -> Answer {
        var buf = [CChar](repeating: 0, count: 64 * 1024)
        let n = vitals_service_restarts(&buf, buf.count, Int32(RestartHistory.maxUnits))
        let text = String(cBuffer: buf)
        if n == VITALS_NOT_APPLICABLE { return .cannotAsk(.notApplicable(text)) }
        guard n >= 0 else {
            return .cannotAsk(PluginResult(severity: .unknown, message: "restarts unknown: \(text) (is dbus running? systemctl status dbus)"))
        }
        return .services(ServiceRestarts.parse(text))
    }

    /// Seconds since the Unix epoch.
    @Sendable public static func wallNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
