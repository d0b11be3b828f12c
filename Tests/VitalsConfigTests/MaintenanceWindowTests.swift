import Foundation
import Testing
import VitalsConfig
import VitalsCore
import VitalsTestKit

/// Issue 19: maintenance windows through the alert pipeline on a manual clock, across the two
/// DST changes of 2027 in Berlin: a problem that starts inside a window is held back, and is
/// notified at the first evaluation after the window ends (not at a later repeat,
/// alertmanager#3367); the windows open and close at the UTC instants systemd computes.
@Suite struct MaintenanceWindowTests {
    typealias Instant = ManualClock.Instant
    let disk = LabelSet(["alertname": "VitalsDisk", "instance": "web1", "check": "disk", "resource": "/backup"])

    static func utc(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ mi: Int) -> Double {
        Double(Civil.days(year: y, month: m, day: d) * 86400 + h * 3600 + mi * 60)
    }

    /// Evaluates a critical disk alert every minute from `start` for `minutes`, with the window
    /// applied as the agent applies it; returns the minutes (UTC) at which something was notified.
    func run(window: Silence, from start: Double, firingFrom: Double, minutes: Int) throws -> [Double] {
        var pipeline = AlertPipeline<Instant>(policy: AlertPolicy())
        let spec = try CalendarSpec(try #require(window.every))
        let zone = try ZoneInfo.load(spec.zone)
        var notify = NotifyConfig()
        notify.inhibitRules = []
        var at: [Double] = []
        for i in 0..<minutes {
            let wall = start + Double(i * 60)
            let controls = AlertControls().effective(adding: [window]) { $0.materialized(at: wall, spec: spec, zone: zone) }
            let severity: Severity = wall >= firingFrom ? .critical : .ok
            let out = pipeline.process(
                [CheckResult(labels: disk, severity: severity, message: "disk /backup \(severity)")], controls: controls, policy: AlertPolicy(),
                notify: notify, now: Instant(offset: .seconds(i * 60)), wall: wall)
            at += out.notifications.filter { $0.severity == .critical }.map { _ in wall }
        }
        return at
    }

    static func weekly(_ every: String) throws -> Silence {
        let w = MaintenanceWindow(
            name: "backup", matchers: [try LabelMatcher(parsing: "check=disk"), try LabelMatcher(parsing: "resource=/backup")], every: every,
            spec: try CalendarSpec(every), length: .seconds(7200), comment: "weekly backup")
        return w.silence
    }

    @Test func aProblemInsideTheWindowIsNotifiedWhenItEndsAcrossTheSpringChange() throws {
        // Sunday 2027-03-28 01:30 CET is 00:30 UTC; two hours later is 02:30 UTC (04:30 CEST).
        let window = try Self.weekly("Sun *-*-* 01:30 Europe/Berlin")
        let notified = try run(
            window: window, from: Self.utc(2027, 3, 28, 0, 0), firingFrom: Self.utc(2027, 3, 28, 1, 0), minutes: 240)
        #expect(notified.first == Self.utc(2027, 3, 28, 2, 30), "\(notified.map { Civil.format($0, zone: .utc) })")
    }

    @Test func andAcrossTheAutumnChange() throws {
        // Sunday 2027-10-31 01:30 CEST is Saturday 23:30 UTC; the clocks go back at 01:00 UTC,
        // and the window ends two real hours after it began: 01:30 UTC (02:30 CET).
        let window = try Self.weekly("Sun *-*-* 01:30 Europe/Berlin")
        let notified = try run(
            window: window, from: Self.utc(2027, 10, 30, 23, 0), firingFrom: Self.utc(2027, 10, 30, 23, 45), minutes: 240)
        #expect(notified.first == Self.utc(2027, 10, 31, 1, 30), "\(notified.map { Civil.format($0, zone: .utc) })")
    }

    @Test func aWindowAtATimeTheSpringChangeSkipsDoesNotOpenThatDay() throws {
        // 02:00 does not exist in Berlin on 2027-03-28: as in systemd, that window does not happen.
        let window = try Self.weekly("Sun *-*-* 02:00 Europe/Berlin")
        let notified = try run(
            window: window, from: Self.utc(2027, 3, 27, 23, 0), firingFrom: Self.utc(2027, 3, 27, 23, 30), minutes: 300)
        #expect(notified.first == Self.utc(2027, 3, 27, 23, 30), "notified at once: no window that night")
        let zone = try ZoneInfo.load("Europe/Berlin")
        let next = window.nextWindows(
            after: Self.utc(2027, 3, 27, 0, 0), count: 2, spec: try CalendarSpec("Sun *-*-* 02:00 Europe/Berlin"), zone: zone)
        #expect(
            next.map { Civil.format($0, zone: zone) } == ["2027-04-04 02:00 Europe/Berlin (UTC+02:00)", "2027-04-11 02:00 Europe/Berlin (UTC+02:00)"])
    }

    @Test func theConfigurationReadsWindowsAndRefusesMistakesWithTheirPosition() throws {
        let text = """
            maintenance:
              - name: weekly-backup
                match: [check=disk, resource=/backup]
                every: "Sun *-*-* 02:00 Europe/Berlin"
                for: 2h
                comment: weekly backup
            """
        let w = try #require(try ConfigLoader.load(text: text, name: "v.yaml").config.maintenance.first)
        #expect(w.name == "weekly-backup" && w.length == .seconds(7200) && w.spec.normalized == "Sun *-*-* 02:00:00 Europe/Berlin")
        #expect(w.silence.id == "maintenance-weekly-backup")
        func errors(_ text: String) -> [String] {
            do {
                _ = try ConfigLoader.load(text: text, name: "v.yaml")
                return []
            } catch {
                return error.issues.map(\.description)
            }
        }
        let bad = errors(
            """
            maintenance:
              - {name: a, match: [check=disk], every: "Sun 25:00", for: 2h}
              - {name: b, match: [check=disk], every: "daily Mars/Olympus", for: 2h}
              - {name: c, match: [check=disk], every: daily, for: 40d}
              - {name: d, match: [check=~.*], every: daily, for: 1h}
              - {name: e, match: [check=disk], every: "2020-01-01", for: 1h}
            """)
        #expect(bad.count == 5, "\(bad)")
        #expect(
            bad.first?.hasPrefix("v.yaml:2:43: maintenance[0].every: calendar event \"Sun 25:00\": the hour \"25\" is not in 0..23") == true, "\(bad)"
        )
        #expect(bad.dropFirst().first?.contains("maintenance[1].every: unknown time zone \"Mars/Olympus\"") == true, "\(bad)")
        #expect(bad.contains { $0.contains("maintenance[2].for") })
        #expect(bad.contains { $0.contains("maintenance[3].match: these matchers match every alert") })
        #expect(bad.contains { $0.contains("maintenance[4].every: \"2020-01-01\" does not happen within the next 10 years") })
    }
}
