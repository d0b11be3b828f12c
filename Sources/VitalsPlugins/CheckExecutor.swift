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
        if let compiled = InProcessChecks.check(for: check) { return done(compiled.run(arguments: Array(check.command.dropFirst()))) }
        func failed(_ message: String, _ cause: PluginResult.Cause) -> (PluginResult, Duration) {
            var r = PluginResult(severity: .unknown, message: message)
            r.cause = cause
            return (r, start.duration(to: clock.now))
        }
        if let problem = PluginSecurity.problem(with: check.command[0]) { return failed(problem, .refused) }
        if let dependencyState {
            for d in check.dependsOn {
                let s = dependencyState(d)
                if s != .ok { return failed("not run: it depends on \(d), which is \(s?.rawValue ?? "not known yet")", .dependency) }
            }
        }
        do {
            let run = PluginRunner.run(try PluginInvocation(check, agentEnvironment: environment))
            return done(run.result)
        } catch {
            return failed(error.description, .notStarted)
        }
    }
}
