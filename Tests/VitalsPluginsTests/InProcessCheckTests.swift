import Foundation
import Testing
import VitalsCore

@testable import VitalsPlugins

/// The compiled-in checks: failed units, reboot required, clock sync.
@Suite struct InProcessCheckTests {
    @Test func everyCompiledDefinitionHasItsCheck() {
        for d in CompiledChecks.definitions {
            #expect(InProcessChecks.check(for: d)?.name == d.name)
        }
        #expect(InProcessChecks.check(for: CheckDefinition(name: "x", command: ["/bin/true"])) == nil)
    }

    @Test func rebootRequiredNamesThePackages() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-run-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let check = RebootRequiredCheck(directory: dir)
        #expect(check.run() == PluginResult(severity: .ok, message: "no reboot required"))
        try "*** System restart required ***\n".write(toFile: dir + "/reboot-required", atomically: true, encoding: .utf8)
        try "linux-image-6.1.0-28-amd64\nlibc6\nlibc6\n".write(toFile: dir + "/reboot-required.pkgs", atomically: true, encoding: .utf8)
        let r = check.run()
        #expect(r.severity == .warning)
        #expect(r.message.hasPrefix("reboot required by linux-image-6.1.0-28-amd64, libc6 (since 20"), "\(r.message)")
    }

    @Test func clockSyncReadsTheKernelsDiscipline() {
        #expect(ClockSyncCheck(read: { (1, 2500) }).run().message == "clock synchronised (max error 2.5 ms)")
        let off = ClockSyncCheck(read: { (0, 16_000_000) }).run()
        #expect(off.severity == .warning)
        #expect(off.message == "clock not synchronised (max error 16 s); is an NTP client (systemd-timesyncd, chrony) running?")
        #expect(ClockSyncCheck(read: { (-EPERM, 0) }).run().severity == .unknown)
        // And the real kernel answers one way or the other.
        #expect([.ok, .warning].contains(ClockSyncCheck().run().severity))
    }

    @Test func failedUnitsAreNamed() {
        #expect(FailedUnitsCheck.result(count: 0, names: []).severity == .ok)
        let r = FailedUnitsCheck.result(count: 2, names: ["nginx.service", "backup.timer"])
        #expect(r.severity == .critical)
        #expect(r.message == "2 failed systemd units: nginx.service, backup.timer (systemctl status nginx.service; systemctl reset-failed once fixed)")
        #expect(r.perfData.first?.value == 2)
        // The real bus: an answer, or unknown with the reason where there is no systemd.
        let real = FailedUnitsCheck().run()
        #expect(real.severity != .warning, "\(real.message)")
        if real.severity == .unknown { #expect(real.message.hasPrefix("failed units unknown: ")) }
    }
}
