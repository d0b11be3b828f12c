import Foundation
import Testing

@testable import VitalsDaemon

/// Issue 17: the executable's read-only pages are handed back to the kernel after start-up.
@Suite(.serialized) struct StartupPagesTests {
    /// Resident KiB of the executable's read-only mappings (code, constants), from /proc/self/smaps.
    private func residentExecutableKiB() throws -> Int {
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var total = 0
        var inExe = false
        let smaps = String(decoding: try #require(StartupPages.readAll("/proc/self/smaps")), as: UTF8.self)
        for line in smaps.split(separator: "\n") {
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
        // Every page of the executable's read-only mappings read once, so there is something to
        // hand back whatever ran before (the tests running beside this one bring some back).
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var sum: UInt64 = 0
        for m in StartupPages.fileMappings(try #require(StartupPages.readAll("/proc/self/maps"))) where m.path == exe && !m.writable {
            for page in stride(from: m.start, to: m.end, by: 4096) {
                sum &+= UInt64(UnsafeRawPointer(bitPattern: page)!.load(as: UInt8.self))
            }
        }
        #expect(sum >= 0)
        let before = try residentExecutableKiB()
        let advised = StartupPages.release()
        #expect(advised > 0, "no read-only mapping of the executable was found in /proc/self/maps")
        let after = try residentExecutableKiB()
        // What the test process touches again meanwhile comes back; most of it stays out.
        #expect(after < before / 2, "resident \(before) KiB before, \(after) KiB after")
    }

    /// The libraries' read-only mappings go too (their symbol tables, read once by the dynamic
    /// linker), not only the executable's: more is advised than the executable's own.
    @Test func theLibrariesReadOnlyPagesAreAdvisedToo() throws {
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        // Read to the end: String(contentsOfFile:) stops at /proc's first short read (one page).
        let maps = try #require(StartupPages.readAll("/proc/self/maps"))
        let mappings = StartupPages.fileMappings(maps)
        let exeReadOnly = mappings.filter { $0.path == exe && !$0.writable }.reduce(0) { $0 + Int($1.end - $1.start) }
        #expect(mappings.contains { $0.path.hasSuffix(".so") || $0.path.contains(".so.") }, "no shared library in \(mappings.map(\.path))")
        #expect(StartupPages.release() > exeReadOnly)
    }

    /// /proc/PID/maps lines: file-backed mappings only, writability from the second permission.
    @Test func mapsLinesGiveTheFileBackedMappings() {
        let text = """
            55f56c723000-55f56cb19000 r--p 00000000 fe:00 16228712                   /usr/bin/vitals
            55f56cb19000-55f56d527000 r-xp 003f5000 fe:00 16228712                   /usr/bin/vitals
            55f56d595000-55f56d713000 rw-p 00e6f000 fe:00 16228712                   /usr/bin/vitals
            55f56d713000-55f56d795000 rw-p 00000000 00:00 0 
            55558d35f000-55558d380000 rw-p 00000000 00:00 0                          [heap]
            7f9e713f3000-7f9e71400000 ---p 00000000 00:00 0 
            7f9e71500000-7f9e71528000 r--p 00000000 fe:00 1311                       /usr/lib/x86_64-linux-gnu/libc.so.6
            7ffc99dd5000-7ffc99dd9000 r--p 00000000 00:00 0                          [vvar]
            7ffc99dd9000-7ffc99ddb000 r-xp 00000000 00:00 0                          [vdso]
            7f9e71600000-7f9e71601000 r--p 00000000 fe:00 99                         /tmp/a file with spaces
            garbage line
            """
        let m = StartupPages.fileMappings(Array(text.utf8))
        #expect(
            m.map(\.path) == [
                "/usr/bin/vitals", "/usr/bin/vitals", "/usr/bin/vitals", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/tmp/a file with spaces",
            ])
        #expect(m.map(\.writable) == [false, false, true, false, false])
        #expect(m[0].start == 0x55f5_6c72_3000 && m[0].end == 0x55f5_6cb1_9000)
    }

    /// In a private writable mapping only present pages still the file's (bit 61) go: a page the
    /// process wrote is anonymous now, and without swap it could not go anywhere.
    @Test func onlyPresentFilePagesFormTheRunsToPageOut() {
        let present: UInt64 = 1 << 63
        let file: UInt64 = 1 << 61
        let entries: [UInt64] = [present | file, present | file, present, 0, present | file, file, present | file, present | file]
        let runs = StartupPages.cleanFileRuns(entries)
        #expect(runs.map(\.first) == [0, 4, 6])
        #expect(runs.map(\.count) == [2, 1, 2])
        #expect(StartupPages.cleanFileRuns([]).isEmpty)
    }
}

/// Issue 17: one malloc arena (`vitals_one_malloc_arena` in CHost runs before main), so threads
/// that allocate at once share a heap instead of each keeping freed pages in an arena of its own.
@Suite struct MallocArenaTests {
    @Test func threadsAllocatingAtOnceShareOneArena() throws {
        try #require(ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil, "MALLOC_ARENA_MAX is set: glibc takes it instead")
        // Four threads allocating at the same time: without the limit each contended thread gets an arena.
        let threads = (0..<4).map { _ in
            Thread {
                for _ in 0..<20000 {
                    let p = malloc(200)!
                    memset(p, 1, 200)
                    free(p)
                }
            }
        }
        for t in threads { t.start() }
        while threads.contains(where: { !$0.isFinished }) { usleep(1000) }
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var size = 0
        // malloc_info is in <malloc.h>, which the Glibc module leaves out.
        typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
        let symbol = try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_info"), "glibc has no malloc_info")
        let mallocInfo = unsafeBitCast(symbol, to: MallocInfo.self)
        let stream = try #require(open_memstream(&buffer, &size))
        _ = mallocInfo(0, stream)
        fclose(stream)
        defer { free(buffer) }
        let xml = String(cString: try #require(buffer))
        let heaps = xml.components(separatedBy: "<heap nr=").count - 1
        #expect(heaps == 1, "malloc_info lists \(heaps) arenas")
    }
}
