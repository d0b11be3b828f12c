public import VitalsCore

/// A synthetic 24-hour host trace with known incidents, short spikes, a disk hovering at its
/// threshold, a flapping pressure signal and sampler gaps, replayed through the real decision path
/// (check evaluator with the default thresholds, then `AlertPipeline`) on a manual clock.
///
/// Issue 18 adds what the forecast and the culprits must get right: a disk (/data) filling at a
/// steady rate until it is full at 23:00, a cron job that writes and deletes 20 GiB on /backup in
/// 5 minutes, a log volume (/var/log) rotated every 6 hours, and CPU incidents each caused by one
/// unit among thirty (the message must name it). The disk readings go through `FillForecasts`
/// and `DiskFamily`, the CPU's through `UnitFamily`'s culprits, as in the agent.
///
/// The trace is seeded, so a replay is exactly repeatable. Used by `bench/replay` (the figures)
/// and by a test that holds the goals.
public struct TraceReplay {
    /// A known incident: the condition holds on (check, resource) from `start` to `end` (seconds
    /// into the day); it should be notified by `deadline`.
    public struct Incident: Sendable {
        public var name: String
        public var check: String
        public var resource: String
        public var start: Int
        public var end: Int
        /// The check's debounce plus the unknown delay where it applies, plus one interval.
        public var deadline: Int
        /// The unit the first notification must name as the culprit, where there is one.
        public var culprit: String? = nil
    }

    /// What the replay measured.
    public struct Report: Sendable, CustomStringConvertible {
        public var samples: Int
        public var incidents: [Incident]
        /// Seconds from each incident's start to its first notification (nil: missed).
        public var latency: [String: Int?]
        public var problemNotifications: Int
        /// Of those, the repeats a long incident gets by the repeat policy (critical hourly,
        /// warning every 6 h): the 17-hour fill of /data has four.
        public var repeats: Int
        public var recoveries: Int
        public var flapNotifications: Int
        /// Notifications that belong to no incident (spikes that got through, a symptom that was
        /// not inhibited).
        public var spurious: [String]
        public var channelMessages: Int
        /// Every notification, as "hh:mm check resource reason severity".
        public var log: [String]
        /// Hours between the first forecast notification for /data and the moment it is full.
        public var forecastLeadHours: Double?
        /// `disk_forecast` notifications that belong to no filling disk (bursts, rotations, noise).
        public var falseForecasts: [String]
        /// Incidents with a culprit whose first notification did not name it.
        public var culpritsMissed: [String]

        public var missed: [String] { incidents.map(\.name).filter { latency[$0] == nil || latency[$0]! == nil } }
        public var late: [String] {
            incidents.filter { i in (latency[i.name] ?? nil).map { i.start + $0 > i.deadline } ?? false }.map(\.name)
        }
        /// Problem notifications (first, raised, improved, changed, escalated, flapping) per incident;
        /// the scheduled repeats of long incidents are counted apart (`repeats`).
        public var messagesPerIncident: Double {
            Double(problemNotifications - repeats + flapNotifications) / Double(max(1, incidents.count))
        }

