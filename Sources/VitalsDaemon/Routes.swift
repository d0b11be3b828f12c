public import Logging
import VitalsCore
public import VitalsServer

#if canImport(Glibc)
    import Glibc
#endif

/// The status API routes over the agent's in-memory state (versioned under /v1/).
public struct Routes: Sendable {
    let state: AgentState
    let version: String
    let pid: Int32
    let now: @Sendable () -> ContinuousClock.Instant
    let controls: ControlStore
    let controlRoutes: ControlRoutes
    let delivery: Delivery?
    let wall: @Sendable () -> Double
    /// The checks sampling does not run (custom checks, channels), read at each request.
    let sources: CheckSources
    /// The heartbeat's record, for `/v1/channels` and `/metrics`.
    let heartbeat: HeartbeatBoard?

    public init(
        state: AgentState, controls: ControlStore = ControlStore(directory: nil), version: String, pid: Int32,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }, wall: @escaping @Sendable () -> Double = WallClock.now,
        logger: Logger? = nil, delivery: Delivery? = nil, sources: CheckSources = .none, heartbeat: HeartbeatBoard? = nil
    ) {
        self.heartbeat = heartbeat
        self.delivery = delivery
        self.wall = wall
        self.sources = sources
        self.state = state
        self.version = version
        self.pid = pid
        self.now = now
        self.controls = controls
        controlRoutes = ControlRoutes(state: state, controls: controls, wall: wall, agentUID: UInt32(geteuid()), logger: logger)
    }

    /// Answers one request.
    public func handle(_ request: StatusRequest) -> StatusReply {
        if let reply = controlRoutes.handle(request) { return reply }
        let routes = ["/v1/status", "/v1/health", "/v1/alerts", "/v1/silences", "/v1/channels", "/v1/actions", "/v1/actions/test", "/metrics"]
        guard routes.contains(request.path) else {
            return .error(404, "no route \(request.path); try \(routes.joined(separator: ", "))")
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .error(405, "\(request.path) answers GET only")
        }
        let c = state.current
        switch request.path {
        case "/v1/status": return json(status(c))
        case "/v1/alerts":
            return json(AlertsDocument(c.alerts, controls: controls.current, wall: controlRoutes.wall(), actions: sources.actions?.current))
        case "/v1/actions": return json(ActionsDocument(c.config.actions, ledger: sources.actions?.current ?? ActionLedger(), wall: wall()))
        case "/v1/actions/test": return actionTest(request, c)
        case "/v1/channels":
            var doc = ChannelsDocument(config: c.config.notify, delivery: delivery?.channels ?? [])
            doc.heartbeat = heartbeat?.current
            return json(doc)
        case "/metrics":
            var fresh = c
            fresh.checks = status(c).checks
            let text = MetricsDocument.render(
                fresh, channels: delivery?.channels ?? [], heartbeat: heartbeat?.current, actions: sources.actions?.counts(c.config) ?? [],
                version: version)
            return StatusReply(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(text.utf8))
        default: return json(health(c))
        }
    }

    /// The status document: the sampled checks, marked stale when no cycle finished while their
    /// results stay fresh (`Config.cycleStaleAfter`), then the custom checks (stale by their own
    /// intervals) and the channels, as they are now.
    public func status(_ c: AgentState.Contents) -> StatusDocument {
        var checks = c.checks
        if let end = c.lastCycleEnd, end.duration(to: now()) > c.config.cycleStaleAfter {
            let age = Units.formatDuration(.seconds(Int64(end.duration(to: now()).seconds)))
            for i in checks.indices {
                checks[i].severity = .stale
                checks[i].message = "no fresh result for \(age): \(checks[i].message)"
            }
        }
        checks += sources.statuses(c.config, now: now(), wall: wall())
        return StatusDocument(
            agent: .init(
                version: version, pid: pid, startedAt: c.startedAt, intervalSeconds: c.config.interval.seconds,
                configFile: c.configFile, procfsRoot: c.config.procfsRoot),
            summary: .init(checks), checks: checks, snapshot: c.snapshot)
    }

    public func health(_ c: AgentState.Contents) -> HealthDocument {
        let age = c.lastCycleEnd.map { $0.duration(to: now()).seconds }
        let errors = (c.snapshot?.samplers ?? []).filter { $0.outcome == .failed }.map {
            HealthDocument.SamplerError(sampler: $0.name, error: $0.error ?? "failed")
        }
        var problems = errors.map { "sampler \($0.sampler) failed: \($0.error)" }
        // An overrun counts for ten intervals: long enough to be seen, short enough to clear.
        if let at = c.lastOverrunAt, at.duration(to: now()) < c.config.interval * 10 {
            problems.append(
                "a sampling cycle overran its interval \(Units.formatDuration(.seconds(Int64(at.duration(to: now()).seconds)))) ago (\(c.overruns) overruns since start)"
            )
        }
        if let e = c.stateWriteError { problems.append("the alert state cannot be written (a restart would forget the alerts): \(e)") }
        if let e = c.outboxWriteError { problems.append("the outbox cannot be written (notifications wait in memory only): \(e)") }
        let status: String
        if let age {
            status = age > c.config.cycleStaleAfter.seconds ? "stale" : problems.isEmpty ? "ok" : "degraded"
        } else {
            status = "starting"
        }
        return HealthDocument(
            status: status, problems: problems, cycles: c.cycles, lastCycleAgeSeconds: age,
            lastCycleDurationMs: c.lastCycleDuration.map { $0.seconds * 1000 }, intervalSeconds: c.config.interval.seconds,
            overruns: c.overruns, samplerErrors: errors, reloads: c.reloads, lastReloadError: c.lastReloadError,
            lastReloadRefusedAt: c.lastReloadError == nil ? nil : c.lastReloadErrorAt)
    }

    private func json(_ value: some Encodable) -> StatusReply { JSONReply.encode(value) }

    /// `GET /v1/actions/test?name=NAME`: the dry run. The ledger decides on a copy, over the
    /// alerts as the last evaluation left them, so the answer is what the next evaluation would
    /// do, and nothing runs. (The unit's state is asked by `vitals action test`, not here: a
    /// call to systemd must not hold the status socket's event loop.)
    private func actionTest(_ request: StatusRequest, _ c: AgentState.Contents) -> StatusReply {
        let name = request.query.split(separator: "&").first { $0.hasPrefix("name=") }.map { String($0.dropFirst(5)) } ?? ""
        guard let d = c.config.actions.first(where: { $0.name == name }) else {
            let known = c.config.actions.map(\.name)
            return .error(
                404,
                known.isEmpty
                    ? "no actions are configured; add them under actions: in the configuration"
                    : "no action named \"\(name.prefix(64))\"; the configured ones are \(known.joined(separator: ", "))")
        }
        let ledger = sources.actions?.current ?? ActionLedger()
        let dry = ledger.dryRun(d, ActionCandidate.from(c.alerts), wall: wall())
        return json(
            ActionTestDocument(
                name: d.name, effect: d.effect.description, target: d.effect.target, unit: d.effect.unit, argv: d.effect.argv, alerts: dry.lines,
                lastHour: ledger.attemptsInLastHour(d.name, wall: wall()), maxPerHour: d.maxPerHour, verdict: dry.verdict))
    }
}

/// Encodes API documents: sorted keys, pretty, infinities as strings.
enum JSONReply {
    static func encode(_ value: some Encodable) -> StatusReply {
        // `unlimited` limits are +Inf; JSON has no infinity, so they travel as the string "+Inf".
        do {
            return StatusReply(status: 200, body: try JSONCodec.encode(value, options: .api) + [0x0A])
        } catch {
            return .error(500, "cannot encode the reply: \(error)")
        }
    }
}
