public import VitalsCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// How the scan takes a process's open-descriptor count.
public enum FDCountMethod: String, Sendable, Codable {
    /// One `stat("/proc/PID/fd")`: its `st_size` is the count on Linux 6.2 and later.
    case statSize = "stat_size"
    /// open + getdents + close of `/proc/PID/fd`: Debian 12's 6.1 kernel, and fixture trees.
    case listing
}

/// The per-process file-descriptor scan at its cheapest (issue 17): `/proc` is listed through one
/// kept directory stream; each process costs one `fstatat` of `PID/fd` (the `st_size` count, or a
/// listing on kernels before 6.2); `/proc/PID/limits` is read only for a process not seen before,
/// and again every `limitsRefreshScans` scans. A process is known by its pid together with the
/// inode and change time of its `fd` directory, which the same `fstatat` returns: a reused pid is
/// a new directory, so its limit is read again (a process's start time would cost a read of
/// `/proc/PID/stat` each).
///
/// Nothing is allocated per process once the cache has grown to the host's process count: paths
/// are built in a fixed buffer, the limits file is read into one reused buffer, and only the top
/// `n` are kept while scanning. Not thread-safe: the owner serialises calls.
public final class ProcessScanner {
    /// The directory that stands for /proc.
    public let root: String
    /// The counting method, detected once at the first scan.
    public private(set) var method: FDCountMethod?
    /// A cached limit is read again after this many scans (`prlimit` can change it).
    public var limitsRefreshScans: Int

    /// What one scan saw.
    public struct Summary: Sendable, Equatable {
        /// Processes whose count was taken.
        public var counted = 0
        /// Processes whose fd directory or limits could not be read (permission).
        public var unreadable = 0
        /// `/proc/PID/limits` files read in this scan (the others came from the cache).
        public var limitsRead = 0
    }

    private struct Known {
        var identity: Identity
        var softLimit: Double
        var readAtScan: Int
        var seenAtScan: Int
    }

    private var directory: OpaquePointer?
    /// True when the root is procfs: a directory's change time there is fixed when the kernel
    /// makes its inode, so it tells a reused pid apart; in a fixture tree it moves with every
    /// entry added, so only the inode number is compared.
    private var onProcfs = false
    private var known: [Int32: Known] = [:]
    private var stale: [Int32] = []
    private var path = [CChar](repeating: 0, count: 64)
    private var buffer = [UInt8](repeating: 0, count: 4096)
    private var scans = 0

    /// A scanner of `root`; `method` forces a counting method instead of detecting it.
    public init(root: String, limitsRefreshScans: Int = 10, method: FDCountMethod? = nil) {
        self.root = root
        self.limitsRefreshScans = max(1, limitsRefreshScans)
        self.method = method
    }

    deinit { if let directory { closedir(directory) } }

    /// Processes whose limit is cached (at most the processes of the last scan).
    public var cachedProcesses: Int { known.count }

    /// Scans every process and returns the `n` closest to their soft RLIMIT_NOFILE, highest share
    /// first (ties by open count), with empty names (`names(_:)` fills them).
    public func scan(top n: Int) throws(VitalsError) -> (top: [ProcessFDs], summary: Summary) {
        let dir = try openDirectory()
        let method = detectMethod()
        scans += 1
        var summary = Summary()
        var top: [ProcessFDs] = []
        top.reserveCapacity(n + 1)
        rewinddir(dir)
        while let entry = readdir(dir) {
            guard let pid = Self.pid(entry) else { continue }
            guard let count = count(pid, method: method, summary: &summary) else { continue }
            guard let soft = softLimit(pid, identity: count.identity, summary: &summary) else { continue }
            summary.counted += 1
            Self.insert(ProcessFDs(pid: pid, name: "", open: count.open, limit: soft), into: &top, keeping: n)
        }
        forgetGone()
        return (top, summary)
    }

