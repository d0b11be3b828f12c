/// Environment variables that override single keys after the file.
///
/// The rule: `VITALS_` + the key path in upper case, with `__` (two underscores) between levels;
/// single underscores stay part of a key. `VITALS_INTERVAL=30s` sets `interval`,
/// `VITALS_THRESHOLDS__DISK__CRITICAL=97` sets `thresholds.disk.critical`,
/// `VITALS_DISK__EXCLUDE_TYPES='[nfs4, cifs]'` sets a list. Values are read as YAML, so they are
/// validated exactly like the file, and errors name the variable.
public enum EnvironmentOverrides {
    public static let prefix = "VITALS_"

    /// The key path a variable stands for: `VITALS_THRESHOLDS__DISK__CRITICAL` -> thresholds, disk, critical.
    public static func path(of variable: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var chars = Substring(variable.dropFirst(prefix.count).lowercased())
        while let c = chars.first {
            if chars.hasPrefix("__") {
                parts.append(current)
                current = ""
                chars = chars.dropFirst(2)
            } else {
                current.append(c)
                chars = chars.dropFirst()
            }
        }
        parts.append(current)
        return parts
    }

    /// Lays every `VITALS_*` variable over the file's tree, in sorted order; a variable whose path
    /// crosses a non-mapping value is reported.
    public static func apply(_ environment: [String: String], to root: YAMLNode?) -> (YAMLNode?, [ConfigIssue]) {
        let overrides = environment.sorted(by: { $0.key < $1.key }).filter { $0.key.hasPrefix(prefix) && $0.key.count > prefix.count }
            .map { Override(source: .environment($0.key), path: path(of: $0.key), value: $0.value) }
        return apply(overrides, to: root)
    }

    /// One value laid over the file: from a variable or a command-line option.
    public struct Override: Sendable {
        public var source: ConfigSource
        public var path: [String]
        public var value: String

        public init(source: ConfigSource, path: [String], value: String) {
            self.source = source
            self.path = path
            self.value = value
        }
    }

    /// Lays overrides over the tree in order (later ones win).
    public static func apply(_ overrides: [Override], to root: YAMLNode?) -> (YAMLNode?, [ConfigIssue]) {
        var issues: [ConfigIssue] = []
        var tree = root
        for o in overrides {
            let (source, path, value) = (o.source, o.path, o.value)
            guard !path.contains("") else {
                issues.append(
                    ConfigIssue(source: source, path: "", message: "empty key in the variable name; separate levels with exactly two underscores"))
                continue
            }
            let node: YAMLNode
            do {
                node = try YAMLParser.parse(value, source: { _, _ in source }) ?? YAMLNode(.scalar("", plain: true), source: source)
            } catch {
                node = YAMLNode(.scalar(value, plain: false), source: source)
            }
            var base = tree ?? YAMLNode(.mapping([]), source: source)
            if insert(node, at: path[...], into: &base, source: source) {
                tree = base
            } else {
                issues.append(
                    ConfigIssue(
                        source: source, path: path.joined(separator: "."),
                        message: "the file sets a value, not a mapping, above this key; fix the file or the variable name"))
            }
        }
        return (tree, issues)
    }

    private static func insert(_ node: YAMLNode, at path: ArraySlice<String>, into target: inout YAMLNode, source: ConfigSource) -> Bool {
        if target.isNull { target = YAMLNode(.mapping([]), source: source) }
        guard case .mapping(var pairs) = target.kind, let key = path.first else { return false }
        let rest = path.dropFirst()
        if let i = pairs.lastIndex(where: { $0.key.scalar == key }) {
            if rest.isEmpty {
                pairs[i].value = node
            } else {
                var child = pairs[i].value
                guard insert(node, at: rest, into: &child, source: source) else { return false }
                pairs[i].value = child
            }
        } else {
            var child = node
            if !rest.isEmpty {
                child = YAMLNode(.mapping([]), source: source)
                guard insert(node, at: rest, into: &child, source: source) else { return false }
            }
            pairs.append((YAMLNode(.scalar(key, plain: true), source: source), child))
        }
        target.kind = .mapping(pairs)
        return true
    }
}
