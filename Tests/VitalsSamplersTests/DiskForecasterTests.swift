import Foundation
import Testing
import VitalsCore

@testable import VitalsSamplers

/// Issue 18: the forecaster between sampling and the checks, and its history across a restart.
@Suite struct DiskForecasterTests {
    static let gib = 1_073_741_824.0

    static func snapshot(at t: Double, used: Double) -> HostSnapshot {
        var s = HostSnapshot(timestamp: t, cycle: 1)
        var d = DiskStats(mountPoint: "/srv", device: "/dev/sdb1", fsType: "ext4", usedPercent: .value(used / 2 / gib), inodesUsedPercent: .value(1))
        d.usedBytes = used
        d.freeBytes = 200 * gib - used
        d.inodesTotal = 1000
        d.inodesUsed = 10
        s.disks = [d]
        return s
    }

    @Test func aFillingMountGetsItsForecastAndARestartKeepsIt() throws {
        let dir = NSTemporaryDirectory() + "vitals-forecast-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/forecast-history"
        let f = DiskForecaster(windows: ForecastWindows(), path: path)
        #expect(f.load(now: 1_800_000_000).isEmpty)  // no file yet: a first start
        let start = 1_800_000_000.0
        var last = HostSnapshot(timestamp: 0, cycle: 0)
        // 7 hours at 10 s: 100 GiB used, growing 4 GiB/h.
        for i in 0...(7 * 360) {
            let t = Double(i * 10)
            var s = Self.snapshot(at: start + t, used: 100 * Self.gib + 4 * Self.gib * t / 3600)
            #expect(f.update(&s) == nil)
            last = s
        }
        let space = try #require(last.disks?.first?.forecast?.space)
        #expect(abs(space.hoursToFull - 18) < 0.1)
        // Saved every 5 minutes: the file is there without a shutdown.
        #expect(FileManager.default.fileExists(atPath: path))
        // A restart: a new forecaster reads the file and has the forecast at its first cycle.
        let again = DiskForecaster(windows: ForecastWindows(), path: path)
        #expect(again.load(now: start + 7 * 3600 + 60).isEmpty)
        var s = Self.snapshot(at: start + 7 * 3600 + 60, used: 100 * Self.gib + 4 * Self.gib * (7 * 3600 + 60) / 3600)
        again.update(&s)
        #expect(s.disks?.first?.forecast?.space != nil)
        #expect(s.samplersOK)
        // A damaged file is named and skipped, never a crash.
        try "# vitals disk fill history, format 1\n/srv x\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(
            DiskForecaster(windows: ForecastWindows(), path: path).load(now: start) == [
                "\(path):2: expected 6 fields (mount, time, used, free, inodes used, inodes free), got 2; the line is skipped"
            ])
    }

    @Test func aHistoryThatCannotBeSavedIsReportedAndTheForecastStillWorks() throws {
        let f = DiskForecaster(windows: ForecastWindows(), path: "/nonexistent-vitals-dir/forecast-history")
        var s = Self.snapshot(at: 1_800_000_000, used: 10 * Self.gib)
        let e = try #require(f.update(&s))
        #expect(e.description.contains("/nonexistent-vitals-dir/forecast-history.tmp"))
        #expect(s.disks?.first?.forecast?.reason?.hasPrefix("no forecast yet") == true)
    }
}

extension HostSnapshot {
    fileprivate var samplersOK: Bool { samplers.allSatisfy { $0.outcome == .ok } }
}
