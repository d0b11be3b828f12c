import VitalsCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A file that is read every cycle (/proc/stat, meminfo, vmstat, loadavg, file-nr, pressure),
/// kept open and re-read from offset 0 with `pread` into one reused buffer: one system call per
/// read instead of open + read + read + close, and no allocation once the buffer has grown.
///
/// procfs and cgroup2 regenerate a file's text when it is read at offset 0 again, so the kept
/// descriptor always gives the current figures. A file on any other filesystem (a fixture tree
/// under `--procfs-root`) is opened anew for every read, because it may be replaced by a rename.
/// A failed read closes the descriptor; the next read opens the file again.
public final class KeptFile {
    /// The file's path.
    public let path: String
    /// Largest size accepted; a longer file is refused rather than read into memory.
    public let maxBytes: Int
    private var fd: Int32 = -1
    private var keep = false
    private var buffer: [UInt8]

    /// A file read at most `maxBytes` at a time.
    public init(_ path: String, maxBytes: Int = 1 << 20) {
        self.path = path
        self.maxBytes = maxBytes
        buffer = [UInt8](repeating: 0, count: 4096)
    }

    deinit { if fd >= 0 { close(fd) } }

    /// True while the descriptor is kept between reads (the file is on procfs).
    public var isKept: Bool { keep && fd >= 0 }

    /// For /proc/self/mountinfo: false only when the kernel says the mount table has not changed
    /// since this descriptor was opened or last polled (a kept mountinfo descriptor reports
    /// POLLPRI after every mount and unmount, proc(5)). True when the file is not kept open
    /// (never read, a fixture tree, a failed read) or poll fails, so the caller reads it again.
    public func mountTableChanged() -> Bool {
        guard keep, fd >= 0 else { return true }
        var p = pollfd(fd: fd, events: Int16(POLLPRI), revents: 0)
        let r = poll(&p, 1, 0)
        guard r >= 0 else { return true }
        return r > 0 && (Int32(p.revents) & (Int32(POLLPRI) | Int32(POLLERR))) != 0
    }

    /// Reads the whole file and hands its bytes to `body` (valid only inside it).
    public func read<T>(_ body: (ArraySlice<UInt8>) throws -> T) throws -> T {
        if fd < 0 {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw Syscalls.ioError(path, "cannot open", errno) }
            keep = Syscalls.regenerates(fd)
        }
        defer {
            if !keep {
                close(fd)
                fd = -1
            }
        }
        let length: Int
        do {
            length = try Syscalls.preadAll(fd, path: path, into: &buffer, maxBytes: maxBytes)
        } catch {
            close(fd)
            fd = -1
            keep = false
            throw error
        }
        return try body(buffer[..<length])
    }
}
