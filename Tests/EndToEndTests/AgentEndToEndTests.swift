import Foundation
import Testing
import VitalsTestKit
import VitalsTestSupport

/// Runs the real `vitals agent` binary and reads its status socket.
@Suite(.serialized, .offThePool) struct AgentEndToEndTests {
    @Test func fixtureRootGivesTheFixturesFigures() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let proc = try copyFixture("debian12", to: dir)
        // A 3 s interval leaves time to read cycle 2 (the one that sees both CPU readings).
        try "interval: 3s\n".write(toFile: dir + "/v.yaml", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(arguments: ["--config", dir + "/v.yaml", "--procfs-root", proc], dir: dir)
        _ = try agent.waitForCycles(1)
        // The second reading of /proc/stat: CPU usage comes from the pair.
        try FileManager.default.removeItem(atPath: proc + "/stat")
        try FileManager.default.copyItem(atPath: proc + "/stat2", toPath: proc + "/stat")
        _ = try agent.waitForCycles(2)
        let status = try agent.get()
        func aggregate(_ file: String) throws -> [Double] {
            let line = try String(contentsOfFile: Fixtures.path("proc/debian12/" + file), encoding: .utf8).split(separator: "\n")[0]
            return line.split(separator: " ").dropFirst().prefix(8).map { Double($0)! }
        }
        let (a, b) = (try aggregate("stat"), try aggregate("stat2"))
        let d = zip(a, b).map { $1 - $0 }
        let expectedBusy = 100 - (d[3] + d[4]) / d.reduce(0, +) * 100
        let snap = try #require(status["snapshot"] as? [String: Any])
        let checks = try #require(status["checks"] as? [[String: Any]])
        let cpu = try #require(snap["cpu"] as? [String: Any])
        #expect(cpu["online_cores"] as? Int == 2)
        let cpuCheck = try #require(checks.first { $0["check"] as? String == "cpu" })
        #expect(cpuCheck["severity"] as? String == "ok")
        let busy = try #require(cpuCheck["value"] as? Double)
        #expect(abs(busy - expectedBusy) < 1e-9, "cpu busy \(busy) vs \(expectedBusy) from the fixture pair")
        let load = try #require(snap["load"] as? [String: Any])
        let loadavg = try String(contentsOfFile: proc + "/loadavg", encoding: .utf8).split(separator: " ")
        #expect(load["load1"] as? Double == Double(loadavg[0]))
        let mem = try #require(snap["memory"] as? [String: Any])
        #expect((mem["swap_used_percent"] as? [String: Any])?["not_applicable"] as? String == "not applicable: no swap configured")
        let fh = try #require(snap["file_handles"] as? [String: Any])
        let top = try #require(fh["top_processes"] as? [[String: Any]])
        #expect(top.first?["name"] as? String == "process_api")
        #expect(top.first?["open"] as? Int == 49)
        let pressure = try #require(snap["pressure"] as? [String: Any])
        #expect(pressure["available"] as? Bool == true)
        #expect(agent.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: agent.socket))
    }

    @Test func samplerFailureIsReportedAndTheCycleGoesOn() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let proc = try copyFixture("debian12", to: dir)
        try "MemFree: 1 kB\n".write(toFile: proc + "/meminfo", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(arguments: ["--interval", "1s", "--procfs-root", proc], dir: dir)
        let health = try agent.waitForCycles(1)
        #expect(health["status"] as? String == "degraded")
        let errors = try #require(health["sampler_errors"] as? [[String: Any]])
        #expect(errors.first?["sampler"] as? String == "memory")
        #expect(
            errors.first?["error"] as? String
                == "\(proc)/meminfo: no MemTotal line".replacingOccurrences(of: "\(proc)/meminfo", with: "/proc/meminfo"))
        let checks = try #require(try agent.get()["checks"] as? [[String: Any]])
        let memCheck = try #require(checks.first { $0["check"] as? String == "memory" })
        #expect(memCheck["severity"] as? String == "unknown")
        #expect(checks.contains { $0["check"] as? String == "load" && $0["severity"] as? String == "ok" })
        #expect(agent.stop() == 0)
    }

    @Test func sighupReloadsAValidConfigAndRefusesAnInvalidOne() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let proc = try copyFixture("debian12", to: dir)
        let config = dir + "/v.yaml"
        try "interval: 1s\n".write(toFile: config, atomically: true, encoding: .utf8)
        let agent = try AgentProcess(arguments: ["--config", config, "--procfs-root", proc], dir: dir)
        _ = try agent.waitForCycles(1)
        try "interval: high\nthresholds:\n  disk:\n    critical: 200\n".write(toFile: config, atomically: true, encoding: .utf8)
        agent.signal(SIGHUP)
        var health: [String: Any] = [:]
        for _ in 0..<50 {
            health = try agent.get(true)
            if health["last_reload_error"] != nil { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let error = try #require(health["last_reload_error"] as? String)
        #expect(error.contains("\(config):1:11: interval: expected a duration from 1s to 1h such as 30s, 5m or 1h, got \"high\""))
        #expect(error.contains("\(config):4:15: thresholds.disk.critical: expected a percentage 0-100, got \"200\""))
        #expect(health["interval_seconds"] as? Double == 1)
        #expect(agent.process.isRunning)
        try "interval: 2s\n".write(toFile: config, atomically: true, encoding: .utf8)
        agent.signal(SIGHUP)
        for _ in 0..<50 {
            health = try agent.get(true)
            if health["reloads"] as? Int == 1 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(health["interval_seconds"] as? Double == 2)
        #expect(health["last_reload_error"] == nil)
        #expect(agent.stop() == 0)
    }

    @Test func invalidConfigAtStartExitsWithAllErrors() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let agent = try AgentProcess(arguments: ["--config", Fixtures.path("config/many-errors.yaml")], dir: dir)
        #expect(agent.waitForExit() == 78)
        let text = agent.stderrText()
        #expect(text.contains("many-errors.yaml:2:1: intervall: unknown key; did you mean \"interval\"?"))
        #expect(text.contains("many-errors.yaml:9:10: log.level:"))
    }

    @Test func liveReadingsMatchAnIndependentSource() throws {
        let dir = try AgentProcess.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let agent = try AgentProcess(arguments: ["--interval", "1s"], dir: dir)
        _ = try agent.waitForCycles(2)
        // Issue 17: without a TLS channel OpenSSL is never loaded (it is dlopen'ed on first use).
        #expect(!agent.mapsLibrary("libssl.so") && !agent.mapsLibrary("libcrypto.so"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: AgentProcess.binary)
        p.arguments = ["status", "--json", "--socket", agent.socket]
        let compare = Process()
        compare.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        compare.arguments = [Fixtures.packageRoot + "/Tests/live/compare.py"]
        let pipe = Pipe()
        let report = Pipe()
        p.standardOutput = pipe
        compare.standardInput = pipe
        compare.standardOutput = report
        compare.standardError = report
        try p.run()
        try compare.run()
        p.waitUntilExit()
        compare.waitUntilExit()
        let text = String(decoding: report.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(compare.terminationStatus == 0, "\(text)")
        #expect(agent.stop() == 0)
    }

    @Test func helpDocumentsTheCommands() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: AgentProcess.binary)
        p.arguments = ["--help"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        for word in ["agent", "status", "config", "VITALS_THRESHOLDS__DISK__CRITICAL=97"] {
            #expect(text.contains(word), "help lacks \(word)")
        }
    }
}
