import Dispatch
import Foundation
import Testing
import VitalsCore
import VitalsTestKit

@testable import VitalsProcFS
@testable import VitalsSamplers

@Suite struct CPUSamplerTests {
    func stat(_ scenario: String, _ file: String) throws -> ProcStat {
        try ProcStat(parsing: ProcFS(root: Fixtures.path("proc/\(scenario)")).text(file))
    }

    @Test func firstSampleIsUnknownNeverZero() throws {
        let u = CPUSampler.usage(from: nil, to: try stat("debian12", "stat"))
        #expect(u.total == nil)
        #expect(u.busy == .unknown("first sample: usage needs two readings"))
        #expect(u.onlineCores == 2)
    }

    @Test func realPairGivesModesThatAddUp() throws {
        let u = CPUSampler.usage(from: try stat("debian12", "stat"), to: try stat("debian12", "stat2"))
        let t = try #require(u.total)
        let sum = t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal
        #expect(abs(sum - 100) < 1e-9)
        #expect(u.cores.count == 2 && u.cores.allSatisfy { $0.modes != nil })
    }

    @Test func manyCores() throws {
        let u = CPUSampler.usage(from: try stat("many-cores", "stat"), to: try stat("many-cores", "stat2"))
        #expect(u.cores.count == 64)
        #expect(u.total != nil)
    }

    @Test func hotplugNeitherCrashesNorSkews() throws {
        let before = try stat("cpu-offline", "stat")
        let after = try stat("cpu-offline", "stat2")
        let u = CPUSampler.usage(from: before, to: after)
        #expect(u.onlineCores == 3)
        let t = try #require(u.total)
        for v in [t.user, t.nice, t.system, t.idle, t.iowait, t.irq, t.softirq, t.steal] { #expect(v >= 0 && v <= 100) }
        // The total is the sum over cores present in both samples.
        let online = Set(after.cores.map(\.cpu))
        var a = CPUTimes()
        var b = CPUTimes()
        for (cpu, times) in before.cores where online.contains(cpu) { a = a + times }
        for (_, times) in after.cores { b = b + times }
        #expect(t == b.percent(since: a))
        // Coming back online: that core is unknown for one sample.
        var returned = after
        let tick = CPUTimes(user: 10, idle: 90)
        returned.cores = after.cores.map { ($0.cpu, $0.times + tick) }
        returned.cores.insert((2, before.cores.first { $0.cpu == 2 }!.times + tick), at: 2)
        returned.total = returned.cores.reduce(CPUTimes()) { $0 + $1.times }
        let back = CPUSampler.usage(from: after, to: returned)
        #expect(back.onlineCores == 4)
        #expect(back.cores.first { $0.cpu == 2 }?.modes == nil)
        #expect(back.total?.user == 10)
    }
}

@Suite struct OtherSamplerTests {
    @Test func memoryWithSwapAndRates() throws {
        let fs = ProcFS(root: Fixtures.path("proc/swap"))
        let mem = try MemInfo(parsing: fs.text("meminfo"))
        let m = MemorySampler.stats(
            mem, try VMStat(parsing: fs.text("vmstat2")), previous: (try VMStat(parsing: fs.text("vmstat")), .seconds(10)))
        #expect(m.swapUsedPercent == .value(25))
        #expect(m.swapInPagesPerSecond == .value(50))
        #expect(m.oomKillsDelta == .value(1))
        let first = MemorySampler.stats(mem, try VMStat(parsing: fs.text("vmstat")), previous: nil)
        #expect(first.swapInPagesPerSecond == .unknown("first sample: rate needs two readings"))
    }

    @Test func noSwapIsNotApplicable() async throws {
        let s = MemorySampler(proc: ProcFSHandle(Fixtures.path("proc/debian12")))
        var snapshot = HostSnapshot(timestamp: 0, cycle: 1)
        try await s.sample(at: .now).apply(to: &snapshot)
        let m = try #require(snapshot.memory)
        #expect(m.swapUsedPercent == .notApplicable("not applicable: no swap configured"))
        #expect(m.availableEstimated == false)
    }

    @Test func noPSI() async throws {
        let s = PressureSampler(proc: ProcFSHandle(Fixtures.path("proc/no-psi")))
        var snapshot = HostSnapshot(timestamp: 0, cycle: 1)
        try await s.sample(at: .now).apply(to: &snapshot)
        let p = try #require(snapshot.pressure)
        #expect(p.available == false)
    }

    /// Issue 17: between full scans only the top processes are counted again; when every one of
    /// them has exited (short-lived processes on a busy host) the sampler scans at once instead of
    /// reporting none, which made process_fds unknown until the next scan.
    @Test func whenTheWholeTopListHasExitedTheSamplerScansAgainAtOnce() async throws {
        let root = NSTemporaryDirectory() + "vitals-fh-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.copyItem(atPath: Fixtures.path("proc/debian12"), toPath: root)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var config = FileHandleConfig()
        config.topProcesses = 2
        let s = FileHandleSampler(proc: ProcFSHandle(root), config: config)  // scan every 30 s
        let start = ContinuousClock.now
        var first = HostSnapshot(timestamp: 0, cycle: 1)
        try await s.sample(at: start).apply(to: &first)
        #expect(first.fileHandles?.topProcesses.map(\.pid) == [1, 4902])
        // pid 2 stays (it was third); the two top processes exit.
        for pid in ["1", "4902"] { try FileManager.default.removeItem(atPath: root + "/" + pid) }
        var second = HostSnapshot(timestamp: 1, cycle: 2)
        try await s.sample(at: start.advanced(by: .seconds(1))).apply(to: &second)
        #expect(second.fileHandles?.topProcesses.map(\.pid) == [2])
        let obs = FileHandleFamily.observations(second) { _ in .unknown("") }.first { $0.check == BuiltinCheck.processFDs.rawValue }
        #expect(obs?.reading.value != nil, "\(String(describing: obs))")
    }

