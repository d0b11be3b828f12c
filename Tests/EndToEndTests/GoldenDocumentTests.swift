import Foundation
import Testing
import VitalsCore
import VitalsTestKit
import VitalsTestSupport

/// Issue 16: `/v1/status` and `/metrics` of the agent on the debian12 /proc fixture, diffed
/// against the golden files in `Tests/Fixtures/golden/` (as node_exporter's end-to-end test does),
/// so a renamed field or metric, a changed unit or a family that goes missing shows in review.
///
/// What depends on the host or the moment is replaced by a placeholder, never dropped: times,
/// pids, durations, the version, the sizes statvfs reports for the fixture's mounts, and the
/// compiled-in checks that ask the host itself (clock sync, failed units, reboot required).
/// `UPDATE_GOLDEN=1 scripts/test --filter GoldenDocumentTests` rewrites the files; review the diff.
@Suite(.offThePool) struct GoldenDocumentTests {
    /// The compiled-in checks ask the host itself (clock sync, failed units, reboot required).
    static let hostChecks: Set<String> = CompiledChecks.names
    /// Checks whose value comes from statvfs of the host's own mounts.
    static let statvfsChecks: Set<String> = [BuiltinCheck.disk.rawValue, BuiltinCheck.inodes.rawValue, BuiltinCheck.diskForecast.rawValue]
    static let volatileKeys: Set<String> = [
        "started_at", "pid", "since", "evaluated_at", "timestamp", "cycle", "duration_us", "total_us", "procfs_root", "version",
        "own_open", "config_file", "root",
    ]

    @Test func statusAndMetricsMatchTheGoldenFiles() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let proc = try copyFixture("debian12", to: dir)
        try "interval: 1s\n".write(toFile: dir + "/v.yaml", atomically: true, encoding: .utf8)
        // The units come from the cgroup fixture, not from the machine running the tests.
        let agent = try AgentProcess(
            arguments: ["--config", dir + "/v.yaml", "--procfs-root", proc, "--cgroup-root", Fixtures.path("cgroup/debian12")], dir: dir)
        defer { _ = agent.stop() }
        _ = try agent.waitForCycles(3)
        let status = try runVitals(["status", "--json", "--socket", agent.socket])
        let metrics = try runVitals(["metrics", "--socket", agent.socket])
        #expect(status.status == 0 && metrics.status == 0, "\(status.err)\(metrics.err)")
        try Self.compare(try Self.normalizedStatus(status.out), golden: "debian12-status.json")
        try Self.compare(Self.normalizedMetrics(metrics.out), golden: "debian12-metrics.txt")
        // With every family present (the units from the cgroup fixture), the exposition is clean.
        let lint = try DeliveryTests.promtool(metrics.out)
        #expect(lint.status == 0, "promtool check metrics: \(lint.out)")
        // The units as an operator reads them: largest memory first, a slice marked as holding others.
        let units = try runVitals(["status", "--units", "--sort", "memory", "--top", "3", "--socket", agent.socket])
        let rows = units.out.split(separator: "\n").map(String.init)
        #expect(rows.count == 5 && rows[0].hasPrefix("UNIT ") && rows[1].hasPrefix("system.slice (+)"), "\(units.out)")
        #expect(rows[2].hasPrefix("postgresql.service ") && rows[2].contains("700.0 MiB"), "\(units.out)")
        #expect(rows[4].hasPrefix("16 units in ") && rows[4].contains("13 not shown"), "\(units.out)")
    }

    /// The status document with the host's and the moment's values as placeholders, keys sorted.
    static func normalizedStatus(_ text: String) throws -> String {
        var doc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var checks = (doc["checks"] as? [[String: Any]] ?? []).filter { !hostChecks.contains($0["check"] as? String ?? "") }
        for i in checks.indices where statvfsChecks.contains(checks[i]["check"] as? String ?? "") {
            for key in ["message", "value", "severity"] where checks[i][key] != nil { checks[i][key] = "<statvfs>" }
        }
        doc["checks"] = checks
        // The counts include the host's own checks.
        if let summary = doc["summary"] as? [String: Any] { doc["summary"] = summary.mapValues { _ in "<host>" } }
        if var snapshot = doc["snapshot"] as? [String: Any] {
            snapshot["disks"] = (snapshot["disks"] as? [[String: Any]] ?? []).map { disk in
                // The forecast's reason counts the seconds of readings so far.
                disk.mapValues { $0 is NSNumber ? "<statvfs>" : $0 }.merging(disk["forecast"] == nil ? [:] : ["forecast": "<varies>"]) { $1 }
            }
            doc["snapshot"] = snapshot
        }
        let cleaned = scrub(doc)
        let data = try JSONSerialization.data(withJSONObject: cleaned, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func scrub(_ value: Any) -> Any {
        if let d = value as? [String: Any] {
            return Dictionary(uniqueKeysWithValues: d.map { k, v in (k, volatileKeys.contains(k) ? "<varies>" : scrub(v)) })
        }
        if let a = value as? [Any] { return a.map(scrub) }
        return value
    }

    /// Every HELP, TYPE and sample line, in order; the value of a sample that depends on the host
    /// or the moment becomes `<varies>`, and the host's own checks' lines go.
    static func normalizedMetrics(_ text: String) -> String {
        let stable = [
            "vitals_cpu_", "vitals_memory_", "vitals_swap_", "vitals_load", "vitals_file_handles_", "vitals_pressure_", "vitals_oom_",
            "vitals_process_", "vitals_check_", "vitals_unit",
        ]
        var out: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("#") || line.isEmpty {
                out.append(line)
                continue
            }
            if hostChecks.contains(where: { line.contains("check=\"\($0)\"") }) { continue }
            guard let space = line.lastIndex(of: " ") else {
                out.append(line)
                continue
            }
            let series = String(line[..<space])
            let name = String(series.prefix { $0 != "{" })
            let fromStatvfs = statvfsChecks.contains { series.contains("check=\"\($0)\"") } && name != "vitals_check_status"
            let keep = stable.contains { name.hasPrefix($0) } && !fromStatvfs
            // A check's state line: which state is 1 depends on the value for statvfs checks.
            let statvfsState = name == "vitals_check_status" && statvfsChecks.contains { series.contains("check=\"\($0)\"") }
            out.append(keep && !statvfsState ? line : series + " <varies>")
        }
        return out.joined(separator: "\n")
    }

    static func compare(_ actual: String, golden name: String) throws {
        let path = Fixtures.path("golden/\(name)")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(atPath: Fixtures.path("golden"), withIntermediateDirectories: true)
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        if actual != expected {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }
            let at = first?.offset ?? min(a.count, e.count)
            Issue.record(
                """
                \(name) differs from the golden file at line \(at + 1):
                  golden: \(at < e.count ? String(e[at]) : "(end)")
                  now:    \(at < a.count ? String(a[at]) : "(end)")
                If the change is intended, run UPDATE_GOLDEN=1 scripts/test --filter GoldenDocumentTests and review the diff.
                """)
        }
    }
}
