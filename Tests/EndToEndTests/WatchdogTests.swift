import Foundation
import Testing
import VitalsTestKit
import VitalsTestSupport

/// The watchdog pings only while sampling makes progress: a /proc file that blocks (a FIFO with no
/// writer) hangs the sampling loop for real, the pings stop and the reason names the part; once
/// the read returns, sampling and the pings resume.
@Suite(.offThePool) struct WatchdogTests {
    @Test func hungSamplingStopsThePingsAndRecoveryResumesThem() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let proc = try copyFixture("debian12", to: dir)
        let notify = try NotifyListener(path: dir + "/notify.sock")
        let agent = try AgentProcess(
            arguments: ["--interval", "1s", "--procfs-root", proc], dir: dir,
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
        #expect(notify.waitFor("READY=1", timeout: 20))
        #expect(notify.waitFor("WATCHDOG=1", timeout: 5))

        // Hang the next cycle: loadavg becomes a FIFO nobody writes to.
        let loadavg = proc + "/loadavg"
        let content = try String(contentsOfFile: loadavg, encoding: .utf8)
        try FileManager.default.removeItem(atPath: loadavg)
        #expect(mkfifo(loadavg, 0o600) == 0)
        // Deadline: 2 x 1 s + 0.5 s statvfs cap; pings go every 0.5 s. Allow the deadline plus slack.
        let swapped = Date()
        var lastPing = swapped
        while Date().timeIntervalSince(swapped) < 7 {
            guard let m = notify.receive(timeout: 1) else { continue }
            if m.contains("WATCHDOG=1") { lastPing = Date() }
        }
        let pingsFor = lastPing.timeIntervalSince(swapped)
        #expect(pingsFor < 5, "pings went on \(pingsFor) s after sampling hung")

        // Unblock the read: pair with the blocked reader, put a regular file back at the path for
        // the next cycles, then hand the reader its content. Sampling and the pings come back.
        let w = open(loadavg, O_WRONLY)
        #expect(w >= 0)
        try FileManager.default.removeItem(atPath: loadavg)
        try content.write(toFile: loadavg, atomically: true, encoding: .utf8)
        _ = content.withCString { write(w, $0, strlen($0)) }
        close(w)
        #expect(notify.waitFor("WATCHDOG=1", timeout: 5))
        #expect(agent.stop() == 0)
        let log = agent.stderrText()
        #expect(log.contains("watchdog: not pinging: sampling made no progress for"))
        #expect(log.contains("watchdog: every part makes progress again"))
    }
}

/// A datagram socket standing in for systemd's NOTIFY_SOCKET.
final class NotifyListener {
    let path: String
    let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw AgentError("cannot bind \(path)") }
    }

    /// One datagram, or nil after `timeout` seconds.
    func receive(timeout: Int) -> String? {
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buf, buf.count, 0)
        return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : nil
    }

    /// True when a datagram containing `text` arrives within `timeout` seconds.
    func waitFor(_ text: String, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let m = receive(timeout: 1), m.contains(text) { return true }
        }
        return false
    }

    deinit {
        close(fd)
        unlink(path)
    }
}
