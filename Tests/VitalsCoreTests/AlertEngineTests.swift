import Testing
import VitalsTestKit

@testable import VitalsCore

/// Timelines of the alert engine on a manual clock: transitions, repeats, recoveries.
@Suite struct AlertEngineTests {
    typealias Instant = ManualClock.Instant
    let disk = LabelSet(["alertname": "VitalsDisk", "instance": "web1", "check": "disk", "resource": "/srv"])

    /// Drives an engine through (seconds, severity, value) steps; returns each step's notifications.
    struct Timeline {
        var engine: AlertEngine<Instant>
        let labels: LabelSet
        var log: [(Int, AlertNotification)] = []

        init(_ labels: LabelSet, policy: AlertPolicy = AlertPolicy()) {
            self.labels = labels
            engine = AlertEngine(policy: policy)
        }

        @discardableResult
        mutating func at(_ seconds: Int, _ severity: Severity, _ value: Double? = nil, threshold: Double? = nil) -> [AlertNotification] {
            let out = engine.observe(
                CheckResult(labels: labels, severity: severity, message: "disk /srv \(severity)", value: value, threshold: threshold),
                now: Instant(offset: .seconds(seconds)), wall: 1_800_000_000 + Double(seconds))
            log += out.map { (seconds, $0) }
            return out
        }

        var reasons: [String] { log.map { "\($0.0):\($0.1.reason.rawValue):\($0.1.severity)" } }
    }

    @Test func aProblemIsNotifiedOnceThenRepeatedOnlyAfterItsInterval() {
        var t = Timeline(disk)
        t.at(0, .ok)
        for s in stride(from: 10, through: 3600 * 3, by: 10) { t.at(s, .critical, 96) }
        // critical repeats every hour: first at 10 s, repeats at 3610 and 7210.
        #expect(t.reasons == ["10:first:critical", "3610:repeat:critical", "7210:repeat:critical"])
        // Numbered from the record's start (Unix ms), one by one.
        let base = t.log.first?.1.sequence ?? 0
        #expect(t.log.map { $0.1.sequence - base } == [0, 1, 2] && base > 1_800_000_000_000)
        #expect(t.log.allSatisfy { $0.1.startsAt == 1_800_000_010 })
    }

    @Test func backoffLengthensEachRepeatUpToTheCap() {
        let policy = AlertPolicy(repeatInterval: [.critical: .seconds(100)], backoff: 2, maxRepeatInterval: .seconds(500))
        var t = Timeline(disk, policy: policy)
        for s in stride(from: 0, through: 2000, by: 10) { t.at(s, .critical) }
        // first at 0, then waits 100, 200, 400, 500 (capped), 500...
        #expect(t.log.map(\.0) == [0, 100, 300, 700, 1200, 1700])
    }

    @Test func aRiseNotifiesAtOnceAFallNotifiesAsImproved() {
        var t = Timeline(disk)
        t.at(0, .warning, 91)
        t.at(10, .critical, 96)
        t.at(20, .critical, 97)
        t.at(30, .warning, 92)
        #expect(t.reasons == ["0:first:warning", "10:raised:critical", "30:improved:warning"])
        #expect(t.log.map(\.1.previous) == [nil, .warning, .critical])
    }

    @Test func aRecoveryGoesOnlyToNotifiedProblemsOnceWithDurationAndWorst() {
        var t = Timeline(disk)
        t.at(0, .ok)
        t.at(10, .ok)
        #expect(t.log.isEmpty, "ok from the start is never notified")
        t.at(20, .warning, 91, threshold: 90)
        t.at(30, .critical, 97, threshold: 95)
        t.at(40, .critical, 99, threshold: 95)
        t.at(50, .critical, 96, threshold: 95)
        t.at(620, .ok, 50)
        t.at(630, .ok, 50)
        #expect(t.reasons == ["20:first:warning", "30:raised:critical", "620:resolved:ok"])
        let resolved = t.log.last!.1
        #expect(resolved.previous == .critical)
        #expect(resolved.duration == .seconds(600))
        #expect(resolved.worstSeverity == .critical)
        #expect(resolved.worstValue == 99)
        #expect(resolved.startsAt == 1_800_000_020)
    }

    @Test func worstValueFollowsTheThresholdsDirection() {
        // A free-space floor: lower is worse.
        var t = Timeline(disk)
        t.at(0, .critical, 4, threshold: 5)
        t.at(10, .critical, 2, threshold: 5)
        t.at(20, .critical, 3, threshold: 5)
        t.at(30, .ok, 9)
        #expect(t.log.last?.1.worstValue == 2)
    }

