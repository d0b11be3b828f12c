import CHost
public import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// Carries out one attempt of a self-healing action (issue 19), blocking on the calling thread
/// (the action stage calls it from a thread of its own). A unit is restarted or reloaded by
/// systemd over the system bus, as the agent's own user (the rule `vitals action polkit-rule`
/// writes allows the `vitals` user exactly the units and verbs the actions name), never through a
/// shell or `systemctl`; an executable runs as a
/// plugin does (`PluginRunner`: argv, clean environment, limits, timeout, its process group
/// killed at the end).
public enum ActionExecutor {
    public typealias Outcome = ActionOutcome

    /// Runs `action` once.
    public static func run(_ action: ActionDefinition, environment: [String: String]) -> Outcome {
        switch action.effect {
        case .restart(let unit): unitJob("RestartUnit", unit, timeout: action.timeout)
        case .reload(let unit): unitJob("ReloadUnit", unit, timeout: action.timeout)
        case .exec(let argv): exec(argv, action: action, environment: environment)
        }
    }

    static func unitJob(_ method: String, _ unit: String, timeout: Duration) -> Outcome {
        var buf = [CChar](repeating: 0, count: 1024)
        let r = vitals_unit_job(method, unit, Int32(timeout.seconds * 1000), &buf, buf.count)
        let text = String(cBuffer: buf)
        if r == VITALS_NOT_APPLICABLE {
            return Outcome(succeeded: false, detail: "cannot \(method == "RestartUnit" ? "restart" : "reload") \(unit): \(text)")
        }
        return Outcome(succeeded: r == 0, detail: text)
    }

    static func exec(_ argv: [String], action: ActionDefinition, environment: [String: String]) -> Outcome {
        if let problem = PluginSecurity.problem(with: argv[0]) { return Outcome(succeeded: false, detail: "not run: \(problem)") }
        var inv = PluginInvocation(argv: argv, environment: ["PATH": PluginInvocation.path, "LC_ALL": "C"], timeout: action.timeout)
        do {
            try inv.runAs(action.user, what: "action \(action.name)", source: action.source)
        } catch {
            return Outcome(succeeded: false, detail: "not run: \(error.message)")
        }
        let run = PluginRunner.run(inv)
        let out = String(decoding: run.stdout.prefix(512), as: UTF8.self).split(separator: "\n").first.map(String.init)
        let err = String(decoding: run.stderr.prefix(512), as: UTF8.self).split(separator: "\n").first.map(String.init)
        let said = [out, err.map { "stderr: \($0)" }].compactMap { $0 }.joined(separator: "; ")
        let took = Units.formatDecimal(run.duration.seconds, places: 1)
        switch run.exit {
        case .exited(0): return Outcome(succeeded: true, detail: "exited 0 after \(took) s" + (said.isEmpty ? "" : ": \(said)"))
        case .exited(let code): return Outcome(succeeded: false, detail: "exited \(code) after \(took) s" + (said.isEmpty ? "" : ": \(said)"))
        case .signaled(let sig): return Outcome(succeeded: false, detail: "killed by signal \(sig) after \(took) s")
        case .timedOut(let limit):
            return Outcome(succeeded: false, detail: "did not finish within \(Units.formatDuration(limit)); its process group was killed")
        case .notStarted(let why): return Outcome(succeeded: false, detail: "not started: \(why)")
        }
    }

    /// What a dry run says of the action now, without doing it: the unit's state as systemd has
    /// it, or whether the executable passes the plugin runner's checks.
    public static func inspect(_ action: ActionDefinition) -> String {
        switch action.effect {
        case .restart(let unit), .reload(let unit):
            var buf = [CChar](repeating: 0, count: 512)
            let r = vitals_unit_state(unit, &buf, buf.count)
            let text = String(cBuffer: buf)
            return r == 0 ? "\(unit) is \(text)" : "cannot ask systemd about \(unit): \(text)"
        case .exec(let argv):
            if let problem = PluginSecurity.problem(with: argv[0]) { return "would not run: \(problem)" }
            return "\(argv[0]) passes the plugin runner's checks (root-owned, not writable by others)"
        }
    }
}
