/// The disk family, in one room (issue 16): its figures, the observations its built-in
/// checks evaluate, and its lines in /metrics. Its sampler, which reads the files, is
/// `DiskSampler` (VitalsSamplers); the family is listed in `HostSnapshot.families`.
public enum DiskFamily: MetricFamily {
    public static let checks: [BuiltinCheck] = [.disk, .inodes, .diskForecast]

    /// Observations for space and inodes per real mount (mountinfo, statvfs).
    public static func observations(_ s: HostSnapshot, failure: (String) -> Reading) -> [Observation] {
        var out: [Observation] = []
        for d in s.disks ?? [] {
            out.append(
                Observation(
                    .disk, resource: d.mountPoint, reading: d.usedPercent, freeBytes: d.freeBytes,
                    subject: "disk \(d.mountPoint)", quantity: "used", unit: "%",
                    detail: [d.freeBytes.map { "\(Units.formatBytes($0)) free" }, d.forecast?.space?.description].compactMap { $0 }
                        .joined(separator: "; ")))
            out.append(
                Observation(
                    .inodes, resource: d.mountPoint, reading: d.inodesUsedPercent,
                    subject: "inodes \(d.mountPoint)", quantity: "used", unit: "%", detail: d.forecast?.inodes?.description))
            out.append(forecastObservation(d))
        }
        return out
    }

    /// `disk_forecast`: the hours until the mount is full (space or inodes, whichever comes first)
    /// while a trend is known; not applicable, with the reason, while none is.
    static func forecastObservation(_ d: DiskStats) -> Observation {
        let subject = "disk \(d.mountPoint)"
        guard let f = d.forecast else {
            return Observation(
                .diskForecast, resource: d.mountPoint, reading: .notApplicable("no forecast yet: no readings"), subject: subject,
                quantity: "", unit: "")
        }
        let soonest = [f.space, f.inodes].compactMap { $0 }.min { $0.hoursToFull < $1.hoursToFull }
        guard let soonest, soonest.hoursToFull.isFinite else {
            return Observation(
                .diskForecast, resource: d.mountPoint, reading: .notApplicable(f.reason ?? "no forecast: not filling"), subject: subject,
                quantity: "", unit: "")
        }
        let what = soonest.resource == "space" ? "full" : "out of inodes"
        let free = soonest.resource == "space" ? "\(Units.formatBytes(soonest.free)) free" : "\(Units.formatNumber(soonest.free)) inodes free"
        let rate =
            soonest.resource == "space"
            ? "\(Units.formatBytes(soonest.ratePerHour))/h" : "\(Units.formatNumber(soonest.ratePerHour.rounded())) inodes/h"
        return Observation(
            .diskForecast, resource: d.mountPoint, reading: .value(soonest.hoursToFull), freeBytes: d.freeBytes,
            subject: "\(subject) \(what) in", quantity: "", unit: "h",
            detail: "about \(FillForecast.eta(soonest.hoursToFull)) at \(rate), \(free)")
    }

    public static func metrics(_ s: HostSnapshot, into p: inout PrometheusText) {
        if let disks = s.disks {
            p.family("vitals_disk_fill_rate_bytes_per_hour", .gauge, "How fast the mount fills, while both trend windows agree.")
            p.family("vitals_disk_hours_to_full", .gauge, "Hours until the mount is full at that rate (space or inodes, the sooner).")
            p.family("vitals_disk_size_bytes", .gauge, "Filesystem size.")
            p.family("vitals_disk_free_bytes", .gauge, "Space available to unprivileged users.")
            p.family("vitals_disk_used_percent", .gauge, "Space used, as df computes it: used/(used+available).")
            p.family("vitals_disk_inodes", .gauge, "Inodes in the filesystem.")
            p.family("vitals_disk_inodes_used_percent", .gauge, "Inodes in use.")
            for d in disks {
                let l = [("mountpoint", d.mountPoint), ("device", d.device), ("fstype", d.fsType)]
                if let v = d.sizeBytes { p.sample("vitals_disk_size_bytes", l, v) }
                if let v = d.freeBytes { p.sample("vitals_disk_free_bytes", l, v) }
                if let v = d.usedPercent.value { p.sample("vitals_disk_used_percent", l, v) }
                if let v = d.inodesTotal { p.sample("vitals_disk_inodes", l, v) }
                if let v = d.inodesUsedPercent.value { p.sample("vitals_disk_inodes_used_percent", l, v) }
                if let f = d.forecast?.space { p.sample("vitals_disk_fill_rate_bytes_per_hour", l, f.ratePerHour) }
                let soonest = [d.forecast?.space, d.forecast?.inodes].compactMap { $0 }.map(\.hoursToFull).filter(\.isFinite).min()
                if let h = soonest { p.sample("vitals_disk_hours_to_full", l, h) }
            }
        }
    }
}

