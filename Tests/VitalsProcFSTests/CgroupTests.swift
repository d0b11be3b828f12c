import Foundation
import Testing
import VitalsCore
import VitalsTestKit

@testable import VitalsProcFS

/// Issue 18: the cgroup v2 files the units family reads, and the walk that finds the units.
@Suite struct CgroupFileTests {
    func bytes(_ s: String) -> ArraySlice<UInt8> { Array(s.utf8)[...] }

    @Test func cpuStatGivesUsage() throws {
        let text = "usage_usec 912345678\nuser_usec 700000000\nsystem_usec 212345678\nnr_periods 0\n"
        #expect(try CgroupFile.cpuUsageMicros(bytes(text), file: "cpu.stat") == 912_345_678)
        #expect(throws: VitalsError.self) { try CgroupFile.cpuUsageMicros(bytes("user_usec 1\n"), file: "cpu.stat") }
        #expect(throws: VitalsError.self) { try CgroupFile.cpuUsageMicros(bytes("usage_usec -1\n"), file: "cpu.stat") }
    }

    @Test func limitsReadMaxAsNone() throws {
        #expect(try CgroupFile.number(bytes("max\n"), file: "memory.max") == nil)
        #expect(try CgroupFile.number(bytes("268435456\n"), file: "memory.max") == 268_435_456)
        let e = try #require(throws: VitalsError.self) { try CgroupFile.number(bytes("lots\n"), file: "/x/memory.max") }
        #expect(e.description.contains("/x/memory.max") && e.description.contains("\"max\""))
    }

    @Test func memoryEventsGiveOOMKills() throws {
        let text = "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\noom_group_kill 0\n"
        #expect(try CgroupFile.oomKills(bytes(text), file: "memory.events") == 2)
        // oom_group_kill must not be taken for oom_kill.
        #expect(throws: VitalsError.self) { try CgroupFile.oomKills(bytes("oom_group_kill 4\n"), file: "memory.events") }
    }

    @Test func ioStatSumsTheDevices() throws {
        let text = "259:0 rbytes=100 wbytes=20 rios=3 wios=4 dbytes=0 dios=0\n8:0 rbytes=1 wbytes=2 rios=1 wios=1 dbytes=9 dios=9\n"
        #expect(try CgroupFile.ioTotals(bytes(text), file: "io.stat") == .init(readBytes: 101, writeBytes: 22, operations: 9))
        #expect(try CgroupFile.ioTotals(bytes(""), file: "io.stat") == .init())
        #expect(throws: VitalsError.self) { try CgroupFile.ioTotals(bytes("8:0 rbytes\n"), file: "io.stat") }
    }

    @Test func processStatGivesNameAndTicksWhateverTheName() throws {
        let text = "812 (postgres: (writer) x) S 1 812 812 0 -1 4194560 377 0 0 0 1500 250 0 0 20 0 1 0 1213 219000832 3062 18446744073709551615\n"
        let p = try #require(ProcessCPU.parse(bytes(text)))
        #expect(p.name == "postgres: (writer) x" && p.ticks == 1750)
        #expect(ProcessCPU.parse(bytes("812 (x) S 1")) == nil)
        // The real file of this process parses.
        let own = try String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
        #expect(ProcessCPU.parse(bytes(own)) != nil)
        #expect(ProcessCPU.pids(bytes("1\n2\nx\n0\n3\n"), limit: 2) == [1, 2])
    }

    @Test func unitNames() {
        for name in ["nginx.service", "session-3.scope", "user.slice", "dev-hugepages.mount", "dbus.socket", "dev-sda2.swap"] {
            #expect(CgroupFile.isUnitName(name), "\(name)")
        }
        for name in ["payload", ".service", "cpu.stat", "init"] { #expect(!CgroupFile.isUnitName(name), "\(name)") }
    }
}

@Suite struct CgroupTreeTests {
    static func copyFixture() throws -> String {
        let dir = NSTemporaryDirectory() + "vitals-cgroup-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: Fixtures.path("cgroup/debian12"), toPath: dir)
        return dir
    }

    @Test func locateFindsUnifiedAndHybridLayouts() throws {
        let dir = try Self.copyFixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(CgroupTree.locate(root: dir) == dir)
        let hybrid = NSTemporaryDirectory() + "vitals-hybrid-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: hybrid + "/memory", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: dir, toPath: hybrid + "/unified")
        defer { try? FileManager.default.removeItem(atPath: hybrid) }
        #expect(CgroupTree.locate(root: hybrid) == hybrid + "/unified")
        try FileManager.default.removeItem(atPath: hybrid + "/unified")
        #expect(CgroupTree.locate(root: hybrid) == nil)
    }

