/// Paths of the checked-in fixtures under `Tests/Fixtures`, found from this source file's location
/// so tests run from any working directory.
public enum Fixtures {
    /// The `Tests/Fixtures` directory.
    public static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)  // Sources/VitalsTestKit/Fixtures.swift
        return parts.joined(separator: "/") + "/Tests/Fixtures"
    }()

    /// The package root (where Package.swift is).
    public static var packageRoot: String {
        String(root.dropLast("/Tests/Fixtures".count))
    }

    /// A fixture path: `Fixtures.path("proc/debian12")`.
    public static func path(_ relative: String) -> String { root + "/" + relative }
}