    @Test func unknownAndStaleNeverResolveSilently() {
        var t = Timeline(disk)
        t.at(0, .critical)
        t.at(10, .unknown)
        t.at(20, .stale)
        t.at(30, .ok)
        #expect(t.reasons == ["0:first:critical", "10:changed:unknown", "20:changed:stale", "30:resolved:ok"])
        var u = Timeline(disk)
        u.at(0, .unknown)
        u.at(10, .ok)
        #expect(u.reasons == ["0:first:unknown", "10:resolved:ok"])
    }

    @Test func aNewIncidentAfterARecoveryIsANewFirstWithItsOwnStart() {
        var t = Timeline(disk)
        t.at(0, .warning)
        t.at(10, .ok)
        t.at(20, .warning)
        #expect(t.reasons == ["0:first:warning", "10:resolved:ok", "20:first:warning"])
        #expect(t.log.last?.1.startsAt == 1_800_000_020)
        #expect(Set(t.log.map(\.1.idempotencyKey)).count == 3, "every decision has its own key")
    }

    @Test func anAlertWhoseCheckIsGoneIsForgottenAndResolvedWhenOwed() {
        var engine = AlertEngine<Instant>()
        let gone = LabelSet(["alertname": "VitalsDisk", "resource": "/mnt/usb"])
        let quiet = LabelSet(["alertname": "VitalsDisk", "resource": "/mnt/old"])
        let kept = LabelSet(["alertname": "VitalsDisk", "resource": "/"])
        for l in [gone, quiet, kept] {
            _ = engine.observe(CheckResult(labels: l, severity: l == quiet ? .ok : .critical, message: "m"), now: Instant(offset: .zero), wall: 0)
        }
        let out = engine.retain(only: [kept.fingerprint], now: Instant(offset: .seconds(90)), wall: 90)
        #expect(out.map(\.fingerprint) == [gone.fingerprint], "only the one owed a recovery is told")
        #expect(out.first?.reason == .resolved)
        #expect(out.first?.previous == .critical)
        #expect(out.first?.duration == .seconds(90))
        #expect(out.first?.message.hasPrefix("no longer monitored") == true)
        #expect(engine.records.keys.sorted() == [kept.fingerprint])
        #expect(engine.retain(only: [kept.fingerprint], now: Instant(offset: .seconds(100)), wall: 100).isEmpty, "once")
    }

    /// Random timelines (fixed seeds): the invariants hold whatever the sequence.
    @Test(arguments: 1...40)
    func invariantsHoldOnRandomTimelines(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let policy = AlertPolicy(repeatInterval: [.critical: .seconds(300), .warning: .seconds(900), .unknown: .seconds(600), .stale: .seconds(600)])
        var t = Timeline(disk, policy: policy)
        let states: [Severity] = [.ok, .ok, .ok, .warning, .warning, .critical, .unknown, .stale]
        var s = 0
        var current = Severity.ok
        for _ in 0..<600 {
            s += Int(rng.next() % 60) + 1
            if rng.next() % 4 == 0 { current = states[Int(rng.next() % UInt64(states.count))] }
            t.at(s, current)
        }
        // 1. Never the same severity twice within its repeat interval while the incident lasts.
        var lastAt: [Severity: Int] = [:]
        var owed: Severity? = nil
        for (at, n) in t.log {
            if n.reason == .flappingStarted || n.reason == .flappingStopped { continue }
            if n.reason == .resolved {
                #expect(owed != nil, "a recovery only for a notified problem (seed \(seed), t=\(at))")
                owed = nil
                lastAt = [:]
                continue
            }
            if n.reason == .repeat, let prev = lastAt[n.severity] {
                #expect(Duration.seconds(at - prev) >= policy.repeatInterval[n.severity]!, "seed \(seed), t=\(at)")
            }
            lastAt[n.severity] = at
            owed = n.severity
        }
        // 2. Every notified problem gets exactly one recovery once the check is ok.
        let flapping = t.engine.records[t.labels.fingerprint]?.flap.flapping ?? false
        if current == .ok && !flapping { #expect(owed == nil, "seed \(seed): a notified problem ended without a recovery") }
        // 3. Sequence numbers go up one by one (from the record's start in Unix ms), no gap or repeat.
        let base = t.log.first?.1.sequence ?? 0
        #expect(t.log.map { $0.1.sequence &- base } == (0..<UInt64(t.log.count)).map { $0 }, "seed \(seed)")
    }
}

/// A small deterministic generator for the randomised timelines.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Unknown delay and restarts.
@Suite struct AlertEngineRestartTests {
    typealias Instant = ManualClock.Instant
    let labels = AlertLabels.forCheck("inodes", resource: "/srv", instance: "web1")

