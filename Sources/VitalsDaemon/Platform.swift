public import VitalsCore
import VitalsProcFS

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

/// Where the status socket lives.
public enum DefaultPaths {
    /// The system agent's socket, in the unit's RuntimeDirectory=vitals.
    public static let systemSocket = "/run/vitals/vitals.sock"

    /// Where the agent listens: `$RUNTIME_DIRECTORY/vitals.sock` under systemd (RuntimeDirectory=),
    /// /run/vitals/vitals.sock as root, else `$XDG_RUNTIME_DIR/vitals.sock` (or
    /// /tmp/vitals-UID.sock when XDG_RUNTIME_DIR is unset).
    public static func socket(environment: [String: String]) -> String {
        if let dir = systemdDirectory("RUNTIME_DIRECTORY", environment) { return dir + "/vitals.sock" }
        if getuid() == 0 { return systemSocket }
        return userSocket(environment: environment)
    }

    /// Where a client looks: the system agent's socket when it exists (root, or a member of group
    /// vitals, talking to the service), else this user's own agent.
    public static func clientSocket(environment: [String: String]) -> String {
        // /run/vitals is 0750: its existence is visible to all, so a non-member is told "permission denied" for the right socket.
        if getuid() == 0 || access("/run/vitals", F_OK) == 0 { return systemSocket }
        return userSocket(environment: environment)
    }

    /// The first entry of a directory list systemd sets (`RUNTIME_DIRECTORY=/run/a:/run/b`).
    static func systemdDirectory(_ name: String, _ environment: [String: String]) -> String? {
        guard let first = environment[name]?.split(separator: ":").first, !first.isEmpty else { return nil }
        return String(first)
    }

    static func userSocket(environment: [String: String]) -> String {
        if let dir = environment["XDG_RUNTIME_DIR"], !dir.isEmpty { return dir + "/vitals.sock" }
        return "/tmp/vitals-\(getuid()).sock"
    }

    /// Where alert state lives: `$STATE_DIRECTORY` under systemd (StateDirectory=vitals), else
    /// /var/lib/vitals as root, else `$XDG_STATE_HOME/vitals`, else ./.vitals.
    public static func stateDirectory(environment: [String: String]) -> String {
        if let dir = systemdDirectory("STATE_DIRECTORY", environment) { return dir }
        if getuid() == 0 { return "/var/lib/vitals" }
        if let dir = environment["XDG_STATE_HOME"], !dir.isEmpty { return dir + "/vitals" }
        return "./.vitals"
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

/// The host's name, for the `instance` label.
public enum Hostname {
    public static func current() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        return String(cBuffer: buf)
    }
}

/// The host's clocks: CLOCK_MONOTONIC (as `ContinuousClock`) and CLOCK_REALTIME.
public struct SystemTime: TimeSource {
    public init() {}
    public var now: ContinuousClock.Instant { .now }
    public var wall: Double { WallClock.now() }
    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await ContinuousClock().sleep(until: deadline, tolerance: nil)
    }
}

extension AgentClock {
    /// The agent's clock on the host's own time.
    public static let system = AgentClock(source: SystemTime())
}

/// The file pages that only start-up needed stay mapped, and counted in the agent's RSS, until the
/// kernel needs the memory: the executable's code and data (argument parsing, the configuration
/// loader, the first cycle's one-off work; with fault-around each touched page maps up to 64 KiB of
/// neighbours) and the shared libraries' symbol tables, read once by the dynamic linker (vitals
/// binds every symbol at start, `-z now`). Once the agent runs steadily it asks the kernel to take
/// them back (`MADV_PAGEOUT`, Linux 5.4+); those the loops use come back at their next touch (a
/// minor fault while they are in the page cache), the others stay out. Pages another process maps
/// too (most of libc) the kernel leaves alone, and so are the pages the agent has written (the
/// relocated data): without swap they could not go anywhere, with it they would go to swap.
/// Issue 17: about 5 MiB of RSS for the executable's read-only pages, and about 1 MiB more for
/// the clean pages of its data and the libraries' tables.
public enum StartupPages {
    /// When start-up's pages go back: after the first `cycles` cycles (argument parsing, the
    /// configuration loader, the first cycle), and once more after `settle`. The first runs of
    /// the compiled-in checks (spread over their first 30 s), the first process scan and the
    /// first state writes come after the first cycles, and their code, touched once, stayed
    /// mapped: 2 MB of a 6 MB resident text (issue 17).
    public struct Schedule: Sendable, Equatable {
        public var cycles: UInt64 = 3
        public var settle: Duration = .seconds(120)
        public private(set) var released = 0

