import Foundation
import Testing
import VitalsConfig
import VitalsCore

/// Issue 19: calendar events in systemd's syntax, with time zones from the host's tz database,
/// checked against systemd itself (`systemd-analyze calendar --base-time`), across DST changes in
/// both hemispheres.
@Suite struct CalendarTests {
    static let analyze = "/usr/bin/systemd-analyze"

    /// The next `n` elapses systemd computes after `base` (UTC seconds), as UTC seconds.
    static func systemd(_ expression: String, base: Int64, n: Int) throws -> [Double] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: analyze)
        p.arguments = ["calendar", "--iterations=\(n)", "--base-time=@\(base)", expression]
        p.environment = ["TZ": "UTC", "LANG": "C"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        // "    Next elapse: Sun 2026-12-06 01:30:00 UTC" and "       Iter. #2: ..."
        return text.split(separator: "\n").compactMap { line -> Double? in
            guard line.contains("Next elapse:") || line.contains("Iter. #") else { return nil }
            let f = line.split(separator: " ")
            guard f.count >= 4, let dateAt = f.firstIndex(where: { $0.count == 10 && $0.contains("-") }) else { return nil }
            let d = f[dateAt].split(separator: "-").compactMap { Int($0) }
            let t = f[dateAt + 1].split(separator: ":").compactMap { Int($0) }
            guard d.count == 3, t.count == 3 else { return nil }
            return Double(Civil.days(year: d[0], month: d[1], day: d[2]) * 86400 + t[0] * 3600 + t[1] * 60 + t[2])
        }
    }

    static func ours(_ expression: String, base: Int64, n: Int) throws -> [Double] {
        let spec = try CalendarSpec(expression)
        let zone = try ZoneInfo.load(spec.zone ?? "UTC")
        var out: [Double] = []
        var t = Double(base)
        while out.count < n, let next = spec.next(after: t, zone: zone) {
            out.append(next)
            t = next
        }
        return out
    }

    static let expressions = [
        "Sun *-*-* 02:00", "*-03-28 02:30 Europe/Berlin", "*-10-31 02:30 Europe/Berlin", "Mon..Fri 22:00 America/New_York",
        "daily", "hourly", "weekly", "quarterly", "*-*-01,15 04:30:15 Australia/Sydney", "*-*-* 00/6:00", "Sat,Sun 03:00 Europe/London",
        "*-02-29 12:00", "*:0/15", "*-*-* 02..03:30 Europe/Berlin", "2027-10-31 01,02,03:15 Europe/Berlin", "monthly Asia/Kolkata",
        "Fri *-*-13 13:13 America/Sao_Paulo",
    ]
    /// Around now, and around the DST changes of 2027 in Europe (March 28, October 31) and in
    /// Australia (April 4, October 3).
    static let bases: [Int64] = [1_796_040_000, 1_805_976_000, 1_824_980_400, 1_806_710_400, 1_822_608_000]

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: analyze), "needs systemd-analyze (package systemd) as the oracle"))
    func nextElapsesAreSystemdsOwn() throws {
        for e in Self.expressions {
            for base in Self.bases {
                let theirs = try Self.systemd(e, base: base, n: 6)
                // One expression is a single day of 2027 (its 02:15 happens once): fewer elapses.
                #expect(theirs.count == 6 || e.hasPrefix("2027-"), "systemd-analyze read \(e) after @\(base)")
                #expect(try Self.ours(e, base: base, n: 6) == theirs, "\(e) after @\(base)")
            }
        }
    }

    @Test func aSkippedHourDoesNotHappenAndARepeatedOneHappensOnce() throws {
        let berlin = try ZoneInfo.load("Europe/Berlin")
        // 2027-03-28: 02:00 CET becomes 03:00 CEST, so 02:30 does not exist that day.
        let spring = try CalendarSpec("2027-03-28,29 02:30 Europe/Berlin")
        let first = try #require(spring.next(after: 1_806_000_000, zone: berlin))
        #expect(Civil.format(first, zone: berlin) == "2027-03-29 02:30 Europe/Berlin (UTC+02:00)")
        // 2027-10-31: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice: the first counts.
        let fall = try CalendarSpec("2027-10-31 02:30 Europe/Berlin")
        let once = try #require(fall.next(after: 1_824_900_000, zone: berlin))
        #expect(once == Double(Civil.days(year: 2027, month: 10, day: 31) * 86400 + 30 * 60), "00:30 UTC, in CEST")
        #expect(fall.next(after: once, zone: berlin) == nil, "not again an hour later")
    }

    @Test func mistakesAreRefusedWithTheReasonAndTheSyntax() {
        func error(_ text: String) -> String {
            do {
                _ = try CalendarSpec(text)
                return ""
            } catch {
                return error.description
            }
        }
        #expect(error("Sun *-*-* 25:00").contains("the hour \"25\" is not in 0..23"))
        #expect(error("Funday 02:00").contains("\"Funday\" is not a weekday"))
        #expect(error("*-*~1 02:00").contains("'~' (days counted from the month's end) is not supported"))
        #expect(error("").contains("empty"))
        #expect(error("02:00 Europe/../../etc/passwd").contains("is not a time zone name"))
        #expect(error("Fri..Mon").contains("runs backwards"))
        #expect(error("*-*-* 02:00:00.5").contains("fractions of seconds"))
        #expect(error(String(repeating: "1,", count: 200) + "1-1-1").contains("longer than 256 bytes"))
        #expect(throws: VitalsError.self) { try ZoneInfo.load("Nowhere/Atlantis") }
        #expect((try? CalendarSpec("Sun *-*-* 02:00 Europe/Berlin"))?.normalized == "Sun *-*-* 02:00:00 Europe/Berlin")
        #expect((try? CalendarSpec("weekly"))?.normalized == "Mon *-*-* 00:00:00")
    }

    @Test func posixRulesAloneGiveTheSameOffsets() throws {
        // The footer alone (the rule tzdata writes for after its last transition) against the file.
        let rule = try #require(ZoneRules.posix("CET-1CEST,M3.5.0,M10.5.0/3", name: "Europe/Berlin"))
        let file = try ZoneInfo.load("Europe/Berlin")
        for t in stride(from: Int64(1_800_000_000), to: 1_900_000_000, by: 3_600 * 7) {
            #expect(rule.offset(at: t) == file.offset(at: t), "at \(t)")
        }
        let sydney = try #require(ZoneRules.posix("AEST-10AEDT,M10.1.0,M4.1.0/3", name: "Australia/Sydney"))
        let sydneyFile = try ZoneInfo.load("Australia/Sydney")
        for t in stride(from: Int64(1_800_000_000), to: 1_900_000_000, by: 3_600 * 7) {
            #expect(sydney.offset(at: t) == sydneyFile.offset(at: t), "at \(t)")
        }
        #expect(ZoneRules.isValidName("America/Argentina/Buenos_Aires") && !ZoneRules.isValidName("../etc/shadow"))
    }
}
