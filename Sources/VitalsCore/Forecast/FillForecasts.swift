/// Every mount's fill history and latest forecast (pure): `update` adds a cycle's readings and
/// sets each disk's forecast. The forecast is worked out again only when a reading opens a new
/// slot of the history (once a minute by default); in between, the time left follows the free
/// space at the known rate. `DiskForecaster` (VitalsSamplers) keeps one and saves its histories.
public struct FillForecasts: Sendable, Equatable {
    public var windows: ForecastWindows
    public private(set) var histories: [String: FillHistory] = [:]
    private var forecasts: [String: DiskForecast] = [:]

    public init(windows: ForecastWindows, histories: [String: FillHistory] = [:]) {
        self.windows = windows
        self.histories = histories
        for (mount, h) in histories { forecasts[mount] = Self.forecast(h, windows: windows) }
    }

    /// Takes new windows; the histories stay and the forecasts are worked out again.
    public mutating func apply(_ windows: ForecastWindows) {
        guard windows != self.windows else { return }
        self.windows = windows
        for (mount, h) in histories { forecasts[mount] = Self.forecast(h, windows: windows) }
    }

    /// Adds the readings of `disks` taken at `now` (Unix seconds) and sets their forecasts. True
    /// when a history changed in a way worth saving (a new slot, a mount forgotten).
    @discardableResult
    public mutating func update(_ disks: inout [DiskStats], now: Double) -> Bool {
        var changed = false
        var seen = Set<String>()
        for i in disks.indices {
            let d = disks[i]
            seen.insert(d.mountPoint)
            if let used = d.usedBytes, let free = d.freeBytes {
                let inodesFree = d.inodesTotal.flatMap { total in d.inodesUsed.map { max(0, total - $0) } }
                let p = FillPoint(time: now, usedBytes: used, freeBytes: free, inodesUsed: d.inodesUsed, inodesFree: inodesFree)
                var h = histories[d.mountPoint] ?? FillHistory()
                let opened = h.add(p, windows: windows)
                histories[d.mountPoint] = h
                if opened || forecasts[d.mountPoint] == nil {
                    forecasts[d.mountPoint] = Self.forecast(h, windows: windows)
                    changed = true
                } else {
                    forecasts[d.mountPoint] = Self.refreshed(forecasts[d.mountPoint], free: free, inodesFree: inodesFree)
                }
            }
            disks[i].forecast = forecasts[d.mountPoint] ?? DiskForecast(reason: "no forecast yet: no readings")
        }
        // A mount gone for longer than the long window is forgotten.
        for (mount, h) in histories where !seen.contains(mount) {
            if let last = h.points.last?.time, now - last > windows.long.seconds {
                histories[mount] = nil
                forecasts[mount] = nil
                changed = true
            }
        }
        return changed
    }

    static func forecast(_ h: FillHistory, windows: ForecastWindows) -> DiskForecast {
        let f = FillTrend.forecast(h, windows: windows)
        return DiskForecast(space: f.space, inodes: f.inodes, reason: f.space == nil && f.inodes == nil ? f.why : nil)
    }

    /// The forecast with the time left at the new free space; dropped when more was freed than a
    /// quarter hour of growth (a cleanup: the trend is worked out again at the next slot).
    static func refreshed(_ f: DiskForecast?, free: Double, inodesFree: Double?) -> DiskForecast? {
        guard var f else { return nil }
        if let s = f.space, free - s.free > s.shortRatePerHour / 4 {
            return DiskForecast(reason: "no forecast: space was freed; the trend is worked out again")
        }
        if let i = f.inodes, let inodesFree, inodesFree - i.free > i.shortRatePerHour / 4 {
            return DiskForecast(reason: "no forecast: inodes were freed; the trend is worked out again")
        }
        if let s = f.space {
            f.space = FillForecast(resource: s.resource, shortRatePerHour: s.shortRatePerHour, longRatePerHour: s.longRatePerHour, free: free)
        }
        if let i = f.inodes, let inodesFree {
            f.inodes = FillForecast(resource: i.resource, shortRatePerHour: i.shortRatePerHour, longRatePerHour: i.longRatePerHour, free: inodesFree)
        }
        return f
    }
}
