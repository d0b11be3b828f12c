import Foundation
import Testing
import VitalsTestKit
import VitalsTestSupport

/// Issue 17: the shipped agent samples on a thread of its own ("vitals-sampling"), which sleeps
/// between cycles in its own timed wait: it wakes about once a cycle, not through libdispatch's
/// timer thread and a pool thread.
@Suite(.offThePool) struct SamplingThreadTests {
    /// Each thread's name and its voluntary context switches, from /proc/PID/task.
    private func threads(_ pid: Int32) -> [(name: String, switches: Int)] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { tid in
            guard let comm = try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/comm", encoding: .utf8),
                let status = try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("voluntary_ctxt_switches:") }),
                let n = Int(line.split(separator: "\t").last ?? "")
            else { return nil }
            return (comm.trimmingCharacters(in: .whitespacesAndNewlines), n)
        }
    }

    @Test func theAgentSamplesOnItsOwnThreadThatWakesOncePerCycle() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let agent = try AgentProcess(arguments: ["--interval", "1s"], dir: dir)
        defer { _ = agent.stop() }
        let first = try agent.waitForCycles(3)
        let pid = agent.process.processIdentifier
        let before = threads(pid)
        let sampling = try #require(before.first { $0.name == "vitals-sampling" }, "threads: \(before.map(\.name))")
        let later = try agent.waitForCycles(8)
        let after = try #require(threads(pid).first { $0.name == "vitals-sampling" })
        let cycles = try #require((later["cycles"] as? Int).flatMap { c in (first["cycles"] as? Int).map { c - $0 } })
        let woke = after.switches - sampling.switches
        // At least once per cycle (it sleeps between them); a statvfs answer and a reply from
        // the pool add a few, but not the dozen hops a cycle took through libdispatch.
        #expect(woke >= cycles, "\(woke) wake-ups in \(cycles) cycles")
        #expect(woke <= cycles * 6, "\(woke) wake-ups in \(cycles) cycles")
    }
}
