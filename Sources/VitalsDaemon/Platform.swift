#if canImport(Glibc)
import Glibc
#endif

/// Clock readings the daemon's wiring needs (logic never reads clocks; it is handed these).
public enum Monotonic {
    /// CLOCK_MONOTONIC in microseconds, as systemd's MONOTONIC_USEC wants it.
    public static func micros() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }
}

/// Wall-clock time.
public enum WallClock {
    /// Seconds since the Unix epoch.
    @Sendable public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// Where the status socket lives: /run/vitals/vitals.sock as root, $XDG_RUNTIME_DIR/vitals.sock
/// otherwise (or /tmp/vitals-UID.sock when XDG_RUNTIME_DIR is unset).
public enum DefaultPaths {
    public static func socket(environment: [String: String]) -> String {
        if getuid() == 0 { return "/run/vitals/vitals.sock" }
        if let dir = environment["XDG_RUNTIME_DIR"], !dir.isEmpty { return dir + "/vitals.sock" }
        return "/tmp/vitals-\(getuid()).sock"
    }

    /// The process environment as a dictionary.
    public static func environment() -> [String: String] {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return env
    }
}
