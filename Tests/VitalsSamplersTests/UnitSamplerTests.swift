import Foundation
import Testing
import VitalsCore
import VitalsProcFS
import VitalsTestKit

@testable import VitalsSamplers

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 18: the units sampler on a copy of the debian12 cgroup fixture, moved between samples.
@Suite struct UnitSamplerTests {
    static func copy() throws -> String {
        let dir = NSTemporaryDirectory() + "vitals-units-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: Fixtures.path("cgroup/debian12"), toPath: dir)
        return dir
    }

    static func sample(_ s: UnitSampler, at t: ContinuousClock.Instant) async throws -> UnitStats {
        var snap = HostSnapshot(timestamp: 0, cycle: 1)
        try await s.sample(at: t).apply(to: &snap)
        return try #require(snap.units)
    }

    static func write(_ dir: String, _ unit: String, _ file: String, _ text: String) throws {
        try text.write(toFile: "\(dir)/\(unit)/\(file)", atomically: false, encoding: .utf8)
    }

    @Test func cpuShareIsOfTheWholeHostAndRatesNeedTwoReadings() async throws {
        let dir = try Self.copy()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var c = UnitsConfig()
        c.cgroupRoot = dir
        let s = UnitSampler(config: c, cpuCount: 2)
        let t0 = ContinuousClock.now
        let first = try await Self.sample(s, at: t0)
        #expect(first.available && first.units.count == 16)
        #expect(first.units.allSatisfy { $0.cpuPercent == nil })
        let nginx0 = try #require(first.units.first { $0.unit == "nginx.service" })
        #expect(nginx0.memoryLimitBytes == 268_435_456 && nginx0.memoryLimitKind == "MemoryMax" && nginx0.oomKills == 1)
        // One of two cores for 1 s: 50 % of the host.
        try Self.write(dir, "system.slice/nginx.service", "cpu.stat", "usage_usec \(312_456_120 + 1_000_000)\n")
        try Self.write(dir, "system.slice/nginx.service", "memory.events", "oom 2\noom_kill 2\n")
        let second = try await Self.sample(s, at: t0 + .seconds(1))
        let nginx = try #require(second.units.first { $0.unit == "nginx.service" })
        #expect(abs((nginx.cpuPercent ?? 0) - 50) < 1e-9)
        #expect(second.units.first?.unit == "nginx.service")  // busiest first
        // Details are read every 10 s: the OOM kill shows at the next detail read, as a delta of 1.
        #expect(nginx.oomKillsDelta == 0 && nginx.oomKills == 1)
        let third = try await Self.sample(s, at: t0 + .seconds(10))
        let later = try #require(third.units.first { $0.unit == "nginx.service" })
        #expect(later.oomKillsDelta == 1 && later.oomKills == 2)
        #expect(later.cpuPercent == 0)
        #expect(later.ioReadBytesPerSecond == 0)  // io.stat did not move
    }

