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

    @Test func theExecutablesReadOnlyPagesAreAdvisedAwayAndComeBackWhenUsed() throws {
        let before = try residentExecutableKiB()
        let advised = StartupPages.release()
        #expect(advised > 0, "no read-only mapping of the executable was found in /proc/self/maps")
        let after = try residentExecutableKiB()
        // What the test process touches again meanwhile comes back; most of it stays out.
        #expect(after < before, "resident \(before) KiB before, \(after) KiB after")
    }
}
