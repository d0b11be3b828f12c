public import VitalsCore

/// `GET /metrics`: the samples, check states (with plugin perfdata), alerts, the agent's own
/// cycle figures and every channel's delivery counters, latency histogram, outbox depth and
/// breaker state, in the Prometheus text format.
public enum MetricsDocument {
    public static func render(_ c: AgentState.Contents, channels: [Delivery.Channel], version: String) -> String {
        var p = PrometheusText()
        p.family("vitals_build_info", .gauge, "vitals' version (always 1).")
        p.sample("vitals_build_info", [("version", version)], 1)
        p.family("vitals_cycles_total", .counter, "Sampling cycles completed since the agent started.")
        p.sample("vitals_cycles_total", [], Double(c.cycles))
        p.family("vitals_cycle_duration_seconds", .gauge, "How long the last sampling cycle took.")
        if let d = c.lastCycleDuration { p.sample("vitals_cycle_duration_seconds", [], d.seconds) }
        p.family("vitals_cycle_overruns_total", .counter, "Cycles that ran past their next tick.")
        p.sample("vitals_cycle_overruns_total", [], Double(c.overruns))
        if let s = c.snapshot { samples(s, into: &p) }
        checks(c.checks, into: &p)
        alerts(c.alerts, into: &p)
        delivery(channels, into: &p)
        return p.text
    }

    static func samples(_ s: HostSnapshot, into p: inout PrometheusText) {
        if let cpu = s.cpu {
            p.family("vitals_cpu_usage_percent", .gauge, "Share of CPU time per mode over the last interval, all cores.")
            p.family("vitals_cpu_core_usage_percent", .gauge, "Share of CPU time per mode over the last interval, per core.")
            if let t = cpu.total { for (mode, v) in modes(t) { p.sample("vitals_cpu_usage_percent", [("mode", mode)], v) } }
            for core in cpu.cores {
                guard let m = core.modes else { continue }
                for (mode, v) in modes(m) { p.sample("vitals_cpu_core_usage_percent", [("cpu", "\(core.cpu)"), ("mode", mode)], v) }
            }
            p.family("vitals_cpu_online_cores", .gauge, "Online CPU cores.")
            p.sample("vitals_cpu_online_cores", [], Double(cpu.onlineCores))
        }
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
        if let disks = s.disks {
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
            }
        }
        if let f = s.fileHandles {
            p.family("vitals_file_handles_allocated", .gauge, "File handles allocated system-wide (/proc/sys/fs/file-nr).")
            p.sample("vitals_file_handles_allocated", [], f.allocated)
            p.family("vitals_file_handles_maximum", .gauge, "The system-wide file handle limit (fs.file-max).")
            p.sample("vitals_file_handles_maximum", [], f.maximum)
            p.family("vitals_process_open_fds", .gauge, "Open descriptors of the processes closest to their RLIMIT_NOFILE.")
            p.family("vitals_process_fd_used_percent", .gauge, "Open descriptors as a share of the process's soft limit.")
            for t in f.topProcesses {
                let l = [("pid", "\(t.pid)"), ("name", t.name)]
                p.sample("vitals_process_open_fds", l, Double(t.open))
                p.sample("vitals_process_fd_used_percent", l, t.usedPercent)
            }
        }
        if let l = s.load {
            p.family("vitals_load1", .gauge, "1-minute load average.")
            p.sample("vitals_load1", [], l.load1)
            p.family("vitals_load5", .gauge, "5-minute load average.")
            p.sample("vitals_load5", [], l.load5)
            p.family("vitals_load15", .gauge, "15-minute load average.")
            p.sample("vitals_load15", [], l.load15)
        }
        if let ps = s.pressure, ps.available {
            p.family("vitals_pressure_avg10_percent", .gauge, "Share of time stalled over 10 s (/proc/pressure).")
            p.family("vitals_pressure_avg60_percent", .gauge, "Share of time stalled over 60 s (/proc/pressure).")
            p.family("vitals_pressure_stalled_seconds_total", .counter, "Total time stalled (/proc/pressure).")
            for (name, r) in [("cpu", ps.cpu), ("memory", ps.memory), ("io", ps.io)] {
                guard let r else { continue }
                for (kind, line) in [("some", Optional(r.some)), ("full", r.full)] {
                    guard let line else { continue }
                    let l = [("resource", name), ("kind", kind)]
                    p.sample("vitals_pressure_avg10_percent", l, line.avg10)
                    p.sample("vitals_pressure_avg60_percent", l, line.avg60)
                    p.sample("vitals_pressure_stalled_seconds_total", l, line.totalMicros / 1_000_000)
                }
            }
        }
    }

    static func modes(_ m: CPUModes) -> [(String, Double)] {
        [
            ("user", m.user), ("nice", m.nice), ("system", m.system), ("idle", m.idle), ("iowait", m.iowait), ("irq", m.irq), ("softirq", m.softirq),
            ("steal", m.steal), ("guest", m.guest), ("guest_nice", m.guestNice),
        ]
    }

    static let severities: [Severity] = [.ok, .warning, .critical, .unknown, .stale]

    static func checks(_ checks: [CheckStatus], into p: inout PrometheusText) {
        p.family("vitals_check_status", .gauge, "1 for each check's current state, 0 for the others.")
        p.family("vitals_check_value", .gauge, "The value each check compares with its limits.")
        p.family("vitals_plugin_perfdata", .gauge, "Performance data of custom checks, in the plugin's own unit.")
        p.family("vitals_plugin_perfdata_warning", .gauge, "A perfdata item's warning limit (the range's end).")
        p.family("vitals_plugin_perfdata_critical", .gauge, "A perfdata item's critical limit (the range's end).")
        for c in checks {
            let l = [("check", c.check), ("resource", c.resource)]
            for s in severities { p.sample("vitals_check_status", l + [("severity", s.description)], c.severity == s ? 1 : 0) }
            if let v = c.value { p.sample("vitals_check_value", l, v) }
            for d in c.perfdata ?? [] {
                let dl = [("check", c.check), ("label", d.label), ("unit", d.unit)]
                if let v = d.value { p.sample("vitals_plugin_perfdata", dl, v) }
                if let w = d.warning, w.end.isFinite { p.sample("vitals_plugin_perfdata_warning", dl, w.end) }
                if let k = d.critical, k.end.isFinite { p.sample("vitals_plugin_perfdata_critical", dl, k.end) }
            }
        }
    }

    static func alerts(_ alerts: [PersistedAlert], into p: inout PrometheusText) {
        p.family("vitals_alerts", .gauge, "Alerts the engine tracks, by state.")
        p.family("vitals_alerts_muted", .gauge, "Alerts whose notifications a silence or inhibition holds back.")
        var counts: [Severity: Int] = [:]
        for a in alerts { counts[a.severity, default: 0] += 1 }
        for s in severities { p.sample("vitals_alerts", [("severity", s.description)], Double(counts[s] ?? 0)) }
        p.sample("vitals_alerts_muted", [], Double(alerts.filter { $0.mute != nil && $0.severity != .ok }.count))
    }

    static func delivery(_ channels: [Delivery.Channel], into p: inout PrometheusText) {
        p.family("vitals_notifications_delivered_total", .counter, "Messages a channel took.")
        p.family("vitals_delivery_failures_total", .counter, "Failed delivery attempts (each retry counts).")
        p.family("vitals_notifications_given_up_total", .counter, "Messages given up: rejected (not retryable), too_old (max_age) or outbox_full.")
        p.family("vitals_notifications_handed_to_fallback_total", .counter, "Messages a failing channel passed to its fallback.")
        p.family("vitals_outbox_messages", .gauge, "Messages waiting in the outbox.")
        p.family("vitals_channel_breaker_state", .gauge, "1 for the circuit breaker's state, 0 for the others.")
        p.family("vitals_delivery_latency_seconds", .histogram, "From the alert's decision to the channel taking the message.")
        for ch in channels {
            let l = [("channel", ch.name)]
            p.sample("vitals_notifications_delivered_total", l, Double(ch.delivered))
            p.sample("vitals_delivery_failures_total", l, Double(ch.failedAttempts))
            for reason in ["rejected", "too_old", "outbox_full"] {
                p.sample("vitals_notifications_given_up_total", l + [("reason", reason)], Double(ch.givenUp[reason] ?? 0))
            }
            p.sample("vitals_notifications_handed_to_fallback_total", l, Double(ch.handedToFallback))
            p.sample("vitals_outbox_messages", l, Double(ch.queue.count))
            for s in ["closed", "open", "half_open"] {
                p.sample("vitals_channel_breaker_state", l + [("state", s)], ch.breaker.state.name == s ? 1 : 0)
            }
            p.histogram("vitals_delivery_latency_seconds", l, bounds: Delivery.latencyBuckets, counts: ch.latencyCounts, sum: ch.latencySum)
        }
    }
}