        public var description: String {
            var s = "| incident | start | deadline | first notified after |\n|---|---|---|---|\n"
            for i in incidents {
                let l = latency[i.name] ?? nil
                s += "| \(i.name) | \(Self.clock(i.start)) | +\(i.deadline - i.start) s | \(l.map { "\($0) s" } ?? "missed") |\n"
            }
            let known = latency.values.compactMap { $0 }.sorted()
            s += "\n| metric | value |\n|---|---|\n"
            s += "| samples replayed | \(samples) (24 h at 10 s) |\n"
            s += "| incidents | \(incidents.count) |\n"
            s += "| missed | \(missed.count) \(missed) |\n"
            s += "| notified later than debounce + one interval | \(late.count) \(late) |\n"
            s += "| detection latency p50 / max | \(known.isEmpty ? "-" : "\(known[known.count / 2]) s / \(known.last!) s") |\n"
            s += "| problem notifications (incl. flapping and repeats) | \(problemNotifications + flapNotifications) |\n"
            s += "| of which repeats by the repeat policy (long incidents) | \(repeats) |\n"
            s += "| problem notifications per incident, repeats apart | \(Units.formatDecimal(messagesPerIncident, places: 2)) (goal ≤ 1.2) |\n"
            s += "| recoveries | \(recoveries) |\n"
            s += "| spurious notifications | \(spurious.count) \(spurious) |\n"
            s += "| channel messages (problems and recoveries, grouped per cycle) | \(channelMessages) |\n"
            s +=
                "| forecast lead time for /data (first notification before full) | \(forecastLeadHours.map { Units.formatDecimal($0, places: 1) + " h" } ?? "none") (goal ≥ 4 h) |\n"
            s += "| false forecasts per day (the /backup burst, the /var/log rotations, noise) | \(falseForecasts.count) \(falseForecasts) |\n"
            s +=
                "| CPU incidents whose message names the unit behind them | \(incidents.filter { $0.culprit != nil }.count - culpritsMissed.count) of \(incidents.filter { $0.culprit != nil }.count) \(culpritsMissed.isEmpty ? "" : "missed: \(culpritsMissed)") |\n"
            return s
        }

        static func clock(_ t: Int) -> String {
            let h = t / 3600
            let m = (t % 3600) / 60
            return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
        }
    }