    @Test func fileHandlesNameTheTopProcesses() async throws {
        let s = FileHandleSampler(proc: ProcFSHandle(Fixtures.path("proc/debian12")), top: 5)
        var snapshot = HostSnapshot(timestamp: 0, cycle: 1)
        try await s.sample(at: .now).apply(to: &snapshot)
        let f = try #require(snapshot.fileHandles)
        // 49 of 32768 (0.15 %) ranks above 7 of 20000 (0.035 %).
        #expect(f.topProcesses.map(\.pid) == [1, 4902, 2])
        #expect(f.topProcesses.first?.name == "process_api")
        #expect(f.topProcesses.first?.open == 49)
        #expect(f.topProcesses.first?.limit == 32768)
        #expect(f.topProcesses[1].name == "bash" && f.topProcesses[1].open == 7)
        #expect(f.topProcesses.last?.open == 0)
    }

    @Test func mountSelectionSkipsPseudoAndImagesAndCountsBindMountsOnce() throws {
        let m = try MountInfo(parsing: ProcFS(root: Fixtures.path("proc/mounts")).text("self/mountinfo"))
        let chosen = MountSelection.select(m.entries, config: DiskConfig())
        let types = Set(chosen.map(\.fsType))
        for skipped in ["proc", "sysfs", "cgroup2", "devtmpfs", "squashfs", "erofs", "iso9660", "overlay", "tmpfs", "autofs"] {
            #expect(!types.contains(skipped), "\(skipped) must be skipped")
        }
        #expect(chosen.contains { $0.mountPoint == "/" })
        #expect(Set(chosen.map(\.device)).count == chosen.count)
        #expect(!chosen.contains { $0.mountPoint.hasPrefix("/snap/") })
        var withTmpfs = DiskConfig()
        withTmpfs.includeTmpfs = true
        #expect(MountSelection.select(m.entries, config: withTmpfs).contains { $0.fsType == "tmpfs" })
        var exclude = DiskConfig()
        exclude.excludeMounts = ["/mnt/*"]
        #expect(!MountSelection.select(m.entries, config: exclude).contains { $0.mountPoint.hasPrefix("/mnt/") })
    }

    @Test func dfSemantics() {
        let e = MountInfoEntry(
            mountID: 1, parentID: 0, device: "8:1", root: "/", mountPoint: "/srv", options: "rw", fsType: "ext4", source: "/dev/sda1",
            superOptions: "rw")
        // 1000 blocks of 4 KiB, 100 free of which 50 are available to users: used 900, df says 900/(900+50).
        let s = Syscalls.FSStats(blockSize: 4096, blocks: 1000, blocksFree: 100, blocksAvailable: 50, files: 0, filesFree: 0)
        let d = DiskSampler.stats(e, .stats(s), timeout: .seconds(1))
        #expect(d.usedPercent == Reading.value(900.0 / 950.0 * 100))
        #expect(d.freeBytes == 204_800.0)
        #expect(d.reservedBytes == 204_800.0)
        #expect(d.inodesUsedPercent == Reading.notApplicable("filesystem has no inode limit"))
    }

    @Test func hungMountIsUnknownAndDoesNotBlock() async throws {
        let release = ManualGate()
        let worker = StatvfsWorker { path in
            if path == "/hung" { release.wait() }
            return Syscalls.FSStats(blockSize: 1, blocks: 10, blocksFree: 5, blocksAvailable: 5, files: 10, filesFree: 5)
        }
        // The gate stays shut until the end: the batch can only return through its deadline.
        let r = await worker.stat(["/", "/hung"], timeout: .milliseconds(200))
        #expect(r["/hung"] == .notResponding)
        if case .stats = r["/"] {} else { Issue.record("/ should have answered") }
        // Asked again while still hung: answered at once, no second blocked thread.
        let again = await worker.stat(["/hung"], timeout: .seconds(5))
        #expect(again["/hung"] == .notResponding)
        #expect(worker.hung == ["/hung"])
        release.open()
        for _ in 0..<100 where !worker.hung.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(worker.hung.isEmpty)
    }
}

/// A gate a blocked thread waits on until the test opens it.
final class ManualGate: Sendable {
    private let sem = DispatchSemaphoreBox()
    func wait() { sem.wait() }
    func open() { sem.signal() }
}

final class DispatchSemaphoreBox: @unchecked Sendable {
    private let s = DispatchSemaphore(value: 0)
    func wait() { s.wait() }
    func signal() { s.signal() }
}
