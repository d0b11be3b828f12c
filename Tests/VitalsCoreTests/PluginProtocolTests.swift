import Testing
import VitalsTestKit

@testable import VitalsCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The monitoring-plugins protocol on real outputs of Debian's monitoring-plugins 2.3.3 and
/// check_multi (Tests/Fixtures/nagios-plugins, captured byte for byte), and on the edge cases.
@Suite struct PluginProtocolTests {
    /// A fixture: the exit code from its first line, then stdout.
    static func fixture(_ name: String) throws -> (exit: Int32, stdout: [UInt8]) {
        let data = try Array(Data(contentsOf: URL(fileURLWithPath: Fixtures.path("nagios-plugins/\(name).txt"))))
        let nl = try #require(data.firstIndex(of: 10))
        let header = String(decoding: data[..<nl], as: UTF8.self)
        let code = try #require(Int32(header.dropFirst("# exit=".count)))
        return (code, Array(data[(nl + 1)...]))
    }

    static var all: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.path("nagios-plugins")))?
            .filter { $0.hasSuffix(".txt") }.map { String($0.dropLast(4)) }.sorted() ?? []
    }

    @Test(arguments: Self.all) func everyRealOutputParsesCleanly(_ name: String) throws {
        let f = try Self.fixture(name)
        let r = PluginOutput.parse(f.stdout, exit: .exited(f.exit))
        let expected: [Int32: Severity] = [0: .ok, 1: .warning, 2: .critical, 3: .unknown]
        #expect(r.severity == expected[f.exit])
        if name == "check_disk-bad-option" {
            // Its usage text has `|` in it, which the protocol reads as perfdata: the items are
            // reported as unreadable and skipped, and the state still comes from the exit code.
            #expect(!r.perfDataProblems.isEmpty && r.perfData.isEmpty)
        } else {
            #expect(r.perfDataProblems.isEmpty, "\(r.perfDataProblems)")
        }
        let firstLine = String(decoding: f.stdout.prefix { $0 != 10 }, as: UTF8.self)
        #expect(!r.message.isEmpty && firstLine.hasPrefix(r.message), "\(r.message)")
        #expect(!r.message.contains("|"))
    }

    /// Found by bench/fuzz (issue 14): a perfdata value of 3,800 digits was trimmed one character
    /// at a time, each a full parse (seconds per output). A number is at most 64 characters; the
    /// item is refused with the reason, the rest of the line is read.
    @Test func aNumberTooLongToBeOneIsRefusedAndTheRestRead() throws {
        let data = try Array(Data(contentsOf: URL(fileURLWithPath: Fixtures.path("regressions/issue14-fuzz/plugin-perfdata-long-number.txt"))))
        let r = PluginOutput.parse(Array(data.drop { $0 != 10 }.dropFirst()), exit: .exited(0))
        #expect(r.perfData.map(\.label) == ["/dev/shm"], "\(r.perfData)")
        #expect(r.perfDataProblems.count == 1)
        #expect(PerfData.number(String(repeating: "1", count: 65)) == nil)
        #expect(PerfData.number("1" + String(repeating: "0", count: 63)) == 1e63)
    }

    @Test func checkDiskWithTwoFilesystems() throws {
        let f = try Self.fixture("check_disk-two-filesystems")
        let r = PluginOutput.parse(f.stdout, exit: .exited(f.exit))
        #expect(r.message == "DISK OK - free space: / 80092MiB (82% inode=97%); /dev/shm 24105MiB (100% inode=99%);")
        #expect(r.perfData.map(\.label) == ["/", "/dev/shm"])
        let root = r.perfData[0]
        #expect(root.value == 17_459_838_976 && root.unit == "B")
        #expect(root.warning == PluginRange(start: 0, end: 243_497_277_849))
        #expect(root.critical == PluginRange(start: 0, end: 257_024_904_396))
        #expect(root.min == 0 && root.max == 270_552_530_944)
        #expect(root.warning?.alerts(250_000_000_000) == true && root.warning?.alerts(1) == false)
    }

    @Test func checkLoadWithTrailingSemicolonsAndSpace() throws {
        let f = try Self.fixture("check_load-ok")
        let r = PluginOutput.parse(f.stdout, exit: .exited(f.exit))
        #expect(r.perfData.map(\.label) == ["load1", "load5", "load15"])
        #expect(
            r.perfData[0]
                == PerfDatum(label: "load1", value: 0.79, warning: PluginRange(start: 0, end: 15), critical: PluginRange(start: 0, end: 30), min: 0))
    }

    @Test func longOutputAndPerfdataOnLaterLinesAsNagiosReadsThem() throws {
        let f = try Self.fixture("check_dummy-nagios-doc-multiline")
        let r = PluginOutput.parse(f.stdout, exit: .exited(f.exit))
        #expect(r.message == "OK: DISK OK - free space: / 3326 MB (56%);")
        #expect(r.longOutput == ["/ 15272 MB (77%);", "/boot 68 MB (69%);", "/home 69357 MB (27%);", "/var/log 819 MB (84%); "])
        #expect(r.perfData.map(\.label) == ["/", "/boot", "/home", "/var/log"])
        #expect(r.perfData.map(\.unit) == ["MB", "MB", "MB", "MB"])
        #expect(r.perfData[1].baseValue == 71_303_168.0)
    }

    @Test func checkMultiLabelsAndAnOpenRange() throws {
        let f = try Self.fixture("check_multi-critical-child")
        let r = PluginOutput.parse(f.stdout, exit: .exited(f.exit))
        #expect(r.severity == .critical)
        let procs = try #require(r.perfData.first { $0.label == "daemon::check_procs::procs" })
        #expect(procs.value == 0)
        #expect(procs.critical == PluginRange(start: 1, end: .infinity))
        #expect(procs.critical?.alerts(0) == true && procs.critical?.alerts(1) == false)
        #expect(r.longOutput.count == 2)
    }

    @Test func rangesAsTheGuidelinesDefineThem() throws {
        func alerts(_ range: String, _ values: [Double]) throws -> [Bool] {
            let r = try #require(PluginRange(range), "\(range)")
            return values.map(r.alerts)
        }
        #expect(try alerts("10", [-1, 0, 10, 11]) == [true, false, false, true])
        #expect(try alerts("10:", [9, 10, 1e9]) == [true, false, false])
        #expect(try alerts("~:10", [-1e9, 10, 11]) == [false, false, true])
        #expect(try alerts("10:20", [9, 10, 20, 21]) == [true, false, false, true])
        #expect(try alerts("@10:20", [9, 10, 20, 21]) == [false, true, true, false])
        #expect(PluginRange("20:10") == nil)
        #expect(PluginRange("x") == nil)
        #expect(PluginRange("@~:5")?.description == "@~:5")
        #expect(PluginRange("10:")?.description == "10:")
        #expect(PluginRange("5")?.description == "5")
    }

    @Test func quotedLabelsUndeterminableValuesAndBadItems() {
        let (items, problems) = PerfData.parse("'my disk'=5% 'it''s'=U;1;2 time=0.2s;;;0 broken=abc ok=1c")
        #expect(items.map(\.label) == ["my disk", "it's", "time", "ok"])
        #expect(items[1].value == nil && items[1].warning == PluginRange(start: 0, end: 1))
        #expect(items[2].baseValue == 0.2 && items[2].min == 0)
        #expect(items[3].unit == "c")
        #expect(problems == ["broken=abc: expected value[unit];[warn];[crit];[min];[max]"])
    }

    @Test func exitCodesOutsideTheProtocolAreUnknownWithTheReason() {
        let out = Array("CHECK OK - fine".utf8)
        #expect(PluginOutput.parse(out, exit: .exited(126)).message.hasPrefix("exit code 126: the plugin is not executable"))
        #expect(PluginOutput.parse(out, exit: .exited(127)).message.hasPrefix("exit code 127: the plugin or its interpreter was not found"))
        let seven = PluginOutput.parse(out, exit: .exited(7))
        #expect(seven.severity == .unknown)
        #expect(seven.message == "exit code 7 is outside the plugin protocol (0 ok, 1 warning, 2 critical, 3 unknown); output: CHECK OK - fine")
        let killed = PluginOutput.parse([], exit: .signaled(9))
        #expect(killed.severity == .unknown && killed.message == "killed by signal 9 (SIGKILL); output: (no output)")
        #expect(PluginOutput.parse([], exit: .timedOut(.seconds(10))).message.hasPrefix("timed out after 10s"))
        #expect(PluginOutput.parse([], exit: .exited(0)).message == "(no output)")
        // The cause is a value set where it happened, not a reading of the message.
        #expect(PluginOutput.parse(out, exit: .exited(3)).cause == .reported)
        #expect(seven.cause == .protocolViolation && killed.cause == .signaled)
        #expect(PluginOutput.parse([], exit: .timedOut(.seconds(10))).cause == .timedOut)
        #expect(PluginOutput.parse(Array("refused".utf8), exit: .notStarted("x")).cause == .notStarted)
    }

    @Test func binaryGarbageCannotForgeLinesOrEscapes() {
        let bytes: [UInt8] = [0xFF, 0xFE, 0x1B] + Array("[31mRED\r\nsecond\u{7}\u{9B}2J".utf8) + [0x00, 0xC3]
        let r = PluginOutput.parse(bytes, exit: .exited(2))
        #expect(r.severity == .critical)
        #expect(!r.message.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
        #expect(r.message.contains("[31mRED"))
        #expect(r.longOutput.count == 1 && !r.longOutput[0].unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        let cut = PluginOutput.parse(Array("OK".utf8), exit: .exited(0), truncatedBytes: 4096)
        #expect(cut.message == "OK [output truncated: 4096 more bytes]")
    }
}