    /// SplitMix64: small, seeded, good enough for noise.
    public struct Noise {
        public var state: UInt64
        public init(state: UInt64) { self.state = state }
        public mutating func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * next() }
    }

    public static let interval = 10
    public static let day = 86_400

    public let seed: UInt64
    public init(seed: UInt64 = 2026) { self.seed = seed }

    static func h(_ hours: Double) -> Int { Int(hours * 3600) }

    static let gib = 1_073_741_824.0
    /// /data: 200 GiB, 100 GiB used until 06:00, then filling steadily until full at 23:00, when
    /// an operator frees it again.
    static let dataFillStart = h(6)
    static let dataFull = h(23)
    static var dataRate: Double { 100 * gib / Double(dataFull - dataFillStart) }  // bytes per second
    /// The moment /data passes the disk check's critical level (95 % used and under 5 GiB free).
    /// Its warning (90 %, under 20 GiB) comes while the forecast is already critical, which
    /// inhibits a warning on the same mount (the default inhibit rule): one page, not two.
    static var dataCritical: Int { dataFillStart + Int((95 * gib / dataRate).rounded(.up)) }

    /// The incidents built into the trace (times in seconds into the day).
    public var incidents: [Incident] {
        let i = Self.interval
        return [
            Incident(name: "cpu saturated 20m", check: "cpu", resource: "", start: Self.h(2), end: Self.h(2) + 1500, deadline: Self.h(2) + 300 + i),
            Incident(
                name: "memory leak", check: "memory", resource: "", start: Self.h(5) + 1390, end: Self.h(5) + 3000,
                deadline: Self.h(5) + 1390 + 2 * i + i),
            Incident(
                name: "disk /srv hovering at 90%", check: "disk", resource: "/srv", start: Self.h(7), end: Self.h(12), deadline: Self.h(7) + 600),
            Incident(name: "disk /var full", check: "disk", resource: "/var", start: Self.h(14), end: Self.h(15), deadline: Self.h(14) + i + i),
            Incident(name: "cpu busy 12m", check: "cpu", resource: "", start: Self.h(16), end: Self.h(16) + 720, deadline: Self.h(16) + 300 + i),
            Incident(
                name: "memory pressure flapping", check: "pressure_memory", resource: "", start: Self.h(18), end: Self.h(19),
                deadline: Self.h(18) + i + i),
            Incident(
                name: "io pressure", check: "pressure_io", resource: "", start: Self.h(20), end: Self.h(20) + 600, deadline: Self.h(20) + 2 * i + i),
            Incident(
                name: "cpu sampler failing 10m", check: "cpu", resource: "", start: Self.h(22), end: Self.h(22) + 600, deadline: Self.h(22) + 30 + i),
            // The forecast must page at least 4 h before /data is full; the disk check then pages at 90 %.
            Incident(
                name: "disk /data filling steadily (forecast)", check: "disk_forecast", resource: "/data", start: Self.dataFillStart,
                end: Self.dataFull, deadline: Self.dataFull - Self.h(4)),
            Incident(
                name: "disk /data at 95%", check: "disk", resource: "/data", start: Self.dataCritical, end: Self.dataFull,
                deadline: Self.dataCritical + 2 * i + i),
        ].map { inc in
            var inc = inc
            if inc.name == "cpu saturated 20m" { inc.culprit = "batch-report.service" }
            if inc.name == "cpu busy 12m" { inc.culprit = "postgresql.service" }
            return inc
        }
    }

    /// The mounts of the forecast scenarios at second `t`: /data filling, /backup with a 5-minute
    /// 20 GiB burst at 03:00 (written, then deleted), /var/log growing 0.8 GiB/h and rotated every
    /// 6 h; each with a little noise (a few MiB), as real filesystems have.
    func forecastDisks(at t: Int, noise n: inout Noise) -> [DiskStats] {
        let g = Self.gib
        func disk(_ mount: String, size: Double, used: Double) -> DiskStats {
            var d = DiskStats(
                mountPoint: mount, device: "/dev/replay", fsType: "ext4", usedPercent: .value(used / size * 100),
                inodesUsedPercent: .notApplicable("replay: no inode figures"))
            d.sizeBytes = size
            d.usedBytes = used
            d.freeBytes = max(0, size - used)
            return d
        }
        var data = 100 * g
        if t >= Self.dataFillStart && t < Self.dataFull { data += Self.dataRate * Double(t - Self.dataFillStart) }
        let burst = Self.h(3)
        var backup = 50 * g
        if t >= burst && t < burst + 300 { backup += 20 * g * Double(t - burst) / 300 }
        let varlog = 60 * g + 0.8 * g * Double(t % Self.h(6)) / 3600
        let jitter = { (n: inout Noise) in n.uniform(-4, 4) * 1_048_576 }
        return [
            disk("/data", size: 200 * g, used: min(200 * g, data + jitter(&n))), disk("/backup", size: 100 * g, used: backup + jitter(&n)),
            disk("/var/log", size: 100 * g, used: varlog + jitter(&n)),
        ]
    }

    /// What the units use while the CPU is at `cpu` %: thirty quiet services, and during an
    /// incident the one behind it taking most of it.
    func units(at t: Int, cpu: Double?, noise n: inout Noise) -> UnitStats {
        var list: [UnitUsage] = []
        for k in 0..<30 {
            var u = UnitUsage(unit: "service-\(k).service", cgroup: "system.slice/service-\(k).service", leaf: true)
            u.cpuPercent = n.uniform(0, 0.9)
            list.append(u)
        }
        let culprit = incidents.first { $0.culprit != nil && t >= $0.start && t < $0.end }?.culprit
        if let culprit, let cpu {
            var u = UnitUsage(unit: culprit, cgroup: "system.slice/\(culprit)", leaf: true)
            u.cpuPercent = max(0, cpu - 8)
            list.append(u)
        }
        return UnitStats(available: true, root: "/sys/fs/cgroup", units: list)
    }

    /// The observations at second `t` of the day.
    func observations(at t: Int, noise n: inout Noise, spikes: Set<Int>) -> [Observation] {
        func value(_ check: String, _ v: Double?, resource: String = "", free: Double? = nil) -> Observation {
            Observation(
                check: check, resource: resource, reading: v.map { .value($0) } ?? .unknown("sampler failed"), freeBytes: free,
                subject: resource.isEmpty ? check : "\(check) \(resource)", quantity: "used", unit: "%")
        }
        let gib = 1_073_741_824.0
        func disk(_ mount: String, _ used: Double) -> Observation {
            value("disk", used, resource: mount, free: (100 - used) / 100 * 100 * gib)  // a 100 GiB filesystem
        }
        let spike = spikes.contains(t)
        // CPU: quiet with short spikes; two sustained incidents; the sampler fails for 10 minutes.
        var cpu: Double? = n.uniform(5, 30)
        if spike { cpu = 99 }
        if (Self.h(2)..<Self.h(2) + 1500).contains(t) { cpu = n.uniform(98.5, 100) }
        if (Self.h(16)..<Self.h(16) + 720).contains(t) { cpu = n.uniform(91, 96) }
        if (Self.h(22)..<Self.h(22) + 600).contains(t) { cpu = nil }
        // Memory: a leak climbs from 60% to 99% over 30 minutes and is killed at 05:50; single
        // samples at 93% now and then; the sampler misses two samples at 09:00.
        var memory: Double? = n.uniform(45, 55)
        if t % 4001 == 0 { memory = 93 }
        if (Self.h(5)..<Self.h(5) + 1800).contains(t) { memory = 60 + 39 * Double(t - Self.h(5)) / 1800 }
        if (Self.h(5) + 1800..<Self.h(5) + 3000).contains(t) { memory = 99 }
        if (Self.h(9)..<Self.h(9) + 20).contains(t) { memory = nil }
        // Disks: /srv hovers at its warning level for five hours; /var fills (with its inodes);
        // /home has single-sample spikes.
        var srv = n.uniform(68, 72)
        if (Self.h(7)..<Self.h(12)).contains(t) { srv = n.uniform(89.4, 90.8) }
        var varUsed = n.uniform(79, 81)
        var inodes = n.uniform(48, 52)
        if (Self.h(14)..<Self.h(15)).contains(t) {
            varUsed = n.uniform(96.2, 97)
            inodes = n.uniform(92, 94)
        }
        let home = t % 5003 == 0 ? 93.0 : n.uniform(60, 62)
        // Pressure: memory oscillates across its warning level for an hour; an IO stall at 20:00.
        var psiMemory = n.uniform(0, 2)
        if (Self.h(18)..<Self.h(19)).contains(t) { psiMemory = (t / 30) % 2 == 0 ? 14 : 2 }
        var psiIO = n.uniform(0, 4)
        if (Self.h(20)..<Self.h(20) + 600).contains(t) { psiIO = n.uniform(55, 70) }
        var cpuObservation = value("cpu", cpu)
        var withUnits = HostSnapshot(timestamp: Double(t), cycle: 1)
        withUnits.units = units(at: t, cpu: cpu, noise: &n)
        cpuObservation.detail = UnitFamily.culpritText(for: .cpu, in: withUnits)
        return [
            cpuObservation, value("memory", memory), disk("/srv", srv), disk("/var", varUsed), disk("/home", home),
            value("inodes", inodes, resource: "/var"), value("pressure_memory", psiMemory), value("pressure_io", psiIO),
        ]
    }

    /// Replays the day through the default configuration.
    public func run(config: Config = Config()) -> Report {
        typealias Instant = ManualClock.Instant
        var n = Noise(state: seed)
        var spikes = Set<Int>()
        for _ in 0..<60 {
            let start = Int(n.uniform(0, Double(Self.day / Self.interval))) * Self.interval
            for k in 0..<Int(n.uniform(1, 7)) { spikes.insert(start + k * Self.interval) }
        }
        var evaluator = CheckEvaluator<Instant>()
        var pipeline = AlertPipeline<Instant>(policy: config.alerts)
        var sent: [(t: Int, n: AlertNotification)] = []
        var messages = 0
        let base = 1_800_000_000.0
        var fills = FillForecasts(windows: config.disk.forecast)
        for t in stride(from: 0, to: Self.day, by: Self.interval) {
            let now = Instant(offset: .seconds(t))
            var disks = forecastDisks(at: t, noise: &n)
            fills.update(&disks, now: base + Double(t))
            var snapshot = HostSnapshot(timestamp: base + Double(t), cycle: UInt64(t / Self.interval))
            snapshot.disks = disks
            let fromDisks = DiskFamily.observations(snapshot, failure: { .unknown($0) })
            for o in observations(at: t, noise: &n, spikes: spikes) + fromDisks {
                _ = evaluator.evaluate(o, spec: config.spec(for: o.key) ?? ThresholdSpec(), at: now, timestamp: base + Double(t))
            }
            let results = evaluator.statuses.map { s in
                CheckResult(
                    labels: AlertLabels.forCheck(s.check, resource: s.resource, instance: "replay"), severity: s.severity,
                    message: s.message, value: s.value, threshold: s.threshold)
            }
            let out = pipeline.process(
                results, controls: AlertControls(), policy: config.alerts, notify: config.notify, now: now, wall: base + Double(t))
            sent += out.notifications.map { (t, $0) }
            messages += out.messages.count
        }
        return report(sent, messages: messages)
    }

    private func report(_ sent: [(t: Int, n: AlertNotification)], messages: Int) -> Report {
        var latency: [String: Int?] = [:]
        for i in incidents { latency[i.name] = .some(nil) }
        var spurious: [String] = []
        var falseForecasts: [String] = []
        var firstForecast: Int?
        var culpritsMissed: Set<String> = Set(incidents.compactMap { $0.culprit == nil ? nil : $0.name })
        var problems = 0
        var repeats = 0
        var recoveries = 0
        var flaps = 0
        for (t, n) in sent {
            let check = n.labels["check"] ?? ""
            let resource = n.labels["resource"] ?? ""
            // A notification belongs to the incident on its check whose span (plus the time a
            // clear debounce and a recovery take) contains it.
            let owner = incidents.first { $0.check == check && $0.resource == resource && t >= $0.start && t <= $0.end + 600 }
            switch n.reason {
            case .resolved: recoveries += 1
            case .flappingStarted, .flappingStopped: flaps += 1
            case .repeat:
                problems += 1
                repeats += 1
            default: problems += 1
            }
            if check == "disk_forecast" && n.reason != .resolved {
                if owner?.check == "disk_forecast" {
                    if firstForecast == nil { firstForecast = t }
                } else {
                    falseForecasts.append("\(Report.clock(t)) \(resource) \(n.severity): \(n.message)")
                }
            }
            guard let owner else {
                spurious.append("\(Report.clock(t)) \(check) \(resource) \(n.reason.rawValue) \(n.severity)")
                continue
            }
            if n.reason != .resolved, latency[owner.name] == .some(nil) {
                latency[owner.name] = t - owner.start
                if let c = owner.culprit, n.message.contains(c) { culpritsMissed.remove(owner.name) }
            }
        }
        return Report(
            samples: Self.day / Self.interval, incidents: incidents, latency: latency, problemNotifications: problems, repeats: repeats,
            recoveries: recoveries, flapNotifications: flaps, spurious: spurious, channelMessages: messages,
            log: sent.map {
                "\(Report.clock($0.t)):\(($0.t % 60) < 10 ? "0" : "")\($0.t % 60) \($0.n.labels["check"] ?? "") \($0.n.labels["resource"] ?? "") \($0.n.reason.rawValue) \($0.n.severity)"
            },
            forecastLeadHours: firstForecast.map { Double(Self.dataFull - $0) / 3600 }, falseForecasts: falseForecasts,
            culpritsMissed: culpritsMissed.sorted())
    }
}
