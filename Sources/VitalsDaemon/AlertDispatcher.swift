public import Logging
public import VitalsCore

/// Runs the alert pipeline once per cycle: each check's state through the engine (with the
/// silences, acknowledgements, inhibitions and route that apply to it), the resulting
/// notifications through the storm guard into one message per channel, the whole state written
/// through to the state file, and only then the messages delivered: `log` channels to the journal
/// here, network channels (webhook, SMTP, Alertmanager) into the durable outbox for `Delivery`.
public struct AlertDispatcher: Sendable {
    var pipeline: AlertPipeline<ContinuousClock.Instant>
    /// What the state file holds now, without the readings (see `process`).
    var written: (alerts: [PersistedAlert], storm: StormGuard)?
    /// Each check's labels as last built: the camel-cased alert name, the custom checks' own
    /// labels and the sorted pairs with their fingerprint are made once, not every cycle
    /// (issue 17). Emptied when a reload changes a custom check's labels.
    var labelCache = LabelCache(extras: [:])

    /// The labels built so far, and the custom checks' labels they were built with.
    struct LabelCache: Sendable {
        var extras: [String: [String: String]]
        var built: [CheckKey: LabelSet] = [:]
    }
    let store: AlertStore?
    let controls: ControlStore
    let instance: String
    let logger: Logger
    let state: AgentState
    /// The outbox of the durable channels, and how to wake their delivery.
    let delivery: Delivery?
    let poke: @Sendable () -> Void

    /// Restores the state left by the previous run (a corrupt file is moved aside and logged).
    public init(
        policy: AlertPolicy, store: AlertStore?, controls: ControlStore, instance: String, logger: Logger, state: AgentState,
        now: ContinuousClock.Instant, wall: Double, delivery: Delivery? = nil, poke: @escaping @Sendable () -> Void = {}
    ) {
        self.delivery = delivery
        self.poke = poke
        pipeline = AlertPipeline(policy: policy)
        self.store = store
        self.controls = controls
        self.instance = instance
        self.logger = logger
        self.state = state
        restore(now: now, wall: wall)
        // Decisions whose messages are in the outbox but whose state was not saved (a crash
        // between the two steps) are taken back from the messages.
        if let delivery {
            let sent = delivery.channels.flatMap { $0.queue.map(\.message) }
            pipeline.engine.recover(sent: sent.flatMap(\.notifications), now: now, wall: wall)
            pipeline.storm.recover(sent: sent)
        }
        let exported = pipeline.engine.export(wall: wall, now: now)
        written = (exported.map(\.withoutReadings), pipeline.storm)
        state.recordAlerts(exported)
    }

    /// The state each check had when the previous run stopped (from the restored alerts):
    /// the evaluators start from it, so a restart neither resolves a notified problem nor
    /// raises one again before its debounce.
    public var restoredStates: [CheckKey: Severity] { pipeline.engine.problemStates }

    /// Reads the silences and acknowledgements left by the previous run, before the status
    /// socket opens (so no change made through it can be overwritten).
    public static func restoreControls(_ controls: ControlStore, logger: Logger, wall: Double) {
        let problem: Logger.Metadata = [LogKey.messageID: "\(EventKind.alertStateProblem.messageID)"]
        do {
            switch try controls.load(wall: wall) {
            case .none: break
            case .loaded(let s, let a, let refused):
                logger.info("silences and acknowledgements restored", metadata: ["silences": "\(s)", "acknowledgements": "\(a)"])
                for r in refused {
                    logger.error(
                        "\(r); this silence is dropped and the others are kept: add it again in a form vitals accepts",
                        metadata: problem)
                }
            case .corrupt(let error, let aside):
                logger.error(
                    "\(controls.path ?? "controls") is not valid; moved it to \(aside) and started with no silences or acknowledgements",
                    metadata: problem.merging(["error": "\(error)"]) { $1 })
            }
        } catch {
            logger.error(
                "cannot read the silences and acknowledgements; starting with none",
                metadata: problem.merging(["error": "\(error.description)"]) { $1 })
        }
    }