    /// Counts again the descriptors of processes found by the last scan (one `fstatat` each):
    /// between full scans the top list stays current. A process that exited or whose pid now
    /// belongs to another process is dropped; the list is re-ordered.
    public func remeasure(_ list: [ProcessFDs]) -> [ProcessFDs] {
        guard let method, (try? openDirectory()) != nil else { return list }
        var summary = Summary()
        var out: [ProcessFDs] = []
        for p in list {
            guard let count = count(p.pid, method: method, summary: &summary), let k = known[p.pid],
                k.identity == count.identity
            else { continue }
            Self.insert(ProcessFDs(pid: p.pid, name: p.name, open: count.open, limit: k.softLimit), into: &out, keeping: list.count)
        }
        return out
    }

    /// Reads `/proc/PID/comm` for each process of the list ("?" when it is gone).
    public func names(_ list: [ProcessFDs]) -> [ProcessFDs] {
        list.map { p in
            var q = p
            q.name = "?"
            if write("\(p.pid)/comm"), let fd = openRelative(O_RDONLY), fd >= 0 {
                defer { close(fd) }
                if let n = try? Syscalls.preadAll(fd, path: "comm", into: &buffer, maxBytes: 256) {
                    let bytes = buffer[..<n]
                    q.name = String(decoding: bytes.prefix { $0 != 0x0A }, as: UTF8.self)
                }
            }
            return q
        }
    }

    /// The open descriptors of the calling process (vitals' own), by the same method.
    public func ownCount() -> Int {
        guard (try? openDirectory()) != nil else { return 0 }
        var summary = Summary()
        return count(pidPath: "self", method: detectMethod(), summary: &summary)?.open ?? 0
    }

    // MARK: - counting

    private struct Identity: Equatable {
        var inode: UInt64
        var changed: Int
        var changedNanos: Int
    }

    private func count(_ pid: Int32, method: FDCountMethod, summary: inout Summary) -> (open: Int, identity: Identity)? {
        count(pidPath: pid, method: method, summary: &summary)
    }

    private func count(pidPath pid: some CustomStringConvertible, method: FDCountMethod, summary: inout Summary) -> (
        open: Int, identity: Identity
    )? {
        guard write(pid, "/fd") else { return nil }
        switch method {
        case .statSize:
            var st = stat()
            guard statRelative(&st) else {
                if errno == EACCES || errno == EPERM { summary.unreadable += 1 }
                return nil
            }
            return (Int(st.st_size), identity(st))
        case .listing:
            guard let fd = openRelative(O_RDONLY | O_DIRECTORY) else { return nil }
            guard fd >= 0 else {
                if errno == EACCES || errno == EPERM { summary.unreadable += 1 }
                return nil
            }
            var st = stat()
            guard fstat(fd, &st) == 0, let d = fdopendir(fd) else {
                close(fd)
                return nil
            }
            defer { closedir(d) }
            var n = 0
            while let e = readdir(d) {
                let digit = withUnsafeBytes(of: e.pointee.d_name) { raw in raw[0] >= 0x30 && raw[0] <= 0x39 }
                if digit { n += 1 }
            }
            return (n, identity(st))
        }
    }

    private func softLimit(_ pid: Int32, identity: Identity, summary: inout Summary) -> Double? {
        if var k = known[pid], k.identity == identity, scans - k.readAtScan < limitsRefreshScans {
            k.seenAtScan = scans
            known[pid] = k
            return k.softLimit
        }
        guard write(pid, "/limits"), let fd = openRelative(O_RDONLY) else { return nil }
        guard fd >= 0 else {
            if errno == EACCES || errno == EPERM { summary.unreadable += 1 }
            return nil
        }
        defer { close(fd) }
        guard let n = try? Syscalls.preadAll(fd, path: "limits", into: &buffer, maxBytes: 64 << 10),
            let limit = try? OpenFilesLimit(bytes: buffer[..<n])
        else { return nil }
        summary.limitsRead += 1
        known[pid] = Known(identity: identity, softLimit: limit.soft, readAtScan: scans, seenAtScan: scans)
        return limit.soft
    }

    /// Drops the cache entries of processes this scan did not see, without copying the cache.
    private func forgetGone() {
        stale.removeAll(keepingCapacity: true)
        for (pid, k) in known where k.seenAtScan != scans { stale.append(pid) }
        for pid in stale { known.removeValue(forKey: pid) }
    }

