import Foundation
import Testing
import VitalsCore
import VitalsTestKit

@testable import VitalsConfig

/// Issue 14: configuration from a careless operator or an attacker ends in a clear error naming
/// the file, line, key and limit; never a trap, a stack overflow or minutes of work.
@Suite struct HostileConfigTests {
    func issues(_ text: String, environment: [String: String] = [:]) -> [String] {
        do {
            _ = try ConfigLoader.load(text: text, name: "v.yaml", environment: environment)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func hugeDurationsAreRefusedWithTheKeyAndTheRange() {
        #expect(Units.parseDuration("999999999999999999999h") == nil, "no trap converting to Int64")
        #expect(Units.parseDuration("1e400s") == nil)
        #expect(
            issues("alerts:\n  resolve_hold: 99999999999999999h\n")
                == ["v.yaml:2:17: alerts.resolve_hold: expected a duration from 1s to 366d such as 30s, 5m or 1h, got \"99999999999999999h\""])
        #expect(
            issues("", environment: ["VITALS_INTERVAL": "999999999999999999999h"]).first?.hasSuffix(
                "interval: expected a duration from 1s to 1h such as 30s, 5m or 1h, got \"999999999999999999999h\"") == true,
            "\(issues("", environment: ["VITALS_INTERVAL": "999999999999999999999h"]))")
        #expect(issues("thresholds:\n  cpu:\n    raise_after: 99999999999\n").first?.contains("a sample count 1-10000") == true)
        #expect(issues("thresholds:\n  load:\n    warning: 1e999\n").first?.contains("expected a number from 0 to 1e15") == true)
    }

    @Test func hugeNumbersPrintInsteadOfTrapping() {
        #expect(Units.formatNumber(1e300) == "1e+300")
        #expect(Units.formatDecimal(-1e20, places: 1) == "-1e+20")
        #expect(Units.formatDecimal(96.25, places: 1) == "96.3")
    }

    @Test func deepNestingIsRefusedAtItsLine() {
        let deep = String(repeating: "[", count: 40_000) + String(repeating: "]", count: 40_000)
        let found = issues("x: " + deep + "\n")
        #expect(found == ["v.yaml:1:67: nested more than 64 levels deep; a vitals configuration needs at most 6, so this is not one"], "\(found)")
        var indented = ""
        for level in 0..<100 { indented += String(repeating: " ", count: level) + "k\(level):\n" }
        #expect(issues(indented).first?.contains("nested more than 64 levels deep") == true)
    }

    /// Loading is linear: 100,000 list items (3.4 MB) load; a quadratic loader took minutes for
    /// 3 MiB. The time itself is measured in bench/ (not asserted here).
    @Test func aLargeListLoads() throws {
        var text = "alerts:\n  inhibit:\n"
        for i in 0..<100_000 { text += "    - {source: [check=c\(i)], target: [check=d], equal: [instance]}\n" }
        let root = try #require(try YAMLParser.parse(text, file: "big.yaml"))
        guard case .mapping(let top) = root.kind, case .mapping(let alerts) = top[0].value.kind,
            case .sequence(let items) = alerts[0].value.kind
        else {
            Issue.record("unexpected shape")
            return
        }
        #expect(items.count == 100_000)
        #expect(items.last?.source == .file("big.yaml", line: 100_002, column: 7))
    }

    @Test func aDirectoryIsNotAConfigurationFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-cfgdir-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let e = #expect(throws: ConfigErrors.self) { try ConfigLoader.load(path: dir, environment: [:]) }
        #expect(
            e?.description
                == "\(dir):0:0: is a directory, not a configuration file; give the path of the YAML file (e.g. /etc/vitals/vitals.yaml)")
    }
}