        public init() {}

        /// Whether to release now, at cycle `cycle` (from 1), `uptime` after the first one began.
        public mutating func due(cycle: UInt64, uptime: Duration) -> Bool {
            switch released {
            case 0 where cycle >= cycles, 1 where uptime >= settle:
                released += 1
                return true
            default:
                return false
            }
        }
    }

    /// One mapping of /proc/self/maps that is backed by a file.
    struct FileMapping: Equatable {
        var start: UInt
        var end: UInt
        var writable: Bool
        var path: String
    }

    /// The file-backed mappings of a /proc/PID/maps text ("start-end perms offset dev inode path");
    /// anonymous ones, `[heap]`, `[vdso]` and the like are left out.
    static func fileMappings(_ maps: [UInt8]) -> [FileMapping] {
        var found: [FileMapping] = []
        for line in maps.split(separator: 0x0A) {
            let fields = line.split(separator: 0x20, maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[1].first == UInt8(ascii: "r") else { continue }
            let path = fields[5].drop(while: { $0 == 0x20 })
            guard path.first == UInt8(ascii: "/") else { continue }
            let range = fields[0].split(separator: 0x2D)
            guard range.count == 2, let start = UInt(String(decoding: range[0], as: UTF8.self), radix: 16),
                let end = UInt(String(decoding: range[1], as: UTF8.self), radix: 16), end > start
            else { continue }
            let writable = fields[1].dropFirst().first == UInt8(ascii: "w")
            found.append(FileMapping(start: start, end: end, writable: writable, path: String(decoding: path, as: UTF8.self)))
        }
        return found
    }

    /// The runs of pages, as (first page index, count), whose /proc/self/pagemap entry says present
    /// and file-backed (bits 63 and 61): in a private writable mapping, the pages not yet written.
    static func cleanFileRuns(_ entries: [UInt64]) -> [(first: Int, count: Int)] {
        var runs: [(first: Int, count: Int)] = []
        var open: Int?
        for (i, e) in entries.enumerated() {
            let clean = e & (1 << 63) != 0 && e & (1 << 61) != 0
            if clean, open == nil { open = i }
            if !clean, let o = open {
                runs.append((o, i - o))
                open = nil
            }
        }
        if let o = open { runs.append((o, entries.count - o)) }
        return runs
    }

    /// Advises the process's file-backed pages away: the read-only mappings whole, the writable
    /// private ones (the executable's and libraries' data) only where a page is still the file's.
    /// Returns the bytes advised (0 when the kernel refuses, e.g. before 5.4: nothing else changes).
    @discardableResult
    public static func release() -> Int {
        guard let maps = readAll("/proc/self/maps") else { return 0 }
        let pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
        defer { if pagemap >= 0 { close(pagemap) } }
        let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
        var advised = 0
        for m in fileMappings(maps) {
            if !m.writable {
                advised += pageOut(m.start, m.end - m.start)
                continue
            }
            // At most a few MiB of data: one pagemap read of 8 bytes per page.
            let pages = Int((m.end - m.start) / page)
            guard pagemap >= 0, pages > 0, pages <= 1 << 16 else { continue }
            var entries = [UInt64](repeating: 0, count: pages)
            let want = pages * 8
            let got = entries.withUnsafeMutableBytes { pread(pagemap, $0.baseAddress!, want, off_t(m.start / page * 8)) }
            guard got == want else { continue }
            for run in cleanFileRuns(entries) {
                advised += pageOut(m.start + UInt(run.first) * page, UInt(run.count) * page)
            }
        }
        return advised
    }

    /// MADV_PAGEOUT (21; not every libc's headers name it) over one range; the bytes advised.
    private static func pageOut(_ start: UInt, _ length: UInt) -> Int {
        guard let address = UnsafeMutableRawPointer(bitPattern: start) else { return 0 }
        return madvise(address, Int(length), 21) == 0 ? Int(length) : 0
    }

    /// A small /proc file whole (maps is a few KiB, refused past 4 MiB), or nil.
    static func readAll(_ path: String) -> [UInt8]? {
        var buffer: [UInt8] = []
        guard let n = try? Syscalls.readFile(path, into: &buffer, maxBytes: 4 << 20) else { return nil }
        return Array(buffer[..<n])
    }
}
