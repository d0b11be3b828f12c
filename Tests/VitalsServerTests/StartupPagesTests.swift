import Foundation
import Testing

@testable import VitalsDaemon

/// Issue 17: the executable's read-only pages are handed back to the kernel after start-up.
@Suite struct StartupPagesTests {
    /// Resident KiB of the executable's mappings, from /proc/self/smaps.
    private func residentExecutableKiB() throws -> Int {
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var total = 0
        var inExe = false
        for line in try String(contentsOfFile: "/proc/self/smaps", encoding: .utf8).split(separator: "\n") {
            if let first = line.first, first.isHexDigit, line.contains("-") && line.split(separator: " ").count >= 5 {
                inExe = line.hasSuffix(" " + exe) && line.split(separator: " ")[1].hasPrefix("r") && !line.split(separator: " ")[1].contains("w")
            } else if inExe && line.hasPrefix("Rss:") {
                total += Int(line.split(separator: " ")[1]) ?? 0
            }
        }
        return total
    }

    /// After the third cycle, and once more two minutes in (the compiled-in checks' first runs),
    /// then never again: hot code would be read back from disk each time.
    @Test func startUpPagesGoBackAfterTheFirstCyclesAndOnceMoreAfterTwoMinutes() {
        var s = StartupPages.Schedule()
        var released: [UInt64] = []
        for cycle in UInt64(1)...400 where s.due(cycle: cycle, uptime: .seconds(Int64(cycle - 1))) { released.append(cycle) }
        #expect(released == [3, 121])
        // A long interval: the second release waits for the time, not a cycle count.
        var slow = StartupPages.Schedule()
        let at = (UInt64(1)...20).filter { slow.due(cycle: $0, uptime: .seconds(Int64($0 - 1) * 30)) }
        #expect(at == [3, 5])
    }

    @Test func theExecutablesReadOnlyPagesAreAdvisedAwayAndComeBackWhenUsed() throws {
        let before = try residentExecutableKiB()
        let advised = StartupPages.release()
        #expect(advised > 0, "no read-only mapping of the executable was found in /proc/self/maps")
        let after = try residentExecutableKiB()
        // What the test process touches again meanwhile comes back; most of it stays out.
        #expect(after < before, "resident \(before) KiB before, \(after) KiB after")
    }
}
