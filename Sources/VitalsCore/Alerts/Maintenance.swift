/// Issue 19: maintenance windows, recurring silences whose windows start at a calendar event in
/// systemd's syntax (`Sun *-*-* 02:00 Europe/Berlin`) and last a set time. Written in vitals.yaml
/// (`maintenance:`) or added with `vitals silence add --every ... --for 2h`. The alert pipeline
/// sees each as a plain silence for the window in force (`materialized`), so what it mutes and
/// what happens when it ends are a silence's: a problem still there when the window ends is
/// notified at the next evaluation, not held back until a repeat (alertmanager#3367).
public struct MaintenanceWindow: Sendable, Equatable {
    public var name: String
    public var matchers: [LabelMatcher]
    /// The calendar event as written, and parsed.
    public var every: String
    public var spec: CalendarSpec
    public var length: Duration
    public var comment: String

    public init(name: String, matchers: [LabelMatcher], every: String, spec: CalendarSpec, length: Duration, comment: String) {
        self.name = name
        self.matchers = matchers
        self.every = every
        self.spec = spec
        self.length = length
        self.comment = comment
    }

    /// The window as a recurring silence, in force for as long as the configuration says so.
    public var silence: Silence {
        Silence(
            id: "maintenance-\(name)", matchers: matchers, startsAt: 0, endsAt: Self.configuredEnd, createdBy: "vitals.yaml",
            comment: comment, createdAt: 0, every: every, windowSeconds: length.seconds)
    }

    /// The end given to windows from the configuration (2100-01-01): they last while written there.
    public static let configuredEnd: Double = 4_102_444_800
    /// Bounds on one window's length.
    public static let shortest: Duration = .seconds(60)
    public static let longest: Duration = .seconds(31 * 86400)
}

extension Silence {
    /// The silence as it stands at `wall`. A plain one is itself. A recurring one gets the
    /// window that holds `wall`, else the next one (then it is pending), clipped to its own span;
    /// past its span, or when no window comes within 10 years, it is expired.
    public func materialized(at wall: Double, spec: CalendarSpec, zone: ZoneRules) -> Silence {
        guard let length = windowSeconds, every != nil, wall < endsAt else { return self }
        var s = self
        guard let start = spec.next(after: max(wall, startsAt) - length, zone: zone), start < endsAt else {
            s.startsAt = endsAt
            return s
        }
        s.startsAt = max(start, startsAt)
        s.endsAt = min(start + length, endsAt)
        return s
    }

    /// The starts of the next `count` windows after `wall` (for `vitals silence list`).
    public func nextWindows(after wall: Double, count: Int, spec: CalendarSpec, zone: ZoneRules) -> [Double] {
        guard windowSeconds != nil else { return [] }
        var out: [Double] = []
        var t = max(wall, startsAt)
        while out.count < count, let n = spec.next(after: t, zone: zone), n < endsAt {
            out.append(n)
            t = n
        }
        return out
    }
}