    @Test func theWalkFindsTheUnitsAndOnlyThem() throws {
        let tree = CgroupTree(mount: Fixtures.path("cgroup/debian12"))
        try tree.refresh(max: 100, exclude: [])
        let byPath = Dictionary(uniqueKeysWithValues: tree.units.map { ($0.path, $0) })
        #expect(tree.units.count == 16)
        #expect(byPath["system.slice/postgresql.service/payload"] == nil)  // a delegated subtree, not a unit
        #expect(byPath["system.slice/not-a-dir.service"] == nil)
        #expect(byPath["system.slice"]?.leaf == false)
        #expect(byPath["user.slice/user-1000.slice/user@1000.service"]?.leaf == false)  // a manager with units
        #expect(byPath["system.slice/nginx.service"]?.leaf == true)
        #expect(byPath["system.slice/nginx.service"]?.name == "nginx.service")
        // Two units named app.service: both are named by their path.
        #expect(byPath["system.slice/app.service"]?.name == "system.slice/app.service")
        #expect(
            byPath["user.slice/user-1000.slice/user@1000.service/app.slice/app.service"]?.name
                == "user.slice/user-1000.slice/user@1000.service/app.slice/app.service")
        // Nothing changed: no second walk.
        #expect(try tree.refresh(max: 100, exclude: []) == false)
    }

    @Test func excludedUnitsAndTheirChildrenAreNotFollowedAndTheBoundCounts() throws {
        let tree = CgroupTree(mount: Fixtures.path("cgroup/debian12"))
        try tree.refresh(max: 100, exclude: ["user.slice", "*.scope"])
        #expect(tree.units.allSatisfy { !$0.path.hasPrefix("user.slice") && !$0.name.hasSuffix(".scope") })
        #expect(tree.units.count == 8)
        try tree.refresh(max: 5, exclude: [])
        #expect(tree.units.count == 5)
        #expect(tree.untracked == 4)  // the units seen beside the last followed ones (their children are not walked)
    }

    @Test func aUnitStartedOrStoppedIsFoundAtTheNextRefresh() throws {
        let dir = try Self.copyFixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tree = CgroupTree(mount: dir)
        let t0 = ContinuousClock.now
        try tree.refresh(max: 100, exclude: [], now: t0)
        #expect(try tree.refresh(max: 100, exclude: [], now: t0 + .seconds(6)) == false)
        try FileManager.default.createDirectory(atPath: dir + "/system.slice/run-u12.service", withIntermediateDirectories: false)
        try "usage_usec 5\n".write(toFile: dir + "/system.slice/run-u12.service/cpu.stat", atomically: false, encoding: .utf8)
        #expect(try tree.refresh(max: 100, exclude: [], now: t0 + .seconds(7)) == true)
        #expect(tree.units.contains { $0.name == "run-u12.service" })
        // A file written inside a unit is not a unit starting: no walk.
        try "x".write(toFile: dir + "/system.slice/cron.service/cgroup.procs", atomically: false, encoding: .utf8)
        #expect(try tree.refresh(max: 100, exclude: [], now: t0 + .seconds(8)) == false)
        // A unit stopped within the gap after the last walk is found once the gap has passed
        // (cgroups made and removed in a loop cost one walk per 5 s, not one per cycle).
        try FileManager.default.removeItem(atPath: dir + "/system.slice/run-u12.service")
        #expect(try tree.refresh(max: 100, exclude: [], now: t0 + .seconds(9)) == false)
        #expect(tree.units.contains { $0.name == "run-u12.service" })
        #expect(try tree.refresh(max: 100, exclude: [], now: t0 + .seconds(12)) == true)
        #expect(!tree.units.contains { $0.name == "run-u12.service" })
    }

    @Test func aUnitReadsItsFilesAndRemembersWhatTheKernelDoesNotOffer() throws {
        let dir = try Self.copyFixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tree = CgroupTree(mount: dir)
        try tree.refresh(max: 100, exclude: [])
        let nginx = try #require(tree.units.first { $0.name == "nginx.service" })
        let r = try nginx.read(details: true)
        #expect(r.cpuMicros == 312_456_120 && r.memoryBytes == 246_415_360 && r.memoryMax == 268_435_456 && r.memoryHigh == nil)
        #expect(r.oomKills == 1 && r.io?.readBytes == 104_857_600 && r.memoryPressure == 2.5 && r.detailed)
        // No memory controller for this unit (as in a container without controllers): nil, not an error.
        try FileManager.default.removeItem(atPath: dir + "/system.slice/nginx.service/memory.events")
        try FileManager.default.removeItem(atPath: dir + "/system.slice/nginx.service/memory.current")
        let again = try nginx.read(details: true)
        #expect(again.oomKills == nil && again.memoryBytes == nil && again.cpuMicros == 312_456_120)
        let quick = try nginx.read(details: false)
        #expect(quick.memoryMax == nil && !quick.detailed)
        // A unit gone since the walk: the read fails (the sampler skips it).
        try FileManager.default.removeItem(atPath: dir + "/system.slice/nginx.service")
        #expect(throws: (any Error).self) { try nginx.read(details: false) }
    }
}
