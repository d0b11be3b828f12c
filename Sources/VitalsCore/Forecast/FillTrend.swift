/// One point of a mount's fill history: when (Unix seconds), the space used and still available
/// to users, and the inodes used and free where the filesystem has an inode limit.
public struct FillPoint: Sendable, Equatable {
    public var time: Double
    public var usedBytes: Double
    public var freeBytes: Double
    public var inodesUsed: Double?
    public var inodesFree: Double?

    public init(time: Double, usedBytes: Double, freeBytes: Double, inodesUsed: Double? = nil, inodesFree: Double? = nil) {
        self.time = time
        self.usedBytes = usedBytes
        self.freeBytes = freeBytes
        self.inodesUsed = inodesUsed
        self.inodesFree = inodesFree
    }
}

/// The windows a forecast compares (issue 18): a short and a long one that must agree.
public struct ForecastWindows: Sendable, Equatable {
    public var short: Duration = .seconds(3600)
    public var long: Duration = .seconds(6 * 3600)

    public init(short: Duration = .seconds(3600), long: Duration = .seconds(6 * 3600)) {
        self.short = short
        self.long = long
    }

    /// Seconds between kept points: a minute, or coarser for a long window over 6 h, so a window
    /// never holds more than 360 points.
    public var resolution: Double { max(60, long.seconds / 360) }
}

/// A mount's recent fill history, one point per `resolution` (the latest reading of each slot),
/// reaching back a little over the long window. Bounded: at most 400 points.
public struct FillHistory: Sendable, Equatable {
    public private(set) var points: [FillPoint] = []

    public init(points: [FillPoint] = []) {
        self.points = Array(points.suffix(Self.capacity))
    }

    /// The most points kept (the long window at its resolution, and some slack).
    public static let capacity = 400

    /// Adds a reading. True when it opened a new slot (a new point to forecast from); a reading in
    /// the same slot as the last point replaces it. A clock that stepped back drops the points
    /// after the new reading.
    @discardableResult
    public mutating func add(_ p: FillPoint, windows: ForecastWindows) -> Bool {
        guard p.time.isFinite, p.usedBytes.isFinite, p.freeBytes.isFinite else { return false }
        let step = windows.resolution
        while let last = points.last, last.time > p.time { points.removeLast() }
        let opened: Bool
        if let last = points.last, (last.time / step).rounded(.down) == (p.time / step).rounded(.down) {
            points[points.count - 1] = p
            opened = false
        } else {
            points.append(p)
            opened = true
        }
        let horizon = p.time - windows.long.seconds - 2 * step
        if let first = points.firstIndex(where: { $0.time >= horizon }), first > 0 { points.removeFirst(first) }
        if points.count > Self.capacity { points.removeFirst(points.count - Self.capacity) }
        return opened
    }
}

/// How fast a mount fills and when it will be full: the rates of both windows, the one used (the
/// slower, so a burst cannot make the estimate more alarming) and the time left at that rate.
public struct FillForecast: Sendable, Codable, Equatable {
    /// "space" or "inodes".
    public var resource: String
    /// Growth per hour used for the estimate (bytes or inodes).
    public var ratePerHour: Double
    public var shortRatePerHour: Double
    public var longRatePerHour: Double
    /// What is still free (bytes or inodes).
    public var free: Double
    public var hoursToFull: Double

    public init(resource: String, shortRatePerHour: Double, longRatePerHour: Double, free: Double) {
        self.resource = resource
        self.shortRatePerHour = shortRatePerHour
        self.longRatePerHour = longRatePerHour
        ratePerHour = min(shortRatePerHour, longRatePerHour)
        self.free = free
        hoursToFull = ratePerHour > 0 ? free / ratePerHour : .infinity
    }

    /// "full in about 3 h at 4.1 GiB/h", "inodes full in about 2 days at 12,000/h".
    public var description: String {
        let rate = resource == "space" ? "\(Units.formatBytes(ratePerHour))/h" : "\(Units.formatNumber(ratePerHour.rounded())) inodes/h"
        return "\(resource == "space" ? "" : "inodes ")full in about \(Self.eta(hoursToFull)) at \(rate)"
    }

    /// "40 min", "3 h", "2 days".
    public static func eta(_ hours: Double) -> String {
        if hours < 1 { return "\(max(1, Int((hours * 60).rounded()))) min" }
        if hours < 48 { return "\(Int(hours.rounded())) h" }
        return "\(Int((hours / 24).rounded())) days"
    }

    enum CodingKeys: String, CodingKey {
        case resource, free
        case ratePerHour = "rate_per_hour"
        case shortRatePerHour = "short_rate_per_hour"
        case longRatePerHour = "long_rate_per_hour"
        case hoursToFull = "hours_to_full"
    }
}

