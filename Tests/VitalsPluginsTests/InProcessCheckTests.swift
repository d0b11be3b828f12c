import Foundation
import Testing
import VitalsCore
import VitalsTestSupport

@testable import VitalsPlugins

/// The compiled-in checks: failed units, reboot required, clock sync.
@Suite(.offThePool) struct InProcessCheckTests {
    @Test func everyCompiledDefinitionHasItsCheck() {
        for d in CompiledChecks.definitions() {
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

    /// Sources for the clock check: the kernel answering `kernel`, timedated answering `bus`.
    func clock(
        kernel: Int32, _ maxError: Int = 0, bus: Result<(Bool, Bool?), ClockSyncCheck.ClockSourceError> = .failure(.init(text: "no system bus")),
        timesyncd: Int? = nil
    ) -> ClockSyncCheck {
        ClockSyncCheck(sources: .init(kernel: { (kernel, maxError) }, timedated: { bus }, timesyncdAge: { timesyncd }))
    }

    @Test func clockSyncReadsTheKernelsDiscipline() {
        #expect(clock(kernel: 1, 2500).run().message == "clock synchronised (max error 2.5 ms)")
        let off = clock(kernel: 0, 16_000_000).run()
        #expect(off.severity == .warning)
        #expect(off.message == "clock not synchronised (max error 16 s); is an NTP client (systemd-timesyncd, chrony) running?")
        // And the real host answers one way or the other (here adjtimex is allowed).
        #expect([.ok, .warning].contains(ClockSyncCheck().run().severity))
    }

    /// Under the shipped unit adjtimex fails with EPERM (ProtectClock=): the answer comes from
    /// systemd-timedated over the bus, then from timesyncd's mark, and is unknown only when
    /// neither can say (issue 13: every packaged install paged "clock_sync unknown").
    @Test func clockSyncAsksTimedatedWhereTheSandboxForbidsAdjtimex() {
        let synced = clock(kernel: -EPERM, bus: .success((true, true))).run()
        #expect(synced.severity == .ok)
        #expect(synced.message == "clock synchronised (systemd-timedated: NTPSynchronized=yes)")
        let noNTP = clock(kernel: -EPERM, bus: .success((false, false))).run()
        #expect(noNTP.severity == .warning)
        #expect(
            noNTP.message
                == "clock not synchronised (systemd-timedated: NTPSynchronized=no); no NTP service is enabled: install and start one (systemd-timesyncd or chrony)"
        )
        #expect(clock(kernel: -EPERM, bus: .success((false, true))).run().message.contains("has not synchronised yet"))
        let mark = clock(kernel: -EPERM, timesyncd: 600).run()
        #expect(mark.severity == .ok)
        #expect(mark.message == "clock synchronised (systemd-timesyncd, last synchronisation 10m ago)")
        #expect(clock(kernel: -EPERM, timesyncd: 7200).run().severity == .warning)
        let none = clock(kernel: -EPERM).run()
        #expect(none.severity == .unknown)
        #expect(
            none.message
                == "clock state unknown: adjtimex: Operation not permitted (the unit's ProtectClock=); systemd-timedated: no system bus; no systemd-timesyncd mark in /run/systemd/timesync"
        )
    }

    @Test func failedUnitsAreNamed() {
        #expect(FailedUnitsCheck.result(count: 0, names: []).severity == .ok)
        let r = FailedUnitsCheck.result(count: 2, names: ["nginx.service", "backup.timer"])
        #expect(r.severity == .critical)
        #expect(
            r.message == "2 failed systemd units: nginx.service, backup.timer (systemctl status nginx.service; systemctl reset-failed once fixed)")
        #expect(r.perfData.first?.value == 2)
        // The real host: an answer from systemd, or (no systemd or no system bus, as in CI's
        // container) not applicable with the reason; never a standing unknown.
        let real = FailedUnitsCheck().run()
        #expect(real.severity == .ok || real.severity == .critical, "\(real.message)")
        let booted = FileManager.default.fileExists(atPath: "/run/systemd/system")
        let bus = FileManager.default.fileExists(atPath: "/run/dbus/system_bus_socket")
        #expect(real.notApplicable == !(booted && bus), "\(real.message)")
        if !booted { #expect(real.message == "not applicable: this system was not booted with systemd (a container or chroot without it)") }
    }
}

/// Issue 19: the restart-loop check keeps its readings across runs (one instance serves the agent).
@Suite struct UnitRestartsCheckTests {
    final class Host: @unchecked Sendable {
        var restarts: UInt32 = 0
        var now: Double = 1000
    }

    @Test func aServiceRestartingEveryMinuteIsAWarningThenCritical() {
        let host = Host()
        let check = UnitRestartsCheck(
            read: { .services(host.restarts == 0 ? [] : [ServiceRestarts(unit: "crashy.service", restarts: host.restarts, result: "exit-code")]) },
            now: { host.now })
        var p = RestartPolicy()
        p.critical = 5
        #expect(check.run(arguments: p.arguments).severity == .ok)
        for minute in 1...5 {
            host.restarts += 1
            host.now += 60
            let r = check.run(arguments: p.arguments)
            #expect(r.severity == (minute >= 5 ? .critical : minute >= 3 ? .warning : .ok), "minute \(minute): \(r.message)")
        }
        #expect(check.run(arguments: p.arguments).message.contains("crashy.service restarted 5 times (last result: exit-code)"))
        // Without systemd, the answer is the reason, not an alert.
        let none = UnitRestartsCheck(read: { .cannotAsk(.notApplicable("no system bus")) })
        #expect(none.run().notApplicable)
    }

    @Test func theRealHostAnswersOrSaysWhyNot() {
        let r = UnitRestartsCheck().run()
        // This machine may have no systemd as PID 1 (then not applicable); under systemd, an answer.
        #expect(r.notApplicable || [.ok, .warning, .critical].contains(r.severity), "\(r.message)")
    }
}
