/// Which side of a limit is bad.
public enum ThresholdDirection: String, Sendable, Codable {
    /// Values above the limit are bad (usage, load).
    case above
    /// Values below the limit are bad (free space, available memory).
    case below
}

/// How long a new state must hold before the check changes to it.
public enum Debounce: Sendable, Equatable, CustomStringConvertible {
    /// N consecutive samples in the new state (1 = at once).
    case samples(Int)
    /// The new state held continuously for this long.
    case duration(Duration)

    public var description: String {
        switch self {
        case .samples(let n): "\(n)"
        case .duration(let d): Units.formatDuration(d)
        }
    }
}

/// One severity level of a threshold: where it starts and where it ends again (hysteresis).
public struct Level: Sendable, Equatable {
    /// The level is entered when the value passes this limit.
    public var trigger: Double
    /// Once entered, the level holds until the value is back past this limit.
    public var clear: Double
    /// Disks only: the level also needs free bytes below this floor, so a large disk does not page
    /// at a percentage while hundreds of GB are free. Cleared once free space is 10 % above it.
    public var freeBelow: Double?

    public init(trigger: Double, clear: Double, freeBelow: Double? = nil) {
        self.trigger = trigger
        self.clear = clear
        self.freeBelow = freeBelow
    }
}

/// Warning and critical levels of one check with their debounce. A check with neither level is
/// measured and shown, but never leaves `ok`.
public struct ThresholdSpec: Sendable, Equatable {
    public var warning: Level?
    public var critical: Level?
    public var direction: ThresholdDirection
    /// Debounce before moving to a worse state.
    public var raiseAfter: Debounce
    /// Debounce before moving to a better state.
    public var clearAfter: Debounce
    /// A disabled check is not evaluated at all.
    public var enabled: Bool

    public init(
        warning: Level? = nil, critical: Level? = nil, direction: ThresholdDirection = .above,
        raiseAfter: Debounce = .samples(1), clearAfter: Debounce = .samples(1), enabled: Bool = true
    ) {
        self.warning = warning
        self.critical = critical
        self.direction = direction
        self.raiseAfter = raiseAfter
        self.clearAfter = clearAfter
        self.enabled = enabled
    }

    /// The level a value is at, given the state the check is in now (hysteresis: a level that is
    /// active holds until its clear limit is passed).
    public func level(of value: Double, free: Double?, current: Severity) -> Severity {
        if let critical, holds(critical, value: value, free: free, active: current == .critical) { return .critical }
        if let warning,
            holds(warning, value: value, free: free, active: current == .warning || current == .critical)
        {
            return .warning
        }
        return .ok
    }

    private func holds(_ level: Level, value: Double, free: Double?, active: Bool) -> Bool {
        let limit = active ? level.clear : level.trigger
        let beyond = direction == .above ? value > limit : value < limit
        guard beyond else { return false }
        guard let floor = level.freeBelow, let free else { return true }
        return free < (active ? floor * 1.1 : floor)
    }
}
