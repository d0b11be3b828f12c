public import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// Prepares the path of a unix socket: a stale file left by a crash is removed, a live socket of a
/// running agent is not stolen, and anything that is not a socket is left alone with an error.
public enum SocketFile {
    public static func prepare(_ path: String) throws(VitalsError) {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            guard errno == ENOENT else {
                throw VitalsError(.socket, "\(path): cannot inspect the socket path", cause: String(cString: strerror(errno)))
            }
            return
        }
        guard (st.st_mode & S_IFMT) == S_IFSOCK else {
            throw VitalsError(.socket, "\(path) exists and is not a socket; remove it or choose another path with --socket")
        }
        if (try? StatusClient.connect(path)).map({ fd in close(fd) }) != nil {
            throw VitalsError(.socket, "\(path): another vitals agent is serving this socket; stop it first or pass --socket PATH")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw VitalsError(.socket, "\(path): cannot remove the stale socket", cause: String(cString: strerror(errno)))
        }
    }

    /// Makes the parent directory when it is missing (0755).
    public static func ensureParent(of path: String) throws(VitalsError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let dir = String(path[..<slash])
        if access(dir, F_OK) == 0 { return }
        guard mkdir(dir, 0o755) == 0 || errno == EEXIST else {
            throw VitalsError(.socket, "\(dir): cannot create the socket directory", cause: String(cString: strerror(errno)))
        }
    }
}