    private mutating func restore(now: ContinuousClock.Instant, wall: Double) {
        let problem: Logger.Metadata = [LogKey.messageID: "\(EventKind.alertStateProblem.messageID)"]
        guard let store else { return }
        do {
            switch try store.load(wall: wall) {
            case .none:
                break
            case .alerts(let saved, let storm):
                pipeline.engine.restore(saved, now: now, wall: wall)
                if let storm { pipeline.storm = storm }
                logger.info("alert state restored", metadata: ["file": "\(store.path)", "alerts": "\(saved.count)"])
            case .corrupt(let error, let aside):
                logger.error(
                    "alert state \(store.path) is not valid; moved it to \(aside) and started with no alerts",
                    metadata: problem.merging(["error": "\(error)"]) { $1 })
            }
        } catch {
            logger.error("cannot read the alert state; starting with no alerts", metadata: problem.merging(["error": "\(error.description)"]) { $1 })
        }
    }

    /// One cycle's results under `config` (the configuration in force, which a reload may change).
    public mutating func process(
        _ statuses: [CheckStatus], snapshot: HostSnapshot?, config: Config, now: ContinuousClock.Instant, wall: Double
    ) {
        var extras: [String: [String: String]] = [:]
        for c in config.checks where !c.labels.isEmpty { extras[c.name] = c.labels }
        if extras != labelCache.extras { labelCache = LabelCache(extras: extras) }
        func labels(_ check: String, _ resource: String) -> LabelSet {
            let key = CheckKey(check: check, resource: resource)
            if let l = labelCache.built[key] { return l }
            let base = AlertLabels.forCheck(check, resource: resource, instance: instance)
            let l = extras[check].map { LabelSet($0.merging(base.dictionary) { _, vitals in vitals }) } ?? base
            labelCache.built[key] = l
            return l
        }
        let results = statuses.map { s in
            CheckResult(labels: labels(s.check, s.resource), severity: s.severity, message: s.message, value: s.value, threshold: s.threshold)
        }
        // Only what this cycle's checks use stays (units and mounts come and go).
        if labelCache.built.count > statuses.count + config.checks.count {
            let used = Set(statuses.map { CheckKey(check: $0.check, resource: $0.resource) })
            labelCache.built = labelCache.built.filter { used.contains($0.key) }
        }
        // A custom check whose dependency is not ok is muted by the dependency's alert.
        let severity = Dictionary(statuses.map { ($0.check, $0.severity) }, uniquingKeysWith: { a, _ in a })
        var dependencies: [Fingerprint: Fingerprint] = [:]
        for c in config.checks {
            if let d = c.dependsOn.first(where: { severity[$0] != nil && severity[$0] != .ok }) {
                dependencies[labels(c.name, "").fingerprint] = labels(d, "").fingerprint
            }
        }
        let outcome = pipeline.process(
            results, controls: MaintenanceWindows.shared.effective(controls.current, config: config, wall: wall), policy: config.alerts,
            notify: config.notify, now: now, wall: wall, dependencies: dependencies)
        endAcknowledgements(outcome.endedAcknowledgements, wall: wall)
        let exported = pipeline.engine.export(wall: wall, now: now)
        // The messages first, then the state that counts them as sent: a crash between the two
        // leaves messages in the outbox and a state that has not counted them, so the restarted
        // agent decides them again with the same sequence and idempotency key (the receiver drops
        // the repeat). The other order lost them for good (issue 15: the state said "sent" and
        // nothing held the message).
        for n in outcome.unrouted { log(n, channel: nil) }
        let annotate = Annotator(statuses: outcome.messages.isEmpty ? [] : statuses, snapshot: outcome.messages.isEmpty ? nil : snapshot)
        for m in outcome.messages { deliver(annotate(m), config: config.notify, wall: wall) }
        if !outcome.messages.isEmpty { Failpoint.hit("alerts-after-outbox") }
        // Written through when anything a restart needs changed; the readings (message, value,
        // threshold) change nearly every cycle and the next cycle after a restart brings fresh
        // ones, so they alone cause no write (and no fsync every cycle).
        let persistent = exported.map(\.withoutReadings)
        if let store, written.map({ $0.alerts != persistent || $0.storm != pipeline.storm }) ?? true {
            do {
                try store.save(exported, storm: pipeline.storm)
                written = (persistent, pipeline.storm)
                state.recordStateWrite(error: nil)
                if !outcome.messages.isEmpty { Failpoint.hit("alerts-after-state") }
            } catch {
                state.recordStateWrite(error: "\(store.path): \(error.description)")
                logger.error(
                    "cannot write the alert state; alerts continue in memory but a restart would forget them",
                    metadata: [LogKey.messageID: "\(EventKind.alertStateProblem.messageID)", "error": "\(error.description)"])
            }
        }
        state.recordAlerts(exported)
        if outcome.messages.contains(where: { config.notify.channel(named: $0.channel)?.isDurable ?? false }) { poke() }
    }

