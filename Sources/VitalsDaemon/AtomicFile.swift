import VitalsCore
import VitalsProcFS

#if canImport(Glibc)
    import Glibc
#endif

/// Files that must never be seen half-written: a temporary file, fsync, rename over the old one,
/// fsync of the directory. A reader (the next start) sees the old file or the new one.
enum AtomicFile {
    /// Writes `data` to `path` atomically and durably, mode 0600.
    /// `failpoint` names the crash points inside the write (`<name>-after-tmp`, `<name>-after-rename`).
    static func write(_ data: [UInt8], to path: String, failpoint: String? = nil) throws(VitalsError) {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw VitalsError(.io, "cannot write \(tmp); the state directory must be writable by vitals", cause: String(cString: strerror(errno)))
        }
        var ok = true
        data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    ok = false
                    return
                }
                off += n
            }
        }
        let err = ok ? 0 : errno
        let synced = fsync(fd) == 0
        let syncErr = errno
        close(fd)
        guard ok, synced else {
            unlink(tmp)
            throw VitalsError(.io, "cannot write \(tmp)", cause: String(cString: strerror(ok ? syncErr : err)))
        }
        if let failpoint { Failpoint.hit(failpoint + "-after-tmp") }
        guard rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw VitalsError(.io, "cannot replace \(path)", cause: String(cString: strerror(e)))
        }
        if let failpoint { Failpoint.hit(failpoint + "-after-rename") }
        // The rename is durable once the directory entry is.
        let dirPath = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let dir = open(dirPath.isEmpty ? "/" : dirPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    /// Reads a whole state file, or nil when there is none.
    static func read(_ path: String, maxBytes: Int = 64 << 20) throws(VitalsError) -> [UInt8]? {
        guard access(path, F_OK) == 0 else { return nil }
        var bytes: [UInt8] = []
        let length = try Syscalls.readFile(path, into: &bytes, maxBytes: maxBytes)
        bytes.removeSubrange(length...)
        return bytes
    }

    /// Moves a file that is not valid state aside (`<path>.corrupt-<unix time>`), never deleting it.
    static func moveAside(_ path: String, wall: Double, what: String) throws(VitalsError) -> String {
        let aside = "\(path).corrupt-\(Int(wall))"
        guard rename(path, aside) == 0 else {
            throw VitalsError(.io, "\(path) is not valid \(what) and cannot be moved aside to \(aside)", cause: String(cString: strerror(errno)))
        }
        return aside
    }
}
