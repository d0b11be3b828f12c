public import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// A small blocking HTTP/1.1 client for the status socket, used by `vitals status`, `alerts`,
/// `silence` and `ack`.
public enum StatusClient {
    /// A reply: status code and body.
    public struct Reply: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// GET `target` over the unix socket at `path`.
    public static func get(_ target: String, socket path: String, timeoutSeconds: Int = 10) throws(VitalsError) -> Reply {
        try request("GET", target, socket: path, timeoutSeconds: timeoutSeconds)
    }

    /// One request (`POST` and `DELETE` carry a JSON body) over the unix socket at `path`.
    public static func request(
        _ method: String, _ target: String, body: [UInt8] = [], socket path: String, timeoutSeconds: Int = 10
    ) throws(VitalsError) -> Reply {
        let fd = try connect(path)
        defer { close(fd) }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let contentHeaders = body.isEmpty && method == "GET" ? "" : "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        let request = Array("\(method) \(target) HTTP/1.1\r\nHost: vitals\r\nConnection: close\r\n\(contentHeaders)\r\n".utf8) + body
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else {
                if errno == EPIPE || errno == ECONNRESET {
                    throw VitalsError(
                        .socket, "\(path): the agent closed the connection before answering (it may be busy with too many connections); try again")
                }
                throw VitalsError(.socket, "\(path): cannot send the request", cause: String(cString: strerror(errno)))
            }
            sent += n
        }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n == 0 { break }
            guard n > 0 else {
                if errno == EINTR { continue }
                throw VitalsError(.socket, "\(path): no complete reply", cause: String(cString: strerror(errno)))
            }
            data.append(contentsOf: chunk[0..<n])
        }
        return try parse(data, path: path)
    }

    /// Connects to a unix socket; the caller closes the descriptor.
    public static func connect(_ path: String) throws(VitalsError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw VitalsError(.socket, "cannot create a socket", cause: String(cString: strerror(errno))) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            close(fd)
            throw VitalsError(.socket, "\(path): socket path too long (at most 107 bytes)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            let hint =
                e == ENOENT || e == ECONNREFUSED
                ? "; is the agent running? start it with `vitals agent` or pass --socket PATH"
                : e == EACCES ? "; reading the status needs root or membership in group vitals" : ""
            throw VitalsError(.socket, "\(path): cannot connect\(hint)", cause: String(cString: strerror(e)))
        }
        return fd
    }

    static func parse(_ data: [UInt8], path: String) throws(VitalsError) -> Reply {
        let separator: [UInt8] = [13, 10, 13, 10]
        if data.isEmpty {
            throw VitalsError(
                .socket,
                "\(path): the agent closed the connection without an answer (it stopped or restarted); a change may or may not have been saved: check, or run the same command again (a silence asked for twice is kept once)"
            )
        }
        guard let end = data.indices.first(where: { data[$0...].starts(with: separator) }) else {
            throw VitalsError(.socket, "\(path): malformed reply (no header end)")
        }
        let head = String(decoding: data[..<end], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else {
            throw VitalsError(.socket, "\(path): malformed status line \"\(statusLine)\"")
        }
        return Reply(status: status, body: Array(data[(end + 4)...]))
    }
}