    /// Removes acknowledgements that ended (recovery, or a change of state for a plain one).
    private func endAcknowledgements(_ ended: [Fingerprint], wall: Double) {
        guard !ended.isEmpty else { return }
        do {
            try controls.update { (c: inout AlertControls) throws(VitalsError) in
                for fp in ended { c.unacknowledge(fp) }
                _ = c.prune(now: wall)
            }
        } catch {
            logger.error(
                "cannot write the end of an acknowledgement; it stays until the next change",
                metadata: [LogKey.messageID: "\(EventKind.alertStateProblem.messageID)", "error": "\(error.description)"])
        }
    }

    /// Hands a message to its channel.
    private func deliver(_ m: ChannelMessage, config: NotifyConfig, wall: Double) {
        guard let channel = config.channel(named: m.channel) else {
            logger.error(
                "a message for channel \(m.channel) has no channel to go to (it was removed from the configuration); its alerts follow in the log",
                metadata: [LogKey.messageID: "\(EventKind.alertStateProblem.messageID)", LogKey.channel: "\(m.channel)"])
            for n in m.notifications { log(n, channel: nil) }
            return
        }
        switch channel.kind {
        case .webhook, .smtp, .alertmanager:
            // "Channel X is failing" goes out through the other channels, not through X.
            var m = m
            m.notifications.removeAll { $0.labels["check"] == "channel" && $0.labels["resource"] == channel.name }
            guard !m.notifications.isEmpty || m.digest != nil else { return }
            guard let delivery else {
                for n in m.notifications { log(n, channel: channel.name) }
                return
            }
            // Logged once it is in the outbox: a decision a crash cuts off mid-write was never
            // made, and the restarted agent makes it again.
            let (events, writeError) = delivery.enqueue(m, wall: wall)
            for n in m.notifications { log(n, channel: channel.name) }
            // Cleared by the delivery service once every message held in memory is on disk.
            if let writeError { state.recordOutboxWrite(error: writeError.description) }
            for e in events {
                if case .dropped(let ch, let count, let reason) = e {
                    logger.error(
                        "\(count) notification\(count == 1 ? "" : "s") dropped from the outbox of \(ch): \(reason)",
                        metadata: [LogKey.messageID: "\(EventKind.deliveryFailed.messageID)", LogKey.channel: "\(ch)", "dropped": "\(count)"])
                }
            }
            if let error = writeError {
                logger.error(
                    "cannot write a message for \(channel.name) to the outbox; delivering it from memory (a restart now would lose it)",
                    metadata: [
                        LogKey.messageID: "\(EventKind.deliveryFailed.messageID)", LogKey.channel: "\(channel.name)", "error": "\(error.description)",
                    ])
            }
        case .log:
            for n in m.notifications { log(n, channel: channel.name) }
            if let d = m.digest {
                logger.warning(
                    "\(d.description)",
                    metadata: [
                        LogKey.messageID: "\(EventKind.alertNotification.messageID)", LogKey.channel: "\(channel.name)", "reason": "digest",
                        "suppressed": "\(d.count)",
                    ])
            }
            if m.limitReached {
                logger.warning(
                    "channel \(channel.name) reached its hourly alert limit; further alerts are folded into a digest",
                    metadata: [LogKey.messageID: "\(EventKind.alertNotification.messageID)", LogKey.channel: "\(channel.name)", "reason": "limit"])
            }
        }
    }

