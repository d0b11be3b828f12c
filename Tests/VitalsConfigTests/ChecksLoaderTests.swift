import Foundation
import Testing
import VitalsCore

@testable import VitalsConfig

/// checks.d: definitions, their errors with positions, and who may write the files.
@Suite struct ChecksLoaderTests {
    @Test func aFileOfChecksIsDecodedWithDefaults() throws {
        let text = """
            - name: load
              command: [/usr/lib/nagios/plugins/check_load, -w, "4,3,2", -c, "8,6,4"]
              interval: 30s
              raise_after: 2
              labels: {team: ops}
              environment: [HTTP_PROXY]
            - name: http
              command: [/usr/lib/nagios/plugins/check_http, -H, localhost]
              depends_on: [load]
              user: nobody
            """
        let checks = try ChecksLoader.decode(text, file: "web.yaml")
        #expect(checks.map(\.name) == ["load", "http"])
        #expect(checks[0].command == ["/usr/lib/nagios/plugins/check_load", "-w", "4,3,2", "-c", "8,6,4"])
        #expect(checks[0].interval == .seconds(30) && checks[0].timeout == .seconds(10))
        #expect(checks[0].raiseAfter == 2 && checks[0].clearAfter == 1)
        #expect(checks[0].labels == ["team": "ops"] && checks[0].environment == ["HTTP_PROXY"])
        #expect(checks[1].interval == .seconds(60) && checks[1].dependsOn == ["load"] && checks[1].user == "nobody")
        #expect(checks[0].source == "web.yaml:1:3")
    }

    @Test func mistakesNameFileLineAndKey() {
        let text = """
            - name: shell
              command: /usr/lib/nagios/plugins/check_load -w 4
            - name: relative
              command: [check_load]
              interval: 5s
              timeout: 10s
              labels: {check: x}
              user: no-such-user-here
              colour: red
            - command: [/bin/true]
            """
        let e = #expect(throws: ConfigErrors.self) { try ChecksLoader.decode(text, file: "c.yaml") }
        let lines = e?.description.split(separator: "\n").map(String.init) ?? []
        #expect(
            lines.contains(
                "c.yaml:2:12: shell.command: write the command as a list (argv, no shell), e.g. [/usr/lib/nagios/plugins/check_load, -w, \"4,3,2\"]"),
            "\(lines)")
        #expect(
            lines.contains(
                "c.yaml:4:12: relative.command: the program must be an absolute path such as /usr/lib/nagios/plugins/check_load (no shell, no PATH search)"
            ), "\(lines)")
        #expect(lines.contains("c.yaml:6:12: relative.timeout: 10s must be shorter than the interval 5s"), "\(lines)")
        #expect(lines.contains("c.yaml:7:12: relative.labels.check: check is set by vitals; choose another label name"), "\(lines)")
        #expect(lines.contains("c.yaml:8:9: relative.user: no user named no-such-user-here on this host"), "\(lines)")
        #expect(
            lines.contains(
                "c.yaml:9:3: checks[1].colour: unknown key; known keys: name, command, interval, timeout, raise_after, clear_after, labels, environment, depends_on, user, thresholds"
            ), "\(lines)")
        #expect(!lines.contains { $0.contains("[nfs4, cifs]") }, "one message for a command written as a string")
        #expect(lines.contains { $0.hasPrefix("c.yaml:10:3: checks[2].name: every check needs a name") }, "\(lines)")
    }

    @Test func namesAreUniqueNotBuiltInAndDependenciesExistWithoutCycles() {
        let a = CheckDefinition(name: "a", command: ["/bin/true"], dependsOn: ["b"], source: "x.yaml:1:3")
        let b = CheckDefinition(name: "b", command: ["/bin/true"], dependsOn: ["a", "zz"], source: "x.yaml:4:3")
        let disk = CheckDefinition(name: "disk", command: ["/bin/true"], source: "y.yaml:1:3")
        let again = CheckDefinition(name: "a", command: ["/bin/true"], source: "y.yaml:5:3")
        let text = ChecksLoader.crossCheck([a, b, disk, again]).map(\.description)
        #expect(text.contains("y.yaml:5:3: a: a check named a is already defined at x.yaml:1:3; names must be unique"), "\(text)")
        #expect(text.contains("y.yaml:1:3: disk: disk is a built-in check; choose another name"))
        #expect(text.contains("x.yaml:4:3: b.depends_on: no check named zz"))
        #expect(text.contains("x.yaml:1:3: a.depends_on: depends on itself through a -> b -> a"), "\(text)")
    }

    @Test func aDirectoryIsReadInNameOrderAndAWritableFileIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-checks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try ChecksLoader.load(directory: dir + "/none").isEmpty, "no directory: no checks")
        try "- name: b\n  command: [/bin/true]\n".write(toFile: dir + "/20-b.yaml", atomically: true, encoding: .utf8)
        try "- name: a\n  command: [/bin/true]\n".write(toFile: dir + "/10-a.yaml", atomically: true, encoding: .utf8)
        try "not checks".write(toFile: dir + "/README", atomically: true, encoding: .utf8)
        for f in ["10-a.yaml", "20-b.yaml"] { try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: dir + "/" + f) }
        #expect(try ChecksLoader.load(directory: dir).map(\.name) == ["a", "b"])
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: dir + "/20-b.yaml")
        let e = #expect(throws: ConfigErrors.self) { try ChecksLoader.load(directory: dir) }
        #expect(
            e?.description
                == "\(dir)/20-b.yaml:0:0: is writable by others; commands come only from files only root can change (fix: chmod 644 \(dir)/20-b.yaml)"
        )
    }
}

/// Perfdata levels in definitions.
@Suite struct CheckThresholdConfigTests {
    @Test func levelsAreReadAndChecked() throws {
        let ok = try ChecksLoader.decode(
            "- name: web\n  command: [/bin/true]\n  thresholds:\n    load1: {warning: 4, critical: 8}\n    \"/\": {warning: 10, critical: 5, direction: below}\n",
            file: "t.yaml")
        #expect(
            ok[0].thresholds == [
                PerfThreshold(label: "load1", warning: 4, critical: 8), PerfThreshold(label: "/", warning: 10, critical: 5, below: true),
            ])
        let e = #expect(throws: ConfigErrors.self) {
            try ChecksLoader.decode(
                "- name: web\n  command: [/bin/true]\n  thresholds:\n    load1: {warning: 8, critical: 4}\n    x: {}\n", file: "t.yaml")
        }
        #expect(
            e?.description == """
                t.yaml:4:12: web.thresholds.load1: critical 4 is less severe than warning 8 for direction above
                t.yaml:5:8: web.thresholds.x: set warning, critical or both
                """)
    }
}
