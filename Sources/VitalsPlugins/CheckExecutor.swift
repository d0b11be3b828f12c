public import VitalsCore

/// One run of a configured check, the same for the agent and for `vitals check`: a compiled-in
/// check runs in process; a plugin's path is checked first, then its dependencies, then it runs;
/// vitals' own perfdata levels apply last.
public enum CheckExecutor {
    /// `dependencyState` gives the current state of a check this one depends on (nil: not known
    /// yet); the CLI passes nil to run regardless.
    public static func run(
        _ check: CheckDefinition, environment: [String: String], dependencyState: ((String) -> Severity?)? = nil
    ) -> (result: PluginResult, took: Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        func done(_ r: PluginResult) -> (PluginResult, Duration) { (r.applying(check.thresholds), start.duration(to: clock.now)) }
        if let compiled = InProcessChecks.check(for: check) { return done(compiled.run()) }
        if let problem = PluginSecurity.problem(with: check.command[0]) {
            return (PluginResult(severity: .unknown, message: problem), start.duration(to: clock.now))
        }
        if let dependencyState {
            for d in check.dependsOn {
                let s = dependencyState(d)
                if s != .ok {
                    return (
                        PluginResult(severity: .unknown, message: "not run: it depends on \(d), which is \(s?.rawValue ?? "not known yet")"),
                        start.duration(to: clock.now)
                    )
                }
            }
        }
        do {
            let run = PluginRunner.run(try PluginInvocation(check, agentEnvironment: environment))
            return done(run.result)
        } catch {
            return (PluginResult(severity: .unknown, message: error.description), start.duration(to: clock.now))
        }
    }
}
