import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// Whether a plugin may run: the path as it is executed, every component of it, must be out of
/// reach of every user but root, so that what was checked is what `execve` runs.
///
/// The path is walked from `/` one component at a time without following anything blindly: every
/// directory, every symlink and the file itself must belong to root; directories and the file
/// must not be writable by group or others (a root-owned sticky directory such as /tmp passes:
/// others cannot rename or remove the root-owned entries in it); a symlink is followed only after
/// that check, and its target is walked the same way. A symlink owned by another user, even in a
/// sticky directory, is refused: its owner could swap it between the check and the exec (issue 14
/// ran an attacker's script as root that way, because only the resolved path was checked).
public enum PluginSecurity {
    /// At most this many symlinks are followed (as the kernel's ELOOP limit).
    static let maxSymlinks = 40

    /// nil when it may run; otherwise what is wrong, naming the path and the fix.
    public static func problem(with path: String) -> String? {
        guard path.hasPrefix("/") else { return "\(path) is not an absolute path; write the full path of the plugin" }
        var st = stat()
        guard lstat("/", &st) == 0 else { return "/ cannot be read (\(String(cString: strerror(errno))))" }
        if let p = unsafe("/", st, kind: "directory") { return p }
        var pending = components(path)
        var resolved = "/"
        var hops = 0
        while !pending.isEmpty {
            let c = pending.removeFirst()
            if c == "." { continue }
            if c == ".." {
                resolved = parent(of: resolved)
                continue
            }
            let next = resolved == "/" ? "/" + c : resolved + "/" + c
            guard lstat(next, &st) == 0 else {
                return "\(next) cannot be found (\(String(cString: strerror(errno)))); install it or fix the command"
            }
            switch st.st_mode & S_IFMT {
            case S_IFLNK:
                if let p = unsafe(next, st, kind: "symlink") { return p }
                hops += 1
                guard hops <= maxSymlinks else { return "\(path): more than \(maxSymlinks) symlinks; point the command at the file itself" }
                guard let target = readLink(next) else { return "\(next) cannot be read (\(String(cString: strerror(errno))))" }
                if target.hasPrefix("/") { resolved = "/" }
                pending = components(target) + pending
            case S_IFDIR:
                if let p = unsafe(next, st, kind: "directory") { return p }
                resolved = next
            case S_IFREG:
                guard pending.isEmpty else { return "\(next) is not a directory" }
                return unsafe(next, st, kind: "the plugin")
            default:
                return "\(next) is not a regular file"
            }
        }
        return "\(path) is a directory, not a plugin"
    }

    private static func components(_ path: String) -> [String] { path.split(separator: "/").map(String.init) }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    private static func readLink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buf, 4096)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func unsafe(_ path: String, _ st: stat, kind: String) -> String? {
        if st.st_uid != 0 {
            let fix = kind == "symlink" ? "chown -h root \(path)" : "chown root \(path)"
            return "\(kind) \(path) belongs to uid \(st.st_uid), not root; refused (fix: \(fix))"
        }
        guard kind != "symlink" else { return nil }
        let writable = st.st_mode & (S_IWGRP | S_IWOTH)
        let sticky = st.st_mode & S_ISVTX != 0
        if writable != 0 && !(sticky && kind == "directory") {
            let who = st.st_mode & S_IWOTH != 0 ? "others" : "its group"
            return "\(kind) \(path) is writable by \(who); refused (fix: chmod go-w \(path))"
        }
        return nil
    }
}
