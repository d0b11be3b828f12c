import Foundation
import Testing
import VitalsTestKit
import VitalsTestSupport

/// sd_notify without systemd: a datagram socket set as NOTIFY_SOCKET receives what systemd would.
@Suite(.offThePool) struct NotifyTests {
    @Test func readyAfterTheFirstCycleWithTheSocketListeningThenStopping() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let proc = try copyFixture("debian12", to: dir)
        let path = dir + "/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        var tv = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        func receive() -> String? {
            var buf = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buf, buf.count, 0)
            return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : nil
        }

        let agent = try AgentProcess(arguments: ["--interval", "1s", "--procfs-root", proc], dir: dir, environment: ["NOTIFY_SOCKET": path])
        let ready = try #require(receive())
        #expect(ready.hasPrefix("READY=1\nSTATUS="))
        #expect(ready.contains(" checks: ") && ready.contains("; last cycle "))
        // READY means the socket already answers and a cycle is complete.
        let health = try agent.get(true)
        #expect((health["cycles"] as? Int ?? 0) >= 1)
        let status = try #require(receive())
        #expect(status.hasPrefix("STATUS="))
        #expect(agent.stop() == 0)
        var last = ""
        while let m = receive() {
            last = m
            if m.contains("STOPPING=1") { break }
        }
        #expect(last == "STOPPING=1")
    }
}