    /// An OOM kill counted by the kernel makes the same cycle read every unit's memory.events,
    /// so `oom_kills` names the unit at once rather than at the next 10 s detail read.
    @Test func aKernelOOMKillMakesTheCycleFindTheUnitAtOnce() async throws {
        let dir = try Self.copy()
        let proc = NSTemporaryDirectory() + "vitals-units-proc-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: Fixtures.path("proc/debian12"), toPath: proc)
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: proc)
        }
        var c = UnitsConfig()
        c.cgroupRoot = dir
        let s = UnitSampler(config: c, cpuCount: 2, proc: ProcFSHandle(proc))
        let t0 = ContinuousClock.now
        _ = try await Self.sample(s, at: t0)
        let vmstat = try String(contentsOfFile: proc + "/vmstat", encoding: .utf8)
        let killed = vmstat.split(separator: "\n").map { $0.hasPrefix("oom_kill ") ? "oom_kill 99" : String($0) }.joined(separator: "\n") + "\n"
        try killed.write(toFile: proc + "/vmstat", atomically: false, encoding: .utf8)
        try Self.write(dir, "system.slice/backup.service", "memory.events", "oom 1\noom_kill 1\n")
        let after = try await Self.sample(s, at: t0 + .seconds(1))
        let backup = try #require(after.units.first { $0.unit == "backup.service" })
        #expect(backup.oomKillsDelta == 1)
        var snap = HostSnapshot(timestamp: 0, cycle: 2)
        snap.units = after
        #expect(UnitFamily.culpritText(for: .oomKills, in: snap) == "backup.service 1 kill")
    }

    /// On the real cgroup v2 hierarchy: a busy process moved into a unit's cgroup is named, with
    /// its pid, as the busiest process of that unit. Needs root and a writable cgroup v2 (skipped
    /// visibly otherwise).
    @Test func aBusyUnitNamesItsBusiestProcessOnTheRealHierarchy() async throws {
        guard getuid() == 0, let mount = CgroupTree.locate(root: "/sys/fs/cgroup") else {
            try Test.cancel("needs root and a cgroup v2 hierarchy under /sys/fs/cgroup")
        }
        // A run killed before its clean-up left its slice behind: empty now (the hog dies with
        // its test process), so rmdir takes it.
        for stale in (try? FileManager.default.contentsOfDirectory(atPath: mount)) ?? [] where stale.hasPrefix("vitals-test-") {
            rmdir(mount + "/" + stale + "/hog.service")
            rmdir(mount + "/" + stale)
        }
        let slice = mount + "/vitals-test-\(UUID().uuidString.prefix(8)).slice"
        let unit = slice + "/hog.service"
        do {
            try FileManager.default.createDirectory(atPath: unit, withIntermediateDirectories: true)
        } catch {
            try Test.cancel("cannot make a cgroup under \(mount): \(error)")
        }
        let hog = Process()
        hog.executableURL = URL(fileURLWithPath: "/bin/sh")
        // Busy while this test process lives: a run killed before its clean-up leaves no hog.
        hog.arguments = ["-c", "echo $$ > \(unit)/cgroup.procs && exec sh -c 'while kill -0 \(getpid()) 2>/dev/null; do :; done'"]
        try hog.run()
        defer {
            // SIGKILL: a test process may pass SIGTERM on ignored.
            kill(hog.processIdentifier, SIGKILL)
            hog.waitUntilExit()
            try? FileManager.default.removeItem(atPath: unit)  // rmdir of an empty cgroup
            try? FileManager.default.removeItem(atPath: slice)
        }
        var c = UnitsConfig()
        c.cgroupRoot = "/sys/fs/cgroup"
        let s = UnitSampler(config: c, proc: ProcFSHandle("/proc"))
        var found: UnitUsage?
        var seen: [UnitUsage] = []
        // Three cycles at least: the unit's share needs two readings, its processes' one more. A
        // busy machine gets more.
        for _ in 0..<40 {
            let stats = try await Self.sample(s, at: .now)
            seen = stats.units.filter { $0.cgroup.hasSuffix("/hog.service") }
            found = seen.first { $0.topProcesses != nil }
            if found != nil { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        let procs = (try? String(contentsOfFile: unit + "/cgroup.procs", encoding: .utf8)) ?? "?"
        let u = try #require(found, "the unit or its processes were not seen: \(seen), cgroup.procs \(procs), hog running \(hog.isRunning)")
        let top = try #require(u.topProcesses?.first)
        #expect(top.pid == hog.processIdentifier && top.name == "sh", "\(u)")
        #expect((u.cpuPercent ?? 0) >= UnitSampler.processShare && top.cpuPercent > 1, "\(u)")
    }

    @Test func withoutCgroupV2TheFamilyIsNotApplicableWithTheReason() async throws {
        let dir = NSTemporaryDirectory() + "vitals-v1-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/memory", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var c = UnitsConfig()
        c.cgroupRoot = dir
        let u = try await Self.sample(UnitSampler(config: c), at: .now)
        #expect(!u.available && u.units.isEmpty)
        #expect(u.reason?.contains(dir) == true && u.reason?.contains("cgroup v1") == true)
        var snap = HostSnapshot(timestamp: 0, cycle: 1)
        snap.units = u
        let obs = snap.observations().filter { $0.check.hasPrefix("unit_") }
        #expect(obs.count == 2 && obs.allSatisfy { if case .notApplicable = $0.reading { true } else { false } })
    }

    @Test func turnedOffItSaysSo() async throws {
        var c = UnitsConfig()
        c.enabled = false
        let u = try await Self.sample(UnitSampler(config: c), at: .now)
        #expect(!u.available && u.reason == "units.enabled is false")
    }
}
