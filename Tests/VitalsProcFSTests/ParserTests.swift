import Testing
import VitalsCore
import VitalsTestKit

@testable import VitalsProcFS

@Suite struct ProcStatTests {
    @Test func parsesRealCapture() throws {
        let s = try ProcStat(parsing: ProcFS(root: Fixtures.path("proc/debian12")).text("stat"))
        #expect(s.cores.count == 2)
        #expect(s.cores.map(\.cpu) == [0, 1])
        #expect(s.total.user > 0 && s.total.idle > 0)
    }

    @Test func manyCores() throws {
        let fs = ProcFS(root: Fixtures.path("proc/many-cores"))
        let a = try ProcStat(parsing: fs.text("stat"))
        #expect(a.cores.count == 64)
        #expect(a.cores.last?.cpu == 63)
    }

    @Test func oldKernelWithFourFields() throws {
        let s = try ProcStat(parsing: "cpu  10 20 30 40\ncpu0 10 20 30 40\nintr 1\n")
        #expect(s.total == CPUTimes(user: 10, nice: 20, system: 30, idle: 40))
    }

    @Test func malformedFieldNamesTheFile() {
        #expect(throws: VitalsError.parse("/proc/stat", "field 2 of cpu is not a number: x")) {
            try ProcStat(parsing: "cpu  1 x 3 4 5\n")
        }
        #expect(throws: VitalsError.parse("/proc/stat", "no aggregate cpu line")) { try ProcStat(parsing: "intr 5\n") }
    }

    @Test func percentBetweenReadings() throws {
        let a = CPUTimes(user: 100, system: 100, idle: 800)
        let b = CPUTimes(user: 150, system: 110, idle: 840)
        let p = try #require(b.percent(since: a))
        #expect(p.user == 50)
        #expect(p.system == 10)
        #expect(p.idle == 40)
        #expect(p.busy == 60)
        #expect(b.percent(since: b) == nil)
    }

    @Test func counterGoingBackwardsIsClampedNotNegative() throws {
        let a = CPUTimes(user: 100, idle: 800, iowait: 50)
        let b = CPUTimes(user: 200, idle: 900, iowait: 40)
        let p = try #require(b.percent(since: a))
        #expect(p.iowait == 0)
        #expect(p.user == 50)
    }
}

@Suite struct MemInfoTests {
    @Test func realCapture() throws {
        let m = try MemInfo(parsing: ProcFS(root: Fixtures.path("proc/debian12")).text("meminfo"))
        #expect(m.total > 1_000_000_000)
        #expect(m.available.estimated == false)
        #expect(m.swapTotal == 0)
    }

    @Test func fallbackWithoutMemAvailable() throws {
        let text = "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 200 kB\nSReclaimable: 25 kB\n"
        let m = try MemInfo(parsing: text)
        #expect(m.available.bytes == 375 * 1024)
        #expect(m.available.estimated)
        let old = try MemInfo(parsing: ProcFS(root: Fixtures.path("proc/no-memavailable")).text("meminfo"))
        #expect(old.available.estimated)
        #expect(old.available.bytes > 0 && old.available.bytes <= old.total)
    }

    @Test func missingTotal() {
        #expect(throws: VitalsError.parse("/proc/meminfo", "no MemTotal line")) { try MemInfo(parsing: "MemFree: 1 kB\n") }
    }
}

@Suite struct SmallFileTests {
    @Test func loadavg() throws {
        let l = try LoadAvg(parsing: "0.52 0.58 1.59 2/812 12345\n")
        #expect(l.load1 == 0.52 && l.load5 == 0.58 && l.load15 == 1.59)
        #expect(l.running == 2 && l.threads == 812)
        #expect(throws: VitalsError.parse("/proc/loadavg", "expected 3 load fields, found 2")) { try LoadAvg(parsing: "0.1 0.2\n") }
    }

