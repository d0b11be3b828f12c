import Synchronization
public import VitalsCore
import VitalsProcFS

/// Sets each mount's forecast in the snapshot after the disks are sampled (`FillForecasts`, the
/// pure part) and keeps the histories on disk: with a state directory they are saved to
/// `forecast-history` there every 5 minutes and at shutdown, and read at start, so a restart
/// keeps the trends.
public final class DiskForecaster: Sendable {
    /// The history file, or nil to keep the histories in memory only.
    public let path: String?
    /// How often the histories are saved (seconds).
    public static let savePeriod = 300.0
    private let state: Mutex<State>

    private struct State {
        var forecasts: FillForecasts
        var lastSave: Double?
        var dirty = false
    }

    public init(windows: ForecastWindows, path: String?) {
        self.path = path
        state = Mutex(State(forecasts: FillForecasts(windows: windows)))
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
        let text = String(decoding: buffer[..<length], as: UTF8.self)
        return state.withLock { s in
            let (histories, problems) = FillHistoryFile.decode(text, file: path, now: now, maxAge: s.forecasts.windows.long.seconds + 3600)
            s.forecasts = FillForecasts(windows: s.forecasts.windows, histories: histories)
            s.lastSave = now
            return problems
        }
    }

    /// Takes up new windows after a reload; the histories stay.
    public func apply(_ windows: ForecastWindows) { state.withLock { $0.forecasts.apply(windows) } }

    /// Adds the cycle's readings and sets each disk's forecast. Saves the histories when due; a
    /// save that fails is returned (reported with the cycle) and tried again at the next period.
    @discardableResult
    public func update(_ snapshot: inout HostSnapshot) -> VitalsError? {
        guard var disks = snapshot.disks else { return nil }
        let now = snapshot.timestamp
        let due: [String: FillHistory]? = state.withLock { s in
            if s.forecasts.update(&disks, now: now) { s.dirty = true }
            let last = s.lastSave ?? -.infinity
            guard path != nil, s.dirty, now - last >= Self.savePeriod || now < last else { return nil }
            s.lastSave = now
            s.dirty = false
            return s.forecasts.histories
        }
        snapshot.disks = disks
        guard let due else { return nil }
        return save(due)
    }

    /// Saves the histories now, when anything changed since the last save (at shutdown).
    @discardableResult
    public func saveNow() -> VitalsError? {
        let h: [String: FillHistory]? = state.withLock { s in
            guard s.dirty else { return nil }
            s.dirty = false
            return s.forecasts.histories
        }
        guard let h else { return nil }
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
}
