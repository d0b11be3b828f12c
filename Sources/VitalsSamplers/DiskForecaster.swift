import Synchronization
public import VitalsCore
import VitalsProcFS

/// Keeps each mount's fill history and, after the disks are sampled, writes each mount's forecast
/// into the snapshot (`DiskStats.forecast`): `FillTrend` over the `disk.forecast_*_window`s. The
/// forecast is worked out again only when a reading opens a new slot of the history (once a
/// minute by default); the cycles between carry it.
///
/// With a state directory the histories are saved to `forecast-history` there every 5 minutes
/// and at shutdown, and read at start, so a restart keeps the trends.
public final class DiskForecaster: Sendable {
    /// The history file, or nil to keep the histories in memory only.
    public let path: String?
    /// How often the histories are saved.
    public static let savePeriod = 300.0
    private let state: Mutex<State>

    private struct State {
        var windows: ForecastWindows
        var histories: [String: FillHistory] = [:]
        var forecasts: [String: DiskForecast] = [:]
        var lastSave: Double?
        var dirty = false
    }

    public init(windows: ForecastWindows, path: String?) {
        self.path = path
        state = Mutex(State(windows: windows))
    }

    /// Reads the saved histories; what was wrong with the file, each naming file:line (an absent
    /// file is no problem: a first start).
    public func load(now: Double) -> [String] {
        guard let path, Syscalls.exists(path) else { return [] }
        var buffer: [UInt8] = []
        let length: Int
        do {
            length = try Syscalls.readFile(path, into: &buffer, maxBytes: FillHistoryFile.maxBytes)
        } catch {
            return ["\(error.description); the forecasts rebuild from new readings"]
        }
        let windows = state.withLock { $0.windows }
        let text = String(decoding: buffer[..<length], as: UTF8.self)
        let (histories, problems) = FillHistoryFile.decode(text, file: path, now: now, maxAge: windows.long.seconds + 3600)
        state.withLock { s in
            s.histories = histories
            s.lastSave = now
            for (mount, h) in histories { s.forecasts[mount] = Self.forecast(h, windows: s.windows) }
        }
        return problems
    }

    /// Takes up new windows after a reload; the histories stay.
    public func apply(_ windows: ForecastWindows) {
        state.withLock { s in
            guard s.windows != windows else { return }
            s.windows = windows
            for (mount, h) in s.histories { s.forecasts[mount] = Self.forecast(h, windows: windows) }
        }
    }

    /// Adds the cycle's readings and sets each disk's forecast. Saves the histories when due;
    /// a save that fails is returned (the agent logs it) and tried again at the next period.
    @discardableResult
    public func update(_ snapshot: inout HostSnapshot) -> VitalsError? {
        guard var disks = snapshot.disks else { return nil }
        let now = snapshot.timestamp
        let due: [String: FillHistory]? = state.withLock { s in
            var seen = Set<String>()
            for i in disks.indices {
                let d = disks[i]
                seen.insert(d.mountPoint)
                if let used = d.usedBytes, let free = d.freeBytes {
                    let inodesFree = d.inodesTotal.flatMap { total in d.inodesUsed.map { max(0, total - $0) } }
                    let p = FillPoint(time: now, usedBytes: used, freeBytes: free, inodesUsed: d.inodesUsed, inodesFree: inodesFree)
                    var h = s.histories[d.mountPoint] ?? FillHistory()
                    if h.add(p, windows: s.windows) || s.forecasts[d.mountPoint] == nil {
                        s.histories[d.mountPoint] = h
                        s.forecasts[d.mountPoint] = Self.forecast(h, windows: s.windows)
                        s.dirty = true
                    } else {
                        s.histories[d.mountPoint] = h
                        // Between slots the free space moves on: the time left is worked out again at the known rate.
                        s.forecasts[d.mountPoint] = Self.refreshed(s.forecasts[d.mountPoint], free: free, inodesFree: inodesFree)
                    }
                }
                disks[i].forecast = s.forecasts[d.mountPoint] ?? DiskForecast(reason: "no forecast yet: no readings")
            }
            // A mount gone for longer than the long window is forgotten.
            for (mount, h) in s.histories where !seen.contains(mount) {
                if let last = h.points.last?.time, now - last > s.windows.long.seconds {
                    s.histories[mount] = nil
                    s.forecasts[mount] = nil
                    s.dirty = true
                }
            }
            guard path != nil, s.dirty, now - (s.lastSave ?? -.infinity) >= Self.savePeriod || now < (s.lastSave ?? 0) else { return nil }
            s.lastSave = now
            s.dirty = false
            return s.histories
        }
        snapshot.disks = disks
        guard let due else { return nil }
        return save(due)
    }

    /// Saves the histories now (at shutdown).
    @discardableResult
    public func saveNow() -> VitalsError? {
        let h: [String: FillHistory]? = state.withLock { s in
            guard s.dirty || s.lastSave == nil else { return nil }
            s.dirty = false
            return s.histories
        }
        guard let h, path != nil else { return nil }
        return save(h)
    }

    private func save(_ histories: [String: FillHistory]) -> VitalsError? {
        guard let path else { return nil }
        do {
            try Syscalls.replaceFile(path, with: Array(FillHistoryFile.encode(histories).utf8))
            return nil
        } catch {
            state.withLock { $0.dirty = true }
            return error
        }
    }

    static func forecast(_ h: FillHistory, windows: ForecastWindows) -> DiskForecast {
        let f = FillTrend.forecast(h, windows: windows)
        return DiskForecast(space: f.space, inodes: f.inodes, reason: f.space == nil && f.inodes == nil ? f.why : nil)
    }

    static func refreshed(_ f: DiskForecast?, free: Double, inodesFree: Double?) -> DiskForecast? {
        guard var f else { return nil }
        if let s = f.space {
            f.space = FillForecast(resource: s.resource, shortRatePerHour: s.shortRatePerHour, longRatePerHour: s.longRatePerHour, free: free)
        }
        if let i = f.inodes, let inodesFree {
            f.inodes = FillForecast(resource: i.resource, shortRatePerHour: i.shortRatePerHour, longRatePerHour: i.longRatePerHour, free: inodesFree)
        }
        return f
    }
}