/// The trend of a fill history (pure). A window's rate is the median of the slopes between points
/// half the window apart: a burst that writes and deletes within a few minutes, or a single odd
/// reading, moves few of those slopes and not their median. A trend counts only where at least
/// three quarters of those slopes rise (noise rises and falls about equally), both windows are
/// covered, and the short and the long window agree within a factor of two. A deletion or a log
/// rotation makes the slopes across it fall, so it can only hold a forecast back, never make one;
/// and while the short window holds a fall larger than a quarter of its growth, nothing is said.
public enum FillTrend {
    /// The share of rising slopes a window needs.
    public static let risingShare = 0.75
    /// How far the two windows' rates may differ.
    public static let agreement = 2.0

    /// The forecast of space and of inodes from `history` at its last point, or why there is none.
    public static func forecast(_ history: FillHistory, windows: ForecastWindows) -> (space: FillForecast?, inodes: FillForecast?, why: String) {
        guard let last = history.points.last else { return (nil, nil, "no forecast yet: no readings") }
        let space = forecast(history, windows: windows, now: last.time, resource: "space", value: { $0.usedBytes }, free: last.freeBytes)
        var inodes: (FillForecast?, String)? = nil
        if let free = last.inodesFree {
            inodes = forecast(history, windows: windows, now: last.time, resource: "inodes", value: { $0.inodesUsed }, free: free)
        }
        return (space.0, inodes?.0, space.0 == nil && inodes?.0 == nil ? space.1 : "")
    }

    static func forecast(
        _ history: FillHistory, windows: ForecastWindows, now: Double, resource: String, value: (FillPoint) -> Double?, free: Double
    ) -> (FillForecast?, String) {
        let short = rate(history.points, window: windows.short.seconds, now: now, value: value)
        let long = rate(history.points, window: windows.long.seconds, now: now, value: value)
        switch (short, long) {
        case (.success(let s), .success(let l)):
            guard s > 0, l > 0 else { return (nil, "no forecast: not filling") }
            guard max(s, l) / min(s, l) <= agreement else {
                return (nil, "no forecast: the \(Units.formatDuration(windows.short)) and \(Units.formatDuration(windows.long)) trends disagree")
            }
            // A fall within the short window larger than a quarter of that window's growth (a
            // cleanup, a rotation) holds the forecast back until the window has moved past it.
            let recent = history.points.filter { $0.time >= now - windows.short.seconds }.compactMap(value)
            if let peak = recent.max(), let latest = history.points.last.flatMap(value), peak - latest > s * windows.short.seconds / 4 {
                return (
                    nil,
                    "no forecast: \(resource == "space" ? "space" : "inodes") freed within \(Units.formatDuration(windows.short)); the trend is worked out again"
                )
            }
            return (FillForecast(resource: resource, shortRatePerHour: s * 3600, longRatePerHour: l * 3600, free: max(0, free)), "")
        case (.failure(let why), _), (_, .failure(let why)):
            return (nil, why.text)
        }
    }

    /// Why a window gives no rate.
    public enum NoRate: Error, Equatable {
        case tooShort(have: Double, need: Double)
        case notRising

        var text: String {
            switch self {
            case .tooShort(let have, let need):
                "no forecast yet: needs \(Units.formatDuration(.seconds(need))) of readings, has \(Units.formatDuration(.seconds(max(0, (have / 60).rounded() * 60))))"
            case .notRising: "no forecast: not filling"
            }
        }
    }

    /// The robust rate (units per second) over the `window` seconds before `now`. The window
    /// must be at least three quarters covered, with at least 8 points.
    public static func rate(_ points: [FillPoint], window: Double, now: Double, value: (FillPoint) -> Double?) -> Result<Double, NoRate> {
        var series: [(t: Double, v: Double)] = []
        for p in points where p.time >= now - window && p.time <= now {
            if let v = value(p), v.isFinite { series.append((p.time, v)) }
        }
        let need = window * 0.75
        guard let first = series.first, let last = series.last, last.t - first.t >= need, series.count >= 8 else {
            return .failure(.tooShort(have: (series.last?.t ?? now) - (series.first?.t ?? now), need: need))
        }
        let half = series.count / 2
        var slopes: [Double] = []
        slopes.reserveCapacity(half)
        var rising = 0
        for i in 0..<(series.count - half) {
            let a = series[i]
            let b = series[i + half]
            guard b.t > a.t else { continue }
            let s = (b.v - a.v) / (b.t - a.t)
            if s > 0 { rising += 1 }
            slopes.append(s)
        }
        guard !slopes.isEmpty, Double(rising) >= risingShare * Double(slopes.count) else { return .failure(.notRising) }
        slopes.sort()
        let m = slopes.count / 2
        return .success(slopes.count % 2 == 1 ? slopes[m] : (slopes[m - 1] + slopes[m]) / 2)
    }
}
