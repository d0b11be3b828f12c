import Synchronization
public import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reads time zones for calendar events (issue 19) from the tz database Debian installs
/// (tzdata: /usr/share/zoneinfo), and the host's own zone from /etc/localtime (what systemd uses
/// for an event without a zone). Zones are read once and kept.
public enum ZoneInfo {
    /// Where Debian's tzdata puts the zones.
    public static let directory = "/usr/share/zoneinfo"
    private static let cache = ZoneCache()

    /// The zone `name` ("Europe/Berlin", "UTC"), or the host's local zone when nil.
    public static func load(_ name: String?, directory: String = ZoneInfo.directory) throws(VitalsError) -> ZoneRules {
        let key = (name ?? "") + "\u{0}" + directory
        if let z = cache.get(key) { return z }
        let z: ZoneRules
        if let name {
            if name == "UTC" || name == "Etc/UTC" {
                z = .utc
            } else {
                guard ZoneRules.isValidName(name) else {
                    throw VitalsError(.config, "\"\(name)\" is not a time zone name such as Europe/Berlin or UTC")
                }
                z = try read(directory + "/" + name, name: name)
            }
        } else {
            z = try localZone(directory: directory)
        }
        cache.set(key, z)
        return z
    }

    /// /etc/localtime, named by the zone its link points at ("Europe/Berlin"); UTC when the host has none.
    static func localZone(directory: String) throws(VitalsError) -> ZoneRules {
        var buf = [CChar](repeating: 0, count: 512)
        let n = readlink("/etc/localtime", &buf, buf.count - 1)
        var name = "localtime"
        if n > 0 {
            let target = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let marker = Array("zoneinfo/".utf8)
            let t = Array(target.utf8)
            if let i = t.indices.first(where: { t[$0...].starts(with: marker) }) {
                name = String(decoding: t[(i + marker.count)...], as: UTF8.self)
            }
        }
        if access("/etc/localtime", R_OK) != 0 { return .utc }
        if name == "Etc/UTC" || name == "UTC" { return .utc }
        return try read("/etc/localtime", name: name)
    }

    static func read(_ path: String, name: String) throws(VitalsError) -> ZoneRules {
        guard let f = fopen(path, "re") else {
            let e = errno
            throw VitalsError(
                .config,
                "unknown time zone \"\(name)\": cannot read \(path) (\(String(cString: strerror(e)))); is tzdata installed? (ls \(directory))",
                osError: e)
        }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while bytes.count <= 1 << 20 {
            let n = fread(&chunk, 1, chunk.count, f)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return try ZoneRules.parse(bytes, name: name)
    }
}

/// The zones read so far (a handful at most: one per zone named in the configuration).
final class ZoneCache: Sendable {
    private let zones = Mutex<[String: ZoneRules]>([:])

    func get(_ key: String) -> ZoneRules? { zones.withLock { $0[key] } }

    func set(_ key: String, _ z: ZoneRules) { zones.withLock { if $0.count < 64 { $0[key] = z } } }
}
