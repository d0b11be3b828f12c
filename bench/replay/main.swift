import VitalsCore
import VitalsTestKit

/// `swift run -c release vitals-replay [SEED] [--log]`: replays the synthetic 24-hour trace through the
/// check evaluator and the alert pipeline with the default configuration and prints the report
/// (incidents, latency, messages per incident, spurious notifications) as markdown.
let args = CommandLine.arguments.dropFirst()
let seed = args.first { !$0.hasPrefix("-") }.flatMap { UInt64($0) } ?? 2026
let clock = ContinuousClock()
var report: TraceReplay.Report?
let took = clock.measure { report = TraceReplay(seed: seed).run() }
print("# vitals alert replay, seed \(seed)\n")
print(report!.description)
if args.contains("--log") { print("\nnotifications:\n" + report!.log.joined(separator: "\n")) }
print("replayed in \(Units.formatDuration(took)) (\(Units.formatDecimal(took.seconds * 1e6 / Double(report!.samples), places: 1)) µs per cycle)")
