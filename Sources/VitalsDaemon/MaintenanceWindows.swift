import Synchronization
import VitalsConfig
public import VitalsCore

/// Places recurring silences (maintenance windows, issue 19) on the window in force, with each
/// calendar event parsed and its time zone read once (a handful per configuration).
public final class MaintenanceWindows: Sendable {
    /// The one the agent's alert stage and status socket share.
    public static let shared = MaintenanceWindows()
    private let parsed = Mutex<[String: (spec: CalendarSpec, zone: ZoneRules)?]>([:])

    public init() {}

    /// The event's parse and zone; nil when it cannot be read here (it was checked when it was
    /// added, so only a zone file that went away gets here; the window then never opens).
    public func resolve(_ every: String) -> (spec: CalendarSpec, zone: ZoneRules)? {
        if let known = parsed.withLock({ $0[every] }) { return known }
        let made: (spec: CalendarSpec, zone: ZoneRules)?
        if let spec = try? CalendarSpec(every), let zone = try? ZoneInfo.load(spec.zone) {
            made = (spec, zone)
        } else {
            made = nil
        }
        parsed.withLock { if $0.count < 256 { $0[every] = made } }
        return made
    }

    /// The controls as they stand at `wall`, with the configuration's windows.
    public func effective(_ controls: AlertControls, config: Config, wall: Double) -> AlertControls {
        controls.effective(adding: config.maintenance.map(\.silence)) { materialize($0, at: wall) }
    }

    /// One silence as it stands at `wall` (a recurring one on its window in force or next).
    public func materialize(_ s: Silence, at wall: Double) -> Silence {
        guard let every = s.every else { return s }
        guard let (spec, zone) = resolve(every) else {
            var never = s
            never.startsAt = s.endsAt
            return never
        }
        return s.materialized(at: wall, spec: spec, zone: zone)
    }

    /// The next `count` window starts of a recurring silence after `wall`.
    public func nextWindows(_ s: Silence, after wall: Double, count: Int) -> [Double] {
        guard let every = s.every, let (spec, zone) = resolve(every) else { return [] }
        return s.nextWindows(after: wall, count: count, spec: spec, zone: zone)
    }
}