/// `GET /v1/channels`: every channel's delivery state.
public struct ChannelsDocument: Codable, Sendable {
    /// One channel's delivery state.
    public struct Entry: Codable, Sendable {
        public var name: String
        public var type: String
        public var breaker: String
        public var queued: Int
        public var delivered: UInt64
        public var failedAttempts: UInt64
        public var givenUp: [String: UInt64]
        public var handedToFallback: UInt64
        public var lastError: String?
        public var lastErrorAt: Double?
        public var lastSuccessAt: Double?
        public var failingSince: Double?
        public var fallback: String?
        public var oldestQueuedAt: Double?

        enum CodingKeys: String, CodingKey {
            case name, type, breaker, queued, delivered, fallback
            case failedAttempts = "failed_attempts"
            case givenUp = "given_up"
            case handedToFallback = "handed_to_fallback"
            case lastError = "last_error"
            case lastErrorAt = "last_error_at"
            case lastSuccessAt = "last_success_at"
            case failingSince = "failing_since"
            case oldestQueuedAt = "oldest_queued_at"
        }
    }

    public var channels: [Entry]

    public init(config: NotifyConfig, delivery: [Delivery.Channel]) {
        let byName = Dictionary(delivery.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var names = config.channels.map(\.name)
        names += delivery.map(\.name).filter { !names.contains($0) }
        channels = names.map { name in
            let cfg = config.channel(named: name)
            let d = byName[name]
            return Entry(
                name: name, type: cfg?.kind.rawValue ?? d?.kind.rawValue ?? "removed", breaker: d?.breaker.state.name ?? "closed",
                queued: d?.queue.count ?? 0,
                delivered: d?.delivered ?? 0, failedAttempts: d?.failedAttempts ?? 0, givenUp: d?.givenUp ?? [:],
                handedToFallback: d?.handedToFallback ?? 0,
                lastError: d?.lastError, lastErrorAt: d?.lastErrorWall, lastSuccessAt: d?.lastSuccessWall, failingSince: d?.failingSinceWall,
                fallback: cfg?.fallback, oldestQueuedAt: d?.queue.first?.createdWall)
        }
    }
}
