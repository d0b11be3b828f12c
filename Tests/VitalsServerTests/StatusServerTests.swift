import Dispatch
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing
import VitalsCore
import VitalsTestKit
import VitalsTestSupport

@testable import VitalsServer

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.serialized, .offThePool) struct StatusServerTests {
    func tempSocket() -> String { "/tmp/vitals-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock" }

    func withServer(_ body: (String, StatusServer) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let path = tempSocket()
        let server = StatusServer(path: path, group: group) { req in
            req.path == "/v1/ping" ? StatusReply(status: 200, body: Array("{\"pong\":true}\n".utf8)) : .error(404, "no route \(req.path)")
        }
        try await server.start()
        do {
            try await body(path, server)
        } catch {
            await server.stop()
            try await group.shutdownGracefully()
            throw error
        }
        await server.stop()
        try await group.shutdownGracefully()
    }

    @Test func servesFiftyConcurrentClients() async throws {
        try await withServer { path, _ in
            let ok = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: 50) { _ in
                if let r = try? StatusClient.get("/v1/ping", socket: path), r.status == 200, r.text == "{\"pong\":true}\n" {
                    ok.add(1, ordering: .relaxed)
                }
            }
            #expect(ok.load(ordering: .relaxed) == 50)
        }
    }

    /// Issue 14: about 80 held connections locked the operator out ("Broken pipe"). Another user
    /// holding connections gets 16 at most and a 503 saying why; root still gets in.
    @Test(.enabled(if: getuid() == 0, "needs root: the connections are held as user nobody"))
    func heldConnectionsDoNotLockOutRoot() async throws {
        try await withServer { path, server in
            chmod(path, 0o666)  // so that nobody can connect at all (the agent's is 0660, group vitals)
            let hold = """
                import socket, sys, time
                held = []
                for i in range(80):
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(sys.argv[1])
                    held.append(s)
                s = held[-1]
                s.sendall(b"GET /v1/ping HTTP/1.1\\r\\nHost: v\\r\\nConnection: close\\r\\n\\r\\n")
                print(s.recv(4096).decode(errors="replace").replace("\\r\\n", " "), flush=True)
                time.sleep(30)
                """
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            p.arguments = ["-u", "nobody", "--", "python3", "-c", hold, path]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            defer {
                p.terminate()
                p.waitUntilExit()
            }
            // The 80th connection of nobody is answered 503, naming the per-user limit.
            let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
            #expect(line.hasPrefix("HTTP/1.1 503"), "\(line)")
            #expect(line.contains("uid 65534 already holds 16 connections"), "\(line)")
            // Root gets in while nobody holds its share (and the refused ones are closed).
            let r = try StatusClient.get("/v1/ping", socket: path)
            #expect(r.status == 200)
            #expect(server.openConnections <= 80)
        }
    }

    @Test func socketIsMode0660AndRemovedAtStop() async throws {
        var path = ""
        try await withServer { p, _ in
            path = p
            var st = stat()
            #expect(lstat(p, &st) == 0)
            #expect(st.st_mode & 0o777 == 0o660)
        }
        #expect(access(path, F_OK) != 0)
    }

    @Test func refusesAOneMegabyteHeader() async throws {
        try await withServer { path, _ in
            let fd = try StatusClient.connect(path)
            defer { close(fd) }
            let request = Array(("GET /v1/ping HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 1_048_576) + "\r\n\r\n").utf8)
            var sent = 0
            while sent < request.count {
                let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { break }  // the server may close before all is sent
                sent += n
            }
            var buf = [UInt8](repeating: 0, count: 4096)
            var reply: [UInt8] = []
            while true {
                let n = recv(fd, &buf, buf.count, 0)
                if n <= 0 { break }
                reply += buf[0..<n]
            }
            let text = String(decoding: reply, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 431"), "got: \(text.prefix(80))")
            // The server is still healthy afterwards.
            #expect(try StatusClient.get("/v1/ping", socket: path).status == 200)
        }
    }

    @Test func unknownRouteIs404WithAHint() async throws {
        try await withServer { path, _ in
            let r = try StatusClient.get("/nope", socket: path)
            #expect(r.status == 404)
            #expect(r.text == "{\"error\":\"no route /nope\"}\n")
        }
    }

    @Test func staleSocketFileIsReplacedButALiveOneIsNotStolen() async throws {
        let path = tempSocket()
        // A stale socket: bound, then its process went away.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        #expect(access(path, F_OK) == 0)
        try SocketFile.prepare(path)
        #expect(access(path, F_OK) != 0)

        try await withServer { live, _ in
            #expect(throws: VitalsError(.socket, "\(live): another vitals agent is serving this socket; stop it first or pass --socket PATH")) {
                try SocketFile.prepare(live)
            }
        }
        let regular = tempSocket()
        _ = open(regular, O_CREAT | O_WRONLY, 0o600)
        defer { unlink(regular) }
        #expect(throws: VitalsError(.socket, "\(regular) exists and is not a socket; remove it or choose another path with --socket")) {
            try SocketFile.prepare(regular)
        }
    }
}
