import Foundation
import Testing
import VitalsTestKit
import VitalsTestSupport

/// `vitals check` and `vitals check run` with Debian's real monitoring-plugins.
@Suite(.offThePool) struct CheckCommandTests {
    func vitals(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try runVitals(args) }

    /// A scratch directory (mode 755) with an empty `checks.d` and a plugin its group can write.
    static func scratch() throws -> (dir: String, checks: String, groupWritablePlugin: String) {
        let dir = try AgentProcess.tempDir()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir)
        let checks = dir + "/checks.d"
        try FileManager.default.createDirectory(atPath: checks, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let plugin = dir + "/groupw"
        try "#!/bin/sh\necho OK\n".write(toFile: plugin, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o775], ofItemAtPath: plugin)
        return (dir, checks, plugin)
    }

    @Test func vitalsServesAsANagiosPluginOverItsChecks() throws {
        let (dir, checks, unsafePlugin) = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = checks + "/host.yaml"
        try """
        - name: loadavg_plugin
          command: [/usr/lib/nagios/plugins/check_load, -w, "1000,1000,1000", -c, "2000,2000,2000"]
        - name: broken_thing
          command: [/usr/lib/nagios/plugins/check_dummy, "2", "the thing is broken"]
        - name: unsafe
          command: [\(unsafePlugin)]
        """.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)

        let all = try vitals(["check", "--checks-dir", checks, "--table"])
        #expect(all.status == 2, "the worst state is critical: \(all.out)\(all.err)")
        let lines = all.out.split(separator: "\n")
        #expect(lines.first?.hasPrefix("CHECK ") == true, "--table: \(all.out)")
        #expect(lines.contains { $0.hasPrefix("memory ") }, "the built-in checks, sampled here: \(all.out)")
        #expect(lines.contains { $0.hasPrefix("disk ") && $0.contains(" / ") })
        let custom = try vitals(["check", "--checks-dir", checks, "--custom-only", "--table"])
        #expect(custom.status == 2 && !custom.out.contains("\nmemory "), "\(custom.out)")
        #expect(lines.contains { $0.hasPrefix("loadavg_plugin ") && $0.contains(" ok ") && $0.contains("LOAD OK") }, "\(all.out)")
        #expect(lines.contains { $0.hasPrefix("broken_thing ") && $0.contains(" critical ") && $0.contains("the thing is broken") })

        // Not a terminal: plugin output, as NRPE and Icinga run it.
        let plugin = try vitals(["check", "--checks-dir", checks])
        #expect(plugin.status == 2)
        let first = try #require(plugin.out.split(separator: "\n").first.map(String.init))
        // The worst problem is broken_thing's (or, on a saturated host, cpu's: both critical).
        #expect(first.hasPrefix("VITALS CRITICAL - ") && first.contains(" more problem"), "the worst problem first: \(first)")
        let perf = try #require(first.split(separator: "|", maxSplits: 1).last.map(String.init), "perfdata after |: \(first)")
        #expect(perf.contains("'memory'=") && perf.contains("%;90;98;0;100"), "\(perf)")
        #expect(perf.contains("'disk /'="), "\(perf)")
        #expect(perf.contains("'loadavg_plugin::load1'="), "a custom check's perfdata, by check: \(perf)")
        let long = plugin.out.split(separator: "\n").dropFirst()
        #expect(long.first?.hasPrefix("CRITICAL: ") == true, "problems first, worst first: \(plugin.out)")
        #expect(long.contains("CRITICAL: broken_thing: CRITICAL: the thing is broken"), "\(plugin.out)")
        let firstOK = try #require(long.firstIndex { $0.hasPrefix("OK: ") })
        #expect(long[firstOK...].allSatisfy { $0.hasPrefix("OK: ") }, "every problem before the first ok: \(plugin.out)")
        #expect(long.contains { $0.hasPrefix("OK: loadavg_plugin: LOAD OK") })
        #expect(!plugin.out.contains("CHECK "), "no table header where a plugin's output is read")

        let one = try vitals(["check", "run", "loadavg_plugin", "--checks-dir", checks])
        #expect(one.status == 0, "\(one.out)\(one.err)")
        #expect(one.out.hasPrefix("loadavg_plugin: OK ("))
        #expect(one.out.contains("LABEL   VALUE"), "\(one.out)")
        #expect(one.out.contains("load1 "))

        let missing = try vitals(["check", "run", "nope", "--checks-dir", checks])
        #expect(missing.status == 3 && missing.err.contains("no check named nope"))

        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: file)
        let refused = try vitals(["check", "--checks-dir", checks])
        #expect(
            refused.status == 3 && refused.err.contains("is writable by others; commands come only from files only root can change"), "\(refused.err)"
        )
    }

    /// Root only: as another user the file belongs to that user and the refusal reads differently.
    @Test(.enabled(if: getuid() == 0, "needs root: a plugin writable by its group is refused only where root owns it"))
    func aPluginOthersCanChangeIsRefusedAsRoot() throws {
        let (dir, checks, unsafePlugin) = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "- name: unsafe\n  command: [\(unsafePlugin)]\n".write(toFile: checks + "/u.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: checks + "/u.yaml")
        let r = try vitals(["check", "--checks-dir", checks, "--custom-only"])
        #expect(r.status == 3, "\(r.out)\(r.err)")
        #expect(r.out.contains("is writable by its group; refused (fix: chmod go-w \(unsafePlugin))"), "\(r.out)")
    }
}