    private func log(_ n: AlertNotification, channel: String?) {
        var meta: Logger.Metadata = [
            LogKey.messageID: "\(EventKind.alertNotification.messageID)",
            LogKey.fingerprint: "\(n.fingerprint)",
            LogKey.reason: "\(n.reason.rawValue)",
            LogKey.severity: "\(n.severity)",
            LogKey.check: "\(n.labels["check"] ?? "")",
            "sequence": "\(n.sequence)",
            "key": "\(n.idempotencyKey)",
            LogKey.channel: "\(channel ?? "none")",
            "step": "\(n.step)",
        ]
        if let r = n.labels["resource"] { meta[LogKey.resource] = "\(r)" }
        if let p = n.previous { meta[LogKey.oldSeverity] = "\(p)" }
        if let v = n.value { meta[LogKey.value] = "\(Units.formatNumber(v))" }
        if let d = n.duration { meta["duration"] = "\(Units.formatDuration(d))" }
        if let w = n.worstValue { meta["worst_value"] = "\(Units.formatNumber(w))" }
        if let r = n.route { meta["route"] = "\(r)" }
        let level: Logger.Level = n.severity == .critical ? .error : n.reason == .resolved ? .notice : .warning
        let text =
            n.reason == .resolved
            ? "alert resolved (\(n.reason)): \(n.message)\(n.duration.map { "; lasted \(Units.formatDuration($0))" } ?? "")"
            : n.reason == .escalated
                ? "alert \(n.severity) (escalated to step \(n.step)): \(n.message)" : "alert \(n.severity) (\(n.reason)): \(n.message)"
        logger.log(level: level, "\(text)", metadata: meta)
    }
}

extension PersistedAlert {
    /// The alert without its latest reading: what must survive a restart. A flap history of one
    /// state throughout counts as that state once (`FlapDetector.quietHistoryTrimmed`), so its
    /// growth alone causes no write.
    var withoutReadings: PersistedAlert {
        var p = self
        p.message = ""
        p.value = nil
        p.threshold = nil
        p.flap = p.flap?.quietHistoryTrimmed
        return p
    }
}

/// Adds what a reader of the notification wants besides the message: the value's unit (carried by
/// the evaluated check), for the file-handle checks the processes closest to their limit, and for
/// the host-level checks the units that account for the value (both from the cycle's snapshot).
struct Annotator {
    let units: [CheckKey: String]
    let topProcesses: String?
    let culprits: [String: [Culprit]]

    /// The units come with the evaluated checks; the top processes from the cycle's snapshot.
    init(statuses: [CheckStatus], snapshot: HostSnapshot?) {
        var units: [CheckKey: String] = [:]
        for s in statuses { if let u = s.unit { units[CheckKey(check: s.check, resource: s.resource)] = u } }
        self.units = units
        topProcesses = snapshot?.fileHandles.flatMap { f in
            f.topProcesses.isEmpty
                ? nil
                : f.topProcesses.prefix(5).map { "\($0.name) (pid \($0.pid)) \($0.open) of \(Units.formatNumber($0.limit)) open" }.joined(
                    separator: "; ")
        }
        var culprits: [String: [Culprit]] = [:]
        if let snapshot {
            for check in [BuiltinCheck.cpu, .memory, .swap, .pressureCPU, .pressureMemory, .pressureIO, .oomKills] {
                let c = UnitFamily.culprits(for: check, in: snapshot)
                if !c.isEmpty { culprits[check.rawValue] = c }
            }
        }
        self.culprits = culprits
    }

    func callAsFunction(_ m: ChannelMessage) -> ChannelMessage {
        var m = m
        for i in m.notifications.indices {
            let labels = m.notifications[i].labels
            let key = CheckKey(check: labels["check"] ?? "", resource: labels["resource"] ?? "")
            var a = m.notifications[i].annotations ?? [:]
            if let u = units[key] { a["unit"] = u }
            if FileHandleFamily.checks.contains(where: { $0.rawValue == key.check }), let t = topProcesses { a["top_processes"] = t }
            if key.resource.isEmpty, let c = culprits[key.check], m.notifications[i].severity != .ok {
                a["culprits"] = c.map(\.description).joined(separator: ", ")
                m.notifications[i].culprits = c
            }
            m.notifications[i].annotations = a.isEmpty ? nil : a
        }
        return m
    }
}