    func observe(_ e: inout AlertEngine<Instant>, _ s: Int, _ sev: Severity, wall: Double? = nil) -> [String] {
        e.observe(CheckResult(labels: labels, severity: sev, message: "m"), now: Instant(offset: .seconds(s)), wall: wall ?? Double(s))
            .map { "\($0.reason.rawValue):\($0.severity)" }
    }

    @Test func labelsOfABuiltinCheck() {
        #expect(labels.dictionary == ["alertname": "VitalsInodes", "instance": "web1", "check": "inodes", "resource": "/srv"])
        #expect(AlertLabels.forCheck("failed_units", resource: "", instance: "h")["alertname"] == "VitalsFailedUnits")
        #expect(AlertLabels.forCheck("cpu", resource: "", instance: "h")["resource"] == nil)
    }

    @Test func aShortUnknownIsNotNewsALongOneIs() {
        var e = AlertEngine<Instant>(policy: AlertPolicy(unknownDelay: .seconds(60)))
        #expect(observe(&e, 0, .unknown) == [], "the first sample is unknown: nobody is told")
        #expect(observe(&e, 10, .ok) == [])
        #expect(observe(&e, 20, .critical) == ["first:critical"])
        #expect(observe(&e, 30, .unknown) == [])
        #expect(observe(&e, 40, .critical) == [], "back before the delay: nothing happened")
        #expect(observe(&e, 50, .unknown) == [])
        #expect(observe(&e, 100, .unknown) == [])
        #expect(observe(&e, 110, .unknown) == ["changed:unknown"], "lasted 60 s")
    }

    @Test func aRestartWithTheSameConditionNotifiesNothingAChangedOneOnce() {
        var e = AlertEngine<Instant>()
        _ = observe(&e, 0, .critical, wall: 1000)
        let saved = e.export(wall: 1010, now: Instant(offset: .seconds(10)))
        // The new process' monotonic clock starts again near zero.
        var same = AlertEngine<Instant>()
        same.restore(saved, now: Instant(offset: .seconds(1)), wall: 1100)
        #expect(observe(&same, 2, .critical, wall: 1101) == [])
        // The repeat interval keeps counting from the notification before the restart (wall
        // 1000): due at wall 4600, which is monotonic 3501 in the new process.
        #expect(observe(&same, 3500, .critical, wall: 4599) == [])
        #expect(observe(&same, 3501, .critical, wall: 4600) == ["repeat:critical"])
        var changed = AlertEngine<Instant>()
        changed.restore(saved, now: Instant(offset: .seconds(1)), wall: 1100)
        #expect(observe(&changed, 2, .ok, wall: 1101) == ["resolved:ok"])
        #expect(observe(&changed, 3, .ok, wall: 1102) == [])
        let resolved = changed.records[labels.fingerprint]
        #expect(resolved?.sequence == 1_000_002, "sequence numbers continue over the restart (from the record's start, 1000 s, in ms)")
    }

    /// Issue 15: a key names one decision forever. An incident that ends, is forgotten, and a new
    /// one after a restart (or from an old state file) never reuses a key.
    @Test func keysNeverRepeatAcrossIncidentsRestartsAndOldStateFiles() {
        var keys: [String] = []
        var e = AlertEngine<Instant>(policy: AlertPolicy())
        func step(_ engine: inout AlertEngine<Instant>, _ s: Int, _ sev: Severity) {
            keys += engine.observe(
                CheckResult(labels: labels, severity: sev, message: "m"), now: Instant(offset: .seconds(s)), wall: Double(2000 + s)
            )
            .map(\.idempotencyKey)
        }
        step(&e, 0, .critical)
        step(&e, 10, .ok)
        _ = e.retain(only: [], now: Instant(offset: .seconds(11)), wall: 2011)  // forgotten, as when its check goes
        // A restart with a state file that no longer holds it, then a new incident.
        var after = AlertEngine<Instant>(policy: AlertPolicy())
        after.restore(e.export(wall: 2020, now: Instant(offset: .seconds(20))), now: Instant(offset: .zero), wall: 2030)
        step(&after, 30, .critical)
        step(&after, 40, .ok)
        // An old state file (before this change: sequences from 1) replayed, then a new incident.
        var old = PersistedAlert(labels: labels)
        old.severity = .critical
        old.notified = .critical
        old.sequence = 1
        var replayed = AlertEngine<Instant>(policy: AlertPolicy())
        replayed.restore([old], now: Instant(offset: .zero), wall: 2100)
        step(&replayed, 100, .ok)
        _ = replayed.retain(only: [], now: Instant(offset: .seconds(101)), wall: 2101)
        step(&replayed, 110, .critical)
        #expect(keys.count == 6, "\(keys)")
        #expect(Set(keys).count == keys.count, "no key twice: \(keys)")
        #expect(keys.contains("\(labels.fingerprint)-2"), "the old file's incident continues its own numbers")
    }
}