extension BuiltinCheck {
    public static let disk = BuiltinCheck(
        "disk", summary: "disk space used % per mount, df semantics; a level also needs free space below its floor",
        defaultSpec: {
            let gib = 1_073_741_824.0
            return ThresholdSpec(
                warning: Level(trigger: 90, clear: 85, freeBelow: 20 * gib),
                critical: Level(trigger: 95, clear: 92, freeBelow: 5 * gib), raiseAfter: .samples(2),
                clearAfter: .samples(2))
        }(), perMount: true)
    public static let inodes = BuiltinCheck(
        "inodes", summary: "inodes used % per mount (filesystems with an inode limit)",
        defaultSpec: ThresholdSpec(
            warning: Level(trigger: 90, clear: 80), critical: Level(trigger: 98, clear: 90), raiseAfter: .samples(2),
            clearAfter: .samples(2)), perMount: true)
    public static let diskForecast = BuiltinCheck(
        "disk_forecast",
        summary: "hours until a mount is full (space or inodes) while its 1 h and 6 h trends agree; not applicable while none is known",
        defaultSpec: ThresholdSpec(
            warning: Level(trigger: 24, clear: 36), critical: Level(trigger: 4, clear: 8), direction: .below, raiseAfter: .samples(2),
            clearAfter: .samples(3)), perMount: true, isPercent: false)
}

/// A mount's forecast (`DiskForecaster`): space and inodes, each while a trend is known.
public struct DiskForecast: Sendable, Codable, Equatable {
    public var space: FillForecast?
    public var inodes: FillForecast?
    /// Why neither is known ("no forecast yet: needs 45m of readings, has 10m").
    public var reason: String?

    public init(space: FillForecast? = nil, inodes: FillForecast? = nil, reason: String? = nil) {
        self.space = space
        self.inodes = inodes
        self.reason = reason
    }
}

/// Space and inodes of one mounted filesystem.
public struct DiskStats: Sendable, Codable, Equatable {
    public var mountPoint: String
    public var device: String
    public var fsType: String
    /// Used percent with df's semantics: used / (used + available to unprivileged users).
    public var usedPercent: Reading
    public var sizeBytes: Double?
    public var usedBytes: Double?
    /// Bytes available to unprivileged users (df's "Avail").
    public var freeBytes: Double?
    /// Blocks reserved for root, in bytes.
    public var reservedBytes: Double?
    /// Inode used percent; `.notApplicable` where the filesystem has no inode limit (btrfs).
    public var inodesUsedPercent: Reading
    public var inodesTotal: Double?
    /// Inodes in use, where the filesystem has an inode limit.
    public var inodesUsed: Double?
    /// When the mount will be full at its recent rate (set after sampling by the forecaster).
    public var forecast: DiskForecast?

    public init(mountPoint: String, device: String, fsType: String, usedPercent: Reading, inodesUsedPercent: Reading) {
        self.mountPoint = mountPoint
        self.device = device
        self.fsType = fsType
        self.usedPercent = usedPercent
        self.inodesUsedPercent = inodesUsedPercent
    }

    enum CodingKeys: String, CodingKey {
        case device
        case mountPoint = "mount_point"
        case fsType = "fs_type"
        case usedPercent = "used_percent"
        case sizeBytes = "size_bytes"
        case usedBytes = "used_bytes"
        case freeBytes = "free_bytes"
        case reservedBytes = "reserved_bytes"
        case inodesUsedPercent = "inodes_used_percent"
        case inodesTotal = "inodes_total"
        case inodesUsed = "inodes_used"
        case forecast
    }
}
