/// A check vitals evaluates against thresholds on every host, with the defaults an operator gets
/// on a fresh install. Each family declares its own checks in its family file
/// (`Sources/VitalsCore/Families`), so a new family adds its checks where its observations are.
///
/// Defaults follow the anchors (shared/reference/anchors.md): Netdata's ram/swap/inode levels and
/// clear points, the node_exporter mixin's file-descriptor levels, Netdata/Zabbix-style free-space
/// floors for disks so a big disk does not page at a percentage with hundreds of GB free.
public struct BuiltinCheck: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    /// The check's name in the configuration, the labels and the API ("disk", "pressure_io").
    public let rawValue: String
    /// One line for docs and `config show`: what the value is.
    public let summary: String
    /// The default thresholds.
    public let defaultSpec: ThresholdSpec
    /// Whether per-mount overrides (`thresholds.<check>.mounts`) apply.
    public let perMount: Bool
    /// Whether the check's value is a percentage (0-100), so its levels are too.
    public let isPercent: Bool
    /// Whether the check watches one systemd unit per instance: overrides per unit glob
    /// (`thresholds.<check>.units`) apply, and its alerts carry a `unit` label.
    public let perUnit: Bool

    public init(
        _ name: String, summary: String, defaultSpec: ThresholdSpec, perMount: Bool = false, isPercent: Bool = true, perUnit: Bool = false
    ) {
        rawValue = name
        self.summary = summary
        self.defaultSpec = defaultSpec
        self.perMount = perMount
        self.isPercent = isPercent
        self.perUnit = perUnit
    }

    /// The built-in check of that name, if there is one.
    public init?(rawValue: String) {
        guard let c = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = c
    }

    /// Every built-in check, family by family in `HostSnapshot.families` order.
    public static let allCases: [BuiltinCheck] = HostSnapshot.families.flatMap { $0.checks }

    public var description: String { rawValue }

    public static func == (a: BuiltinCheck, b: BuiltinCheck) -> Bool { a.rawValue == b.rawValue }
    public func hash(into h: inout Hasher) { h.combine(rawValue) }
}