/// vitals' own levels on a plugin's perfdata.
@Suite struct PerfThresholdTests {
    let load = PluginResult(
        severity: .ok, message: "LOAD OK",
        perfData: [PerfDatum(label: "load1", value: 9.2), PerfDatum(label: "free", value: 5, unit: "GB")])

    @Test func levelsRaiseTheStateAndSaySo() {
        let r = load.applying([PerfThreshold(label: "load1", warning: 4, critical: 8)])
        #expect(r.severity == .critical)
        #expect(r.message == "LOAD OK; load1 9.2 above critical 8")
        let w = load.applying([PerfThreshold(label: "free", warning: 10, critical: 2, below: true)])
        #expect(w.severity == .warning && w.message == "LOAD OK; free 5GB below warning 10GB")
        #expect(load.applying([PerfThreshold(label: "load1", warning: 100)]) == load, "nothing crossed: unchanged")
    }

    @Test func theyNeverLowerThePluginsStateAndNameWhatIsMissing() {
        var crit = load
        crit.severity = .critical
        #expect(crit.applying([PerfThreshold(label: "load1", warning: 4)]).severity == .critical)
        let missing = load.applying([PerfThreshold(label: "load5", critical: 1)])
        #expect(missing.severity == .ok && missing.message == "LOAD OK; perfdata load5 missing")
    }
}
