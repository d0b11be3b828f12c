import CSystemd
public import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// Socket activation: the status socket handed over by a `.socket` unit (sd_listen_fds).
public enum SocketActivation {
    /// A listening unix stream socket received from the service manager.
    public struct Inherited: Sendable, Equatable {
        public let descriptor: CInt
        /// The path it is bound to ("" for an abstract or unnamed socket).
        public let path: String
    }

    /// The inherited status socket, nil when the service manager passed none (LISTEN_FDS unset or
    /// meant for another process). Unsets LISTEN_* so plugins do not see them. Throws when the
    /// descriptor is not what vitals can serve on, naming what the `.socket` unit must say.
    public static func inherited() throws(VitalsError) -> Inherited? {
        let n = sd_listen_fds(1)
        if n < 0 {
            throw VitalsError(.socket, "cannot read the sockets passed by systemd", cause: String(cString: strerror(-n)))
        }
        guard n > 0 else { return nil }
        let fd = SD_LISTEN_FDS_START
        guard sd_is_socket_unix(fd, CInt(SOCK_STREAM.rawValue), 1, nil, 0) > 0 else {
            throw VitalsError(
                .socket,
                "systemd passed descriptor \(fd), which is not a listening unix stream socket; the .socket unit must use ListenStream=/run/vitals/vitals.sock"
            )
        }
        // Any further descriptors are not vitals'; close them rather than leak them into plugins.
        if n > 1 { for extra in (fd + 1)..<(fd + n) { close(extra) } }
        return Inherited(descriptor: fd, path: boundPath(fd))
    }

    static func boundPath(_ fd: CInt) -> String {
        var addr = sockaddr_un()
        var len = socklen_t(MemoryLayout<sockaddr_un>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard ok == 0 else { return "" }
        return withUnsafeBytes(of: addr.sun_path) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
