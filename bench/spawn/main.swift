import VitalsCore
import VitalsPlugins

#if canImport(Glibc)
import Glibc
#endif

/// `swift run -c release vitals-spawn-bench [N] [PROGRAM]`: what the plugin runner costs per
/// execution (process group, limits, no_new_privs, clean environment, capped reading, reaping,
/// parsing) against a bare posix_spawn + waitpid of the same program with the same environment,
/// N times each, alternating.
let args = Array(CommandLine.arguments.dropFirst())
let n = args.first.flatMap { Int($0) } ?? 500
let program = args.count > 1 ? args[1] : "/usr/lib/nagios/plugins/check_dummy"
let argv = [program, "0", "bench"]
let clock = ContinuousClock()

func bare() -> Duration {
    let start = clock.now
    var pid: pid_t = 0
    let cargs = argv.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let envStrings: [String] = ["PATH=\(PluginInvocation.path)", "LC_ALL=C"]
    let env = envStrings.map { strdup($0) } + [nil]
    defer { for p in env { free(p) } }
    let rc = posix_spawn(&pid, program, &actions, nil, cargs, env)
    precondition(rc == 0, "posix_spawn \(program): \(rc)")
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return start.duration(to: clock.now)
}

func runner() -> Duration {
    let start = clock.now
    let run = PluginRunner.run(PluginInvocation(argv: argv, environment: ["PATH": PluginInvocation.path, "LC_ALL": "C"], timeout: .seconds(10)))
    precondition(run.result.severity == .ok, "\(run.result.message)")
    return start.duration(to: clock.now)
}

var a: [Double] = []
var b: [Double] = []
for _ in 0..<20 { _ = bare(); _ = runner() }  // warm up
for _ in 0..<n {
    a.append(bare().seconds * 1e6)
    b.append(runner().seconds * 1e6)
}
a.sort()
b.sort()
func p(_ x: [Double], _ q: Double) -> String { Units.formatDecimal(x[min(x.count - 1, Int(Double(x.count) * q))], places: 0) }
print("| \(program) x\(n) | p50 µs | p90 µs | p99 µs |")
print("|---|---|---|---|")
print("| bare posix_spawn + waitpid | \(p(a, 0.5)) | \(p(a, 0.9)) | \(p(a, 0.99)) |")
print("| PluginRunner.run (+ parse) | \(p(b, 0.5)) | \(p(b, 0.9)) | \(p(b, 0.99)) |")
print("overhead at p50: \(Units.formatDecimal(b[b.count / 2] - a[a.count / 2], places: 0)) µs per execution")
