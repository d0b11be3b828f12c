import Testing
import VitalsTestKit

@testable import VitalsCore

/// Issue 18: the disk forecast. A steady fill is forecast; noise, a burst that writes and deletes
/// within minutes, and a log rotation are not; the history survives a restart through its file.
@Suite struct FillTrendTests {
    static let gib = 1_073_741_824.0
    static let windows = ForecastWindows()

    /// A 200 GiB filesystem read every 10 s from `start` for `hours`, its used space from `used(t)`.
    static func history(hours: Double, start: Double = 1_800_000_000, used: (Double) -> Double) -> FillHistory {
        var h = FillHistory()
        var t = 0.0
        while t <= hours * 3600 {
            let u = used(t)
            h.add(FillPoint(time: start + t, usedBytes: u, freeBytes: 200 * gib - u), windows: windows)
            t += 10
        }
        return h
    }

    typealias Noise = TraceReplay.Noise

    @Test func aSteadyFillIsForecastWithItsRateAndTimeLeft() throws {
        // 100 GiB used, growing 4 GiB/h, for 7 hours: 72 GiB free at the end, 18 h left.
        let h = Self.history(hours: 7) { 100 * Self.gib + 4 * Self.gib * $0 / 3600 }
        let f = try #require(FillTrend.forecast(h, windows: Self.windows).space)
        #expect(abs(f.ratePerHour / Self.gib - 4) < 0.01)
        #expect(abs(f.hoursToFull - 18) < 0.1)
        #expect(f.description == "full in about 18 h at 4.0 GiB/h")
        #expect(h.points.count <= FillHistory.capacity && h.points.count >= 360)
    }

    @Test func beforeTheWindowsAreCoveredThereIsNoForecastAndTheReasonSaysWhy() {
        let h = Self.history(hours: 2) { 100 * Self.gib + 4 * Self.gib * $0 / 3600 }
        let f = FillTrend.forecast(h, windows: Self.windows)
        #expect(f.space == nil && f.why == "no forecast yet: needs 4h30m of readings, has 1h59m", "\(f.why)")
    }

    @Test func noiseIsNotATrend() {
        var n = Noise(state: 7)
        // ±2 GiB of noise around 120 GiB: the pair slopes rise and fall about equally.
        let h = Self.history(hours: 8) { _ in 120 * Self.gib + (n.next() - 0.5) * 4 * Self.gib }
        let f = FillTrend.forecast(h, windows: Self.windows)
        #expect(f.space == nil && f.why == "no forecast: not filling")
    }

    @Test func aCronBurstThatWritesAndDeletes20GiBIn5MinutesForecastsNothing() {
        // Flat at 150 GiB (50 GiB free), a job writes 20 GiB over 5 minutes at 7 h and deletes it.
        let burst = 7.0 * 3600
        let h = Self.history(hours: 8) { t in
            150 * Self.gib + (t >= burst && t < burst + 300 ? 20 * Self.gib * (t - burst) / 300 : 0)
        }
        // At every moment of the burst and after, nothing is forecast.
        var partial = FillHistory()
        for p in h.points {
            partial.add(p, windows: Self.windows)
            #expect(FillTrend.forecast(partial, windows: Self.windows).space == nil, "at \(p.time - 1_800_000_000) s")
        }
    }

    @Test func aLogRotationForecastsNothing() {
        // A log volume with 20 GiB free grows 0.5 GiB/h and is rotated every 6 h (what grew is
        // freed): never a forecast of full within a day, whatever the moment.
        let h = Self.history(hours: 24) { t in
            180 * Self.gib + 0.5 * Self.gib * t.truncatingRemainder(dividingBy: 6 * 3600) / 3600
        }
        var partial = FillHistory()
        for p in h.points {
            partial.add(p, windows: Self.windows)
            if let f = FillTrend.forecast(partial, windows: Self.windows).space {
                #expect(f.hoursToFull > 24, "at \(p.time - 1_800_000_000) s: \(f.description)")
            }
        }
    }

    @Test func whenTheWindowsDisagreeNothingIsSaid() {
        // Flat for 6 h, then 10 GiB/h for the last hour: the short trend is steep, the long one
        // mostly flat (its slopes are not three quarters rising): no forecast yet.
        let h = Self.history(hours: 7) { t in 100 * Self.gib + (t > 6 * 3600 ? 10 * Self.gib * (t - 6 * 3600) / 3600 : 0) }
        #expect(FillTrend.forecast(h, windows: Self.windows).space == nil)
    }

