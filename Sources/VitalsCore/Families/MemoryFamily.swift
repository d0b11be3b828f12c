/// The memory family, in one room (issue 16): its figures, the observations its built-in
/// checks evaluate, and its lines in /metrics. Its sampler, which reads the files, is
/// `MemorySampler` (VitalsSamplers); the family is listed in `HostSnapshot.families`.
public enum MemoryFamily: MetricFamily {
    public static let checks: [BuiltinCheck] = [.memory, .swap, .swapIn, .oomKills]

    /// Observations for memory, swap, swap-in rate and OOM kills (/proc/meminfo, /proc/vmstat).
    public static func observations(_ s: HostSnapshot, failure: (String) -> Reading) -> [Observation] {
        var out: [Observation] = []
        if let m = s.memory {
            out.append(
                Observation(
                    .memory, reading: .value(m.usedPercent), subject: "memory", quantity: "used", unit: "%",
                    detail: ["\(Units.formatBytes(m.availableBytes)) available", UnitFamily.culpritText(for: .memory, in: s)].compactMap { $0 }
                        .joined(
                            separator: "; ")))
            out.append(
                Observation(
                    .swap, reading: m.swapUsedPercent, subject: "swap", quantity: "used", unit: "%",
                    detail: UnitFamily.culpritText(for: .swap, in: s)))
            out.append(
                Observation(.swapIn, reading: m.swapInPagesPerSecond, subject: "swap-in", quantity: "pages/s", unit: ""))
            out.append(
                Observation(
                    .oomKills,
                    reading: m.oomKills == nil ? .notApplicable("kernel has no oom_kill counter") : m.oomKillsDelta,
                    subject: "OOM kills", quantity: "since last sample", unit: "",
                    detail: UnitFamily.culpritText(for: .oomKills, in: s).map { "by unit: \($0)" }))
        } else {
            let subjects: [(BuiltinCheck, String)] = [(.memory, "memory"), (.swap, "swap"), (.swapIn, "swap-in"), (.oomKills, "OOM kills")]
            for (check, subject) in subjects {
                out.append(Observation(check, reading: failure("memory"), subject: subject, quantity: "", unit: ""))
            }
        }
        return out
    }

    public static func metrics(_ s: HostSnapshot, into p: inout PrometheusText) {
        if let m = s.memory {
            p.family("vitals_memory_total_bytes", .gauge, "MemTotal.")
            p.sample("vitals_memory_total_bytes", [], m.totalBytes)
            p.family("vitals_memory_available_bytes", .gauge, "MemAvailable (estimated on old kernels).")
            p.sample("vitals_memory_available_bytes", [], m.availableBytes)
            p.family("vitals_memory_used_percent", .gauge, "Memory in use: 100 - available/total.")
            p.sample("vitals_memory_used_percent", [], m.usedPercent)
            p.family("vitals_swap_total_bytes", .gauge, "SwapTotal.")
            p.sample("vitals_swap_total_bytes", [], m.swapTotalBytes)
            p.family("vitals_swap_used_percent", .gauge, "Swap in use (absent without swap).")
            if let v = m.swapUsedPercent.value { p.sample("vitals_swap_used_percent", [], v) }
            p.family("vitals_swap_in_pages_per_second", .gauge, "Pages swapped in per second over the last interval.")
            if let v = m.swapInPagesPerSecond.value { p.sample("vitals_swap_in_pages_per_second", [], v) }
            p.family("vitals_oom_kills_total", .counter, "The kernel's OOM-kill counter (/proc/vmstat oom_kill).")
            if let v = m.oomKills { p.sample("vitals_oom_kills_total", [], v) }
        }
    }
}

extension BuiltinCheck {
    public static let memory = BuiltinCheck(
        "memory", summary: "memory used %: (MemTotal - MemAvailable) / MemTotal",
        defaultSpec: ThresholdSpec(
            warning: Level(trigger: 90, clear: 80), critical: Level(trigger: 98, clear: 90),
            raiseAfter: .samples(3), clearAfter: .samples(3)))
    public static let swap = BuiltinCheck(
        "swap", summary: "swap used % (not applicable without swap)",
        defaultSpec: ThresholdSpec(
            warning: Level(trigger: 90, clear: 80), critical: Level(trigger: 98, clear: 90),
            raiseAfter: .samples(3), clearAfter: .samples(3)))
    public static let swapIn = BuiltinCheck(
        "swap_in", summary: "pages swapped in per second (off by default; set levels to enable)",
        defaultSpec: ThresholdSpec(), isPercent: false)
    public static let oomKills = BuiltinCheck(
        "oom_kills", summary: "OOM kills since the previous sample (warning holds 30m after the last kill)",
        defaultSpec: ThresholdSpec(warning: Level(trigger: 0, clear: 0), clearAfter: .duration(.seconds(1800))), isPercent: false)
}

/// Memory and swap.
public struct MemoryStats: Sendable, Codable, Equatable {
    public var totalBytes: Double
    public var availableBytes: Double
    /// (MemTotal - MemAvailable) / MemTotal, in percent.
    public var usedPercent: Double
    /// True when the kernel has no MemAvailable and it was estimated as
    /// MemFree + Buffers + Cached + SReclaimable.
    public var availableEstimated: Bool
    public var swapTotalBytes: Double
    /// Swap used percent; `.notApplicable` on a host without swap.
    public var swapUsedPercent: Reading
    /// Pages swapped in per second over the last interval; unknown on the first sample.
    public var swapInPagesPerSecond: Reading
    /// The kernel's cumulative OOM-kill counter (/proc/vmstat oom_kill), when the kernel has one.
    public var oomKills: Double?
    /// OOM kills since the previous sample; unknown on the first sample.
    public var oomKillsDelta: Reading

    public init(
        totalBytes: Double, availableBytes: Double, availableEstimated: Bool, swapTotalBytes: Double,
        swapUsedPercent: Reading, swapInPagesPerSecond: Reading, oomKills: Double?, oomKillsDelta: Reading
    ) {
        self.totalBytes = totalBytes
        self.availableBytes = availableBytes
        self.usedPercent = totalBytes > 0 ? (totalBytes - availableBytes) / totalBytes * 100 : 0
        self.availableEstimated = availableEstimated
        self.swapTotalBytes = swapTotalBytes
        self.swapUsedPercent = swapUsedPercent
        self.swapInPagesPerSecond = swapInPagesPerSecond
        self.oomKills = oomKills
        self.oomKillsDelta = oomKillsDelta
    }

    enum CodingKeys: String, CodingKey {
        case totalBytes = "total_bytes"
        case availableBytes = "available_bytes"
        case usedPercent = "used_percent"
        case availableEstimated = "available_estimated"
        case swapTotalBytes = "swap_total_bytes"
        case swapUsedPercent = "swap_used_percent"
        case swapInPagesPerSecond = "swap_in_pages_per_second"
        case oomKills = "oom_kills"
        case oomKillsDelta = "oom_kills_delta"
    }
}
