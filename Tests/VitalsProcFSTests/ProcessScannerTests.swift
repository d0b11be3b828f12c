import Foundation
import Testing
import VitalsCore
import VitalsTestKit

@testable import VitalsProcFS

/// True when the running kernel is at least `major.minor`.
private func linuxAtLeast(_ major: Int, _ minor: Int) -> Bool {
    var u = utsname()
    uname(&u)
    let release = withUnsafeBytes(of: u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
    guard parts.count == 2 else { return false }
    return (parts[0], parts[1]) >= (major, minor)
}

/// The per-process scan (issue 17): the count by `stat` agrees with a listing, limits are read
/// once per process and again for a reused pid, and the top list is re-counted between scans.
@Suite struct ProcessScannerTests {
    /// A copy of the debian12 fixture's processes that a test may change.
    private func fixtureCopy() throws -> String {
        let dir = NSTemporaryDirectory() + "vitals-scan-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for pid in ["1", "2", "4902"] {
            try FileManager.default.copyItem(atPath: Fixtures.path("proc/debian12/\(pid)"), toPath: dir + "/" + pid)
        }
        return dir
    }

    @Test(.enabled(if: linuxAtLeast(6, 2), "needs Linux 6.2 or later: older kernels give no fd count in st_size"))
    func onLinux62AndLaterOneStatCountsWhatAListingCounts() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        let null = FileHandle(forWritingAtPath: "/dev/null")!
        child.standardInput = null
        child.standardOutput = null
        child.standardError = null
        try child.run()
        defer {
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
        }
        let byStat = ProcessScanner(root: "/proc")
        let byListing = ProcessScanner(root: "/proc", method: .listing)
        let a = try byStat.scan(top: 100_000)
        let b = try byListing.scan(top: 100_000)
        #expect(byStat.method == .statSize)
        let pid = child.processIdentifier
        let viaStat = try #require(a.top.first { $0.pid == pid })
        let viaListing = try #require(b.top.first { $0.pid == pid })
        #expect(viaStat.open == viaListing.open)
        #expect(viaStat.open >= 3)
        #expect(viaStat.limit == viaListing.limit)
        // Every process on the host was counted; as root none was refused.
        #expect(a.summary.counted > 1)
        if getuid() == 0 { #expect(a.summary.unreadable == 0) }
        #expect(byStat.ownCount() > 0)
    }

    @Test func limitsAreReadOncePerProcessAndAgainForAReusedPid() throws {
        let root = try fixtureCopy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let scanner = ProcessScanner(root: root)
        let first = try scanner.scan(top: 5)
        #expect(scanner.method == .listing)  // a fixture tree's directory size is not a count
        #expect(first.top.map(\.pid) == [1, 4902, 2])
        #expect(first.summary.limitsRead == 3)
        let second = try scanner.scan(top: 5)
        #expect(second.summary.limitsRead == 0)
        #expect(second.top == first.top)

        // pid 4902 exits and the pid is reused by a process with a lower limit and more files (made
        // beside the old one and renamed over it, so its fd directory is a new inode).
        let next = root + "/next"
        try FileManager.default.createDirectory(atPath: next + "/fd", withIntermediateDirectories: true)
        for fd in 0..<30 { _ = FileManager.default.createFile(atPath: next + "/fd/\(fd)", contents: nil) }
        try
            "Limit                     Soft Limit           Hard Limit           Units     \nMax open files            64                   64                   files     \n"
            .write(toFile: next + "/limits", atomically: true, encoding: .utf8)
        try "reused\n".write(toFile: next + "/comm", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: root + "/4902")
        try FileManager.default.moveItem(atPath: next, toPath: root + "/4902")
        let third = try scanner.scan(top: 5)
        #expect(third.summary.limitsRead == 1)
        let named = scanner.names(third.top)
        #expect(named.first?.pid == 4902 && named.first?.name == "reused")
        #expect(named.first?.open == 30 && named.first?.limit == 64)

        // A process that is gone leaves the cache.
        try FileManager.default.removeItem(atPath: root + "/2")
        _ = try scanner.scan(top: 5)
        #expect(scanner.cachedProcesses == 2)
    }

    @Test func cachedLimitsAreReadAgainAfterTheRefreshCount() throws {
        let root = try fixtureCopy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let scanner = ProcessScanner(root: root, limitsRefreshScans: 2)
        #expect(try scanner.scan(top: 5).summary.limitsRead == 3)
        #expect(try scanner.scan(top: 5).summary.limitsRead == 0)
        #expect(try scanner.scan(top: 5).summary.limitsRead == 3)
    }

    @Test func betweenScansTheTopListIsCountedAgainAndAReusedPidDropped() throws {
        let root = try fixtureCopy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let scanner = ProcessScanner(root: root)
        let top = scanner.names(try scanner.scan(top: 2).top)
        #expect(top.map(\.pid) == [1, 4902])
        for fd in 100..<200 { _ = FileManager.default.createFile(atPath: root + "/4902/fd/\(fd)", contents: nil) }
        let again = scanner.remeasure(top)
        #expect(again.map(\.pid) == [4902, 1])  // 107 of 20000 now ranks above 49 of 32768
        #expect(again.first?.open == 107 && again.first?.name == "bash")
        try FileManager.default.createDirectory(atPath: root + "/1/fd.new", withIntermediateDirectories: true)
        try FileManager.default.removeItem(atPath: root + "/1/fd")
        try FileManager.default.moveItem(atPath: root + "/1/fd.new", toPath: root + "/1/fd")
        #expect(scanner.remeasure(again).map(\.pid) == [4902])
    }

    @Test func aKeptProcFileGivesCurrentFiguresOnEveryRead() throws {
        let file = KeptFile("/proc/uptime")
        let a = try file.read { String(decoding: $0, as: UTF8.self) }
        #expect(file.isKept)
        Thread.sleep(forTimeInterval: 0.05)
        let b = try file.read { String(decoding: $0, as: UTF8.self) }
        #expect(a != b)
        #expect(b.hasSuffix("\n") && b.split(separator: " ").count == 2)
        // A long file (more than one page per read) comes back whole.
        let mountinfo = KeptFile("/proc/self/mountinfo")
        let whole = try mountinfo.read { Array($0) }
        let again = try mountinfo.read { Array($0) }
        #expect(whole.count == again.count && whole.last == 0x0A)
    }

    @Test func aFixtureFileIsOpenedAnewSoARenameIsSeen() throws {
        let dir = NSTemporaryDirectory() + "vitals-kept-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "one\n".write(toFile: dir + "/f", atomically: true, encoding: .utf8)
        let file = KeptFile(dir + "/f")
        #expect(try file.read { String(decoding: $0, as: UTF8.self) } == "one\n")
        #expect(!file.isKept)
        try "two\n".write(toFile: dir + "/f", atomically: true, encoding: .utf8)
        #expect(try file.read { String(decoding: $0, as: UTF8.self) } == "two\n")
        #expect(file.mountTableChanged())
    }

    @Test(.enabled(if: getuid() == 0, "needs root: the test mounts a tmpfs"))
    func theMountTableIsReportedChangedOnlyAfterAMount() throws {
        let file = KeptFile("/proc/self/mountinfo")
        let before = try file.read { $0.count }
        #expect(!file.mountTableChanged())
        let dir = NSTemporaryDirectory() + "vitals-mnt-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mount("vitals-test", dir, "tmpfs", 0, nil) == 0)
        #expect(file.mountTableChanged())
        let during = try file.read { Scan.string($0) }
        #expect(during.contains(dir))
        #expect(umount(dir) == 0)
        #expect(file.mountTableChanged())
        #expect(try file.read { $0.count } == before || before > 0)
    }
}