    @Test func inodesAreForecastToo() throws {
        var h = FillHistory()
        for i in 0...(7 * 360) {
            let t = Double(i * 10)
            h.add(
                FillPoint(
                    time: 1_800_000_000 + t, usedBytes: 10 * Self.gib, freeBytes: 100 * Self.gib, inodesUsed: 500_000 + 10_000 * t / 3600,
                    inodesFree: 1_000_000 - 10_000 * t / 3600), windows: Self.windows)
        }
        let f = FillTrend.forecast(h, windows: Self.windows)
        #expect(f.space == nil)
        let i = try #require(f.inodes)
        #expect(abs(i.hoursToFull - 93) < 0.5 && i.description == "inodes full in about 4 days at 10000 inodes/h")
    }

    @Test func aClockThatStepsBackDropsTheLaterPoints() {
        var h = FillHistory()
        for t in stride(from: 0.0, through: 600, by: 60) { h.add(FillPoint(time: 1000 + t, usedBytes: t, freeBytes: 1), windows: Self.windows) }
        h.add(FillPoint(time: 1200, usedBytes: 5, freeBytes: 1), windows: Self.windows)
        #expect(h.points.last?.time == 1200 && h.points.allSatisfy { $0.time <= 1200 })
    }

    @Test func theHistoryFileRoundTripsAndRefusesWhatItCannotRead() {
        let h = Self.history(hours: 1) { 100 * Self.gib + $0 }
        let text = FillHistoryFile.encode(["/srv/my data": h, "/": h])
        #expect(text.contains("/srv/my\\040data "))
        let back = FillHistoryFile.decode(text, file: "fh", now: 1_800_003_600, maxAge: 7 * 3600)
        #expect(back.problems.isEmpty && back.histories["/srv/my data"] == h && back.histories["/"] == h)
        let hostile =
            FillHistoryFile.header
            + "\n/srv 1800000000 1 2 - -\n/srv 1800000060 x 2 - -\nrelative 1800000000 1 2 - -\n/srv 1 2\n/srv 1800000120 -5 2 - -\n"
        let r = FillHistoryFile.decode(hostile, file: "fh", now: 1_800_000_200, maxAge: 7 * 3600)
        #expect(r.histories["/srv"]?.points.count == 1)
        #expect(
            r.problems == [
                "fh:3: time, used and free must be non-negative numbers; the line is skipped",
                "fh:4: the mount point is not an absolute path; the line is skipped",
                "fh:5: expected 6 fields (mount, time, used, free, inodes used, inodes free), got 3; the line is skipped",
                "fh:6: time, used and free must be non-negative numbers; the line is skipped",
            ])
        #expect(
            FillHistoryFile.decode("garbage\n", file: "fh", now: 0, maxAge: 1).problems.first?.hasPrefix("fh:1: not a vitals fill history") == true)
        let huge = String(repeating: "#", count: FillHistoryFile.maxBytes + 1)
        #expect(FillHistoryFile.decode(huge, file: "fh", now: 0, maxAge: 1).problems.first?.contains("over 4.0 MiB") == true)
    }

    @Test func theForecastCheckWarnsADayAheadAndTheDiskMessageCarriesTheETA() throws {
        var d = DiskStats(mountPoint: "/srv", device: "/dev/sdb1", fsType: "ext4", usedPercent: .value(91), inodesUsedPercent: .value(10))
        d.freeBytes = 12 * Self.gib
        d.forecast = DiskForecast(
            space: FillForecast(resource: "space", shortRatePerHour: 4.1 * Self.gib, longRatePerHour: 4.3 * Self.gib, free: 12 * Self.gib))
        var s = HostSnapshot(timestamp: 0, cycle: 1)
        s.disks = [d]
        let obs = s.observations()
        let disk = try #require(obs.first { $0.check == "disk" })
        #expect(disk.detail == "12.0 GiB free; full in about 3 h at 4.1 GiB/h")
        let forecast = try #require(obs.first { $0.check == "disk_forecast" })
        #expect(forecast.resource == "/srv" && abs((forecast.reading.value ?? 0) - 12 / 4.1) < 1e-9)
        let spec = BuiltinCheck.diskForecast.defaultSpec
        #expect(spec.level(of: 2.9, free: nil, current: .ok) == .critical && spec.level(of: 20, free: nil, current: .ok) == .warning)
        #expect(spec.level(of: 30, free: nil, current: .warning) == .warning && spec.level(of: 40, free: nil, current: .warning) == .ok)
        #expect(
            CheckEvaluator<ContinuousClock.Instant>.message(forecast, 2.93, .critical, spec)
                == "disk /srv full in 2.93h, below critical 4h; about 3 h at 4.1 GiB/h, 12.0 GiB free")
        s.disks![0].forecast = DiskForecast(reason: "no forecast: not filling")
        #expect(s.observations().first { $0.check == "disk_forecast" }?.reading == .notApplicable("no forecast: not filling"))
    }
}
