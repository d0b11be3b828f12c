import CHost
public import VitalsCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// statvfs(3) under a name that does not clash with the struct of the same name.
private func cStatvfs(_ path: String, _ buf: UnsafeMutablePointer<statvfs>) -> Int32 { statvfs(path, buf) }

/// Every C call the ProcFS module makes, in one place, each failure as a `VitalsError` that names
/// the path and the errno text.
public enum Syscalls {
    /// The errno text: "No such file or directory".
    public static func errnoText(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "errno \(code)" }
        return String(cString: s)
    }

    /// Reads a whole file with open/read until read returns 0: /proc files report size 0 and hand
    /// out about a page per read, so a single read (or a Foundation whole-file read) cuts them.
    /// `buffer` is reused between calls (it only grows); the file's bytes are `buffer[..<length]`.
    /// A file longer than `maxBytes` is refused rather than read into memory.
    @discardableResult
    public static func readFile(_ path: String, into buffer: inout [UInt8], maxBytes: Int = .max) throws(VitalsError) -> Int {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError(path, "cannot open", errno) }
        defer { close(fd) }
        return try readAll(path, into: &buffer, maxBytes: maxBytes) { p, count, _ in read(fd, p, count) }
    }

    /// The loop `readFile` and `preadAll` share: reads at the end of what is there until a read
    /// returns 0, growing `buffer` (never shrinking it); EINTR is retried.
    private static func readAll(
        _ path: String, into buffer: inout [UInt8], maxBytes: Int, _ readAt: (UnsafeMutableRawPointer, Int, Int) -> Int
    ) throws(VitalsError) -> Int {
        if buffer.count < 4096 { buffer = [UInt8](repeating: 0, count: 4096) }
        var length = 0
        while true {
            if buffer.count - length < 1024 { buffer += [UInt8](repeating: 0, count: buffer.count) }
            var got = 0
            var readError: Int32 = 0
            buffer.withUnsafeMutableBytes { p in
                repeat {
                    got = readAt(p.baseAddress! + length, p.count - length, length)
                    readError = got < 0 ? errno : 0
                } while got < 0 && readError == EINTR
            }
            if got < 0 { throw ioError(path, "cannot read", readError) }
            if got == 0 { return length }
            length += got
            if length > maxBytes { throw VitalsError(.io, "\(path) is over \(Units.formatBytes(Double(maxBytes)))") }
        }
    }

    /// Filesystem usage of a mount point.
    public struct FSStats: Sendable, Equatable {
        public var blockSize: UInt64
        public var blocks: UInt64
        public var blocksFree: UInt64
        public var blocksAvailable: UInt64
        public var files: UInt64
        public var filesFree: UInt64

        public init(blockSize: UInt64, blocks: UInt64, blocksFree: UInt64, blocksAvailable: UInt64, files: UInt64, filesFree: UInt64) {
            self.blockSize = blockSize
            self.blocks = blocks
            self.blocksFree = blocksFree
            self.blocksAvailable = blocksAvailable
            self.files = files
            self.filesFree = filesFree
        }
    }

    /// statvfs(3) of a path. May block for a long time on a hung network mount: call it off the
    /// sampling loop (see `StatvfsWorker`).
    public static func fsStats(_ path: String) throws(VitalsError) -> FSStats {
        var s = statvfs()
        guard cStatvfs(path, &s) == 0 else { throw ioError(path, "statvfs failed", errno) }
        return FSStats(
            blockSize: UInt64(s.f_frsize), blocks: UInt64(s.f_blocks), blocksFree: UInt64(s.f_bfree),
            blocksAvailable: UInt64(s.f_bavail), files: UInt64(s.f_files), filesFree: UInt64(s.f_ffree))
    }

    /// Names in a directory, without "." and "..".
    public static func listDirectory(_ path: String) throws(VitalsError) -> [String] {
        guard let dir = opendir(path) else { throw ioError(path, "cannot list", errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The subdirectories of a directory (d_type DT_DIR, or DT_UNKNOWN confirmed by stat), at
    /// most `limit` of them; `more` is set when there were others.
    public static func listSubdirectories(_ path: String, limit: Int, more: inout Bool) throws(VitalsError) -> [String] {
        guard let dir = opendir(path) else { throw ioError(path, "cannot list", errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            guard type == UInt8(DT_DIR) || type == UInt8(DT_UNKNOWN) else { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard name != "." && name != ".." else { continue }
            if type == UInt8(DT_UNKNOWN) {
                var st = stat()
                guard stat(path + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { continue }
            }
            guard names.count < limit else {
                more = true
                break
            }
            names.append(name)
        }
        return names
    }

    /// Replaces the file at `path` with `bytes`: written to `path.tmp`, then renamed over it, so a
    /// reader sees the old or the new file whole. Not fsync'd: for files whose loss in a power cut
    /// costs only a rebuild (the forecast history).
    public static func replaceFile(_ path: String, with bytes: [UInt8], mode: UInt32 = 0o640) throws(VitalsError) {
        let temp = path + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode_t(mode))
        guard fd >= 0 else { throw ioError(temp, "cannot create", errno) }
        var written = 0
        var failure: Int32 = 0
        bytes.withUnsafeBytes { p in
            while written < p.count {
                let n = write(fd, p.baseAddress! + written, p.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                written += n
            }
        }
        close(fd)
        if failure != 0 {
            unlink(temp)
            throw ioError(temp, "cannot write", failure)
        }
        guard rename(temp, path) == 0 else {
            let e = errno
            unlink(temp)
            throw ioError(path, "cannot replace", e)
        }
    }

    /// True when the path exists.
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// True when the error means the file is gone (a process that exited mid-scan).
    public static func isNotFound(_ e: VitalsError) -> Bool {
        e.osError == ENOENT || e.osError == ESRCH
    }

    /// True when the kernel has the file but the feature behind it is off (PSI with psi=0).
    public static func isNotSupported(_ e: VitalsError) -> Bool {
        e.osError == EOPNOTSUPP
    }

    /// Reads a whole file from offset 0 with pread until it returns 0, into the reused `buffer`
    /// (it only grows); returns the length. A file longer than `maxBytes` is refused.
    public static func preadAll(_ fd: Int32, path: String, into buffer: inout [UInt8], maxBytes: Int) throws(VitalsError) -> Int {
        try readAll(path, into: &buffer, maxBytes: maxBytes) { p, count, offset in pread(fd, p, count, off_t(offset)) }
    }

    /// True when the descriptor is on procfs (statfs magic PROC_SUPER_MAGIC).
    public static func isOnProcfs(_ fd: Int32) -> Bool {
        vitals_fd_on_procfs(fd) == 1
    }

    /// True when the descriptor's file is regenerated at each read from offset 0 (procfs,
    /// cgroup2), so it may be kept open and re-read with pread.
    public static func regenerates(_ fd: Int32) -> Bool {
        vitals_fd_regenerates(fd) == 1
    }

    static func ioError(_ path: String, _ what: String, _ code: Int32) -> VitalsError {
        VitalsError(.io, "\(path): \(what)", cause: errnoText(code), osError: code)
    }
}
