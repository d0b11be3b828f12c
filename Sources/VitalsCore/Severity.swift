/// The state of one check, as an operator reads it.
///
/// `unknown` means the value could not be measured (the reason says why); `stale` means no fresh
/// result arrived for twice the check's interval. Neither ever turns into `ok` silently: a check
/// leaves them only through a new, real evaluation.
public enum Severity: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case ok, warning, critical, unknown, stale

    /// How bad the state is, for "worst of" decisions: critical outranks unknown and stale, which
    /// outrank warning.
    public var rank: Int {
        switch self {
        case .ok: 0
        case .warning: 1
        case .stale: 2
        case .unknown: 3
        case .critical: 4
        }
    }

    /// The monitoring-plugins exit code for this state (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
    public var pluginExitCode: Int32 {
        switch self {
        case .ok: 0
        case .warning: 1
        case .critical: 2
        case .unknown, .stale: 3
        }
    }

    public var description: String { rawValue }

    /// Ok, warning or critical: a real reading. Unknown and stale are not (the one predicate for
    /// "unknown or stale" everywhere).
    public var isKnown: Bool { self == .ok || self == .warning || self == .critical }

    /// Warning or critical.
    public var isProblem: Bool { self == .warning || self == .critical }

    /// The worst of a list of states; `ok` for an empty list.
    public static func worst<S: Sequence>(_ states: S) -> Severity where S.Element == Severity {
        states.max(by: { $0.rank < $1.rank }) ?? .ok
    }
}