    /// Keeps `list` as the `n` largest by (share, open), largest first.
    static func insert(_ p: ProcessFDs, into list: inout [ProcessFDs], keeping n: Int) {
        guard n > 0 else { return }
        func above(_ a: ProcessFDs, _ b: ProcessFDs) -> Bool { (a.usedPercent, a.open) > (b.usedPercent, b.open) }
        if list.count == n, let last = list.last, !above(p, last) { return }
        var i = list.count
        while i > 0 && above(p, list[i - 1]) { i -= 1 }
        list.insert(p, at: i)
        if list.count > n { list.removeLast() }
    }

    // MARK: - the method, detected once

    /// `stat_size` when the root is procfs and `self/fd` has a size: procfs reports 0 as the size
    /// of every directory before Linux 6.2, and the open-fd count since. A fixture tree (any other
    /// filesystem) is always listed.
    private func detectMethod() -> FDCountMethod {
        if let method { return method }
        var st = stat()
        let detected: FDCountMethod = onProcfs && write("self", "/fd") && statRelative(&st) && st.st_size > 0 ? .statSize : .listing
        method = detected
        return detected
    }

    // MARK: - paths relative to the kept /proc directory

    private func openDirectory() throws(VitalsError) -> OpaquePointer {
        if let directory { return directory }
        guard let d = opendir(root) else { throw Syscalls.ioError(root, "cannot list", errno) }
        directory = d
        onProcfs = Syscalls.isOnProcfs(dirfd(d))
        return d
    }

    /// Writes `a` + `b` into the path buffer; false when it does not fit.
    private func write(_ a: some CustomStringConvertible, _ b: StaticString = "") -> Bool {
        // The pid part: digits written by hand (no String for an Int32).
        var i = 0
        let ok = path.withUnsafeMutableBufferPointer { p -> Bool in
            if let pid = a as? Int32 {
                var digits: (Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                var v = pid < 0 ? 0 : Int(pid)
                var n = 0
                withUnsafeMutableBytes(of: &digits) { d in
                    repeat {
                        d[n] = UInt8(0x30 + v % 10)
                        v /= 10
                        n += 1
                    } while v > 0 && n < 12
                    while n > 0 {
                        n -= 1
                        p[i] = CChar(bitPattern: d[n])
                        i += 1
                    }
                }
            } else {
                for byte in a.description.utf8 {
                    guard i < p.count - 1 else { return false }
                    p[i] = CChar(bitPattern: byte)
                    i += 1
                }
            }
            return b.withUTF8Buffer { tail in
                guard i + tail.count < p.count else { return false }
                for byte in tail {
                    p[i] = CChar(bitPattern: byte)
                    i += 1
                }
                p[i] = 0
                return true
            }
        }
        return ok
    }

    private func statRelative(_ st: inout stat) -> Bool {
        guard let directory else { return false }
        let dfd = dirfd(directory)
        return path.withUnsafeBufferPointer { p in fstatat(dfd, p.baseAddress!, &st, 0) == 0 }
    }

    /// Opens the path buffer relative to /proc: nil when /proc is not open, -1 (errno set) on failure.
    private func openRelative(_ flags: Int32) -> Int32? {
        guard let directory else { return nil }
        let dfd = dirfd(directory)
        return path.withUnsafeBufferPointer { p in openat(dfd, p.baseAddress!, flags | O_CLOEXEC) }
    }

    private func identity(_ st: stat) -> Identity {
        guard onProcfs else { return Identity(inode: UInt64(st.st_ino), changed: 0, changedNanos: 0) }
        return Identity(inode: UInt64(st.st_ino), changed: Int(st.st_ctim.tv_sec), changedNanos: Int(st.st_ctim.tv_nsec))
    }

    /// The pid of a numeric /proc entry (nil for "self", "sys" and the rest), without a String.
    private static func pid(_ entry: UnsafeMutablePointer<dirent>) -> Int32? {
        withUnsafeBytes(of: entry.pointee.d_name) { raw in
            var v: Int32 = 0
            var n = 0
            for b in raw {
                if b == 0 { break }
                guard b >= 0x30 && b <= 0x39, n < 10 else { return nil }
                v = v &* 10 &+ Int32(b - 0x30)
                n += 1
            }
            return n > 0 ? v : nil
        }
    }
}