    @Test func fileNR() throws {
        let f = try FileNR(parsing: "2208\t0\t9223372036854775807\n")
        #expect(f.allocated == 2208 && f.maximum == 9_223_372_036_854_775_807)
        #expect(throws: VitalsError.self) { try FileNR(parsing: "12 0\n") }
    }

    @Test func vmstat() throws {
        let v = try VMStat(parsing: ProcFS(root: Fixtures.path("proc/swap")).text("vmstat2"))
        let v1 = try VMStat(parsing: ProcFS(root: Fixtures.path("proc/swap")).text("vmstat"))
        #expect(v.pswpin - v1.pswpin == 500)
        #expect(v.oomKill.map { $0 - (v1.oomKill ?? 0) } == 1)
        let old = try VMStat(parsing: "pswpin 5\npswpout 6\n")
        #expect(old.oomKill == nil)
    }

    @Test func pressure() throws {
        let text = "some avg10=1.50 avg60=0.25 avg300=0.00 total=123\nfull avg10=0.00 avg60=0.10 avg300=0.00 total=7\n"
        let p = try PressureResource(parsing: text, file: "/proc/pressure/io")
        #expect(p.some.avg10 == 1.5 && p.some.avg60 == 0.25 && p.some.totalMicros == 123)
        #expect(p.full?.avg60 == 0.1)
        let cpuOld = try PressureResource(parsing: "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", file: "x")
        #expect(cpuOld.full == nil)
        #expect(throws: VitalsError.parse("/proc/pressure/io", "malformed field \"avg10\"")) {
            try PressureResource(parsing: "some avg10\n", file: "/proc/pressure/io")
        }
    }

    @Test func openFilesLimit() throws {
        let l = try OpenFilesLimit(parsing: ProcFS(root: Fixtures.path("proc/debian12")).text("1/limits"))
        #expect(l.soft == 32768 && l.hard == 32768)
        let u = try OpenFilesLimit(parsing: "Max open files            unlimited            unlimited            files\n")
        #expect(u.soft == .infinity)
    }
}

@Suite struct MountInfoTests {
    @Test func largeFileIsReadWhole() throws {
        let fs = ProcFS(root: Fixtures.path("proc/mounts"))
        let text = try fs.text("self/mountinfo")
        #expect(text.utf8.count > 8192)
        let m = try MountInfo(parsing: text)
        #expect(m.entries.count == text.split(separator: "\n").count)
    }

    @Test func unescapesSpacesAndReadsOptionalFields() throws {
        let line = "36 35 98:0 /mnt1 /mnt/my\\040disk rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n"
        let e = try #require(try MountInfo(parsing: line).entries.first)
        #expect(e.mountPoint == "/mnt/my disk")
        #expect(e.root == "/mnt1")
        #expect(e.fsType == "ext3")
        #expect(e.source == "/dev/root")
        #expect(e.device == "98:0")
    }

    @Test func malformedLineIsNamed() {
        #expect(throws: VitalsError.parse("/proc/self/mountinfo", "line 1 is malformed: \"36 35 98:0\"")) {
            try MountInfo(parsing: "36 35 98:0\n")
        }
    }
}

@Suite struct ReaderTests {
    @Test func reusedBufferReturnsOnlyTheNewFile() throws {
        let fs = ProcFS(root: Fixtures.path("proc/mounts"))
        var buffer: [UInt8] = []
        let long = try fs.text("self/mountinfo", buffer: &buffer)
        #expect(long.utf8.count > 8192)
        let short = try fs.text("loadavg", buffer: &buffer)
        #expect(short == (try fs.text("loadavg")))
        #expect(short.utf8.count < 100)
        let limits = try fs.bytes("../debian12/1/limits", buffer: &buffer)
        #expect(try OpenFilesLimit(bytes: limits).soft == 32768)
    }

    @Test func missingFileNamesThePath() {
        let fs = ProcFS(root: "/nonexistent-root")
        #expect(throws: VitalsError(.io, "/nonexistent-root/stat: cannot open", cause: "No such file or directory", osError: 2)) {
            try fs.text("stat")
        }
    }
}
