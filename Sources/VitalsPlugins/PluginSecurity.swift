public import VitalsCore

#if canImport(Glibc)
import Glibc
#endif

/// Whether a plugin may run: the file (after symlinks) and every directory above it must belong
/// to root and be writable by nobody else, so no unprivileged user can swap what vitals executes.
/// A root-owned sticky directory (such as /tmp) passes: others cannot rename or remove entries
/// they do not own.
public enum PluginSecurity {
    /// nil when it may run; otherwise what is wrong, naming the path and the fix.
    public static func problem(with path: String) -> String? {
        guard let resolved = realpath(path, nil) else {
            return "\(path) cannot be found (\(String(cString: strerror(errno)))); install it or fix the command"
        }
        let real = String(cString: resolved)
        free(resolved)
        var st = stat()
        guard stat(real, &st) == 0 else { return "\(real) cannot be read (\(String(cString: strerror(errno))))" }
        guard st.st_mode & S_IFMT == S_IFREG else { return "\(real) is not a regular file" }
        if let p = unsafe(real, st, isFile: true) { return p }
        var dir = real
        while let slash = dir.lastIndex(of: "/") {
            dir = slash == dir.startIndex ? "/" : String(dir[..<slash])
            guard stat(dir, &st) == 0 else { return "\(dir) cannot be read (\(String(cString: strerror(errno))))" }
            if let p = unsafe(dir, st, isFile: false) { return p }
            if dir == "/" { break }
        }
        return nil
    }

    private static func unsafe(_ path: String, _ st: stat, isFile: Bool) -> String? {
        let what = isFile ? "the plugin" : "directory"
        if st.st_uid != 0 {
            return "\(what) \(path) belongs to uid \(st.st_uid), not root; refused (fix: chown root \(path))"
        }
        let writable = st.st_mode & (S_IWGRP | S_IWOTH)
        let sticky = st.st_mode & S_ISVTX != 0
        if writable != 0 && !(sticky && !isFile) {
            let who = st.st_mode & S_IWOTH != 0 ? "others" : "its group"
            return "\(what) \(path) is writable by \(who); refused (fix: chmod go-w \(path))"
        }
        return nil
    }
}
