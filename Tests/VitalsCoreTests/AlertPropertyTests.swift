import PropertyBased
import Testing
import VitalsTestKit

@testable import VitalsCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The alert engine's invariants over random histories: results of every severity at uneven
/// gaps, long pauses, silences, acknowledgements, escalation steps and restarts.
@Suite struct AlertPropertyTests {
    typealias Instant = ManualClock.Instant
    static let base = 1_800_000_000.0
    static let labels = AlertLabels.forCheck("disk", resource: "/srv", instance: "web1")
    static let policy = AlertPolicy(unknownDelay: .seconds(30))
    static let steps = [Duration.seconds(900), .seconds(3600)]

    /// One step of a history, decoded from a random number so the generator stays simple and
    /// shrinks well.
    struct Step {
        var severity: Severity
        var gap: Int
        var restart: Bool
        var toggleSilence: Bool
        var acknowledge: Bool
        var sticky: Bool

        init(_ v: Int) {
            let s = v % 20
            severity = s < 8 ? .ok : s < 13 ? .warning : s < 18 ? .critical : .unknown
            gap = (v / 20) % 16 == 0 ? 7200 : 10 * (1 + (v / 20) % 4)
            restart = (v / 320) % 25 == 0
            toggleSilence = (v / 8000) % 13 == 0
            acknowledge = (v / 104_000) % 7 == 0
            sticky = (v / 728_000) % 2 == 0
        }
    }

    /// What went out: time, the notification, and whether the alert was muted then.
    typealias Sent = (t: Int, n: AlertNotification, muted: Bool)

    /// Runs a history; with `restarts`, the engine is saved to JSON and rebuilt (on a new
    /// monotonic clock) wherever a step says so. Ends with a long quiet tail of ok results.
    static func simulate(_ codes: [Int], restarts: Bool) throws -> [Sent] {
        var engine = AlertEngine<Instant>(policy: policy)
        var clockShift = 0  // a new process starts its monotonic clock elsewhere
        var t = 0
        var muted = false
        var ack: Acknowledgement?
        var out: [Sent] = []
        let tail = Array(repeating: 0, count: 40)  // code 0: ok, 10 s gap
        for (i, code) in (codes + tail).enumerated() {
            var step = Step(code)
            if i >= codes.count { step = Step(20) }  // ok, no restart, no toggles
            t += step.gap
            if step.toggleSilence && i < codes.count { muted.toggle() }
            if i >= codes.count { muted = false }
            if restarts && step.restart && i < codes.count {
                let saved = engine.export(wall: base + Double(t), now: Instant(offset: .seconds(t - clockShift)))
                let json = try JSONEncoder().encode(saved)
                clockShift += 1_000_003
                engine = AlertEngine(policy: policy)
                engine.restore(
                    try JSONDecoder().decode([PersistedAlert].self, from: json), now: Instant(offset: .seconds(t - clockShift)),
                    wall: base + Double(t))
            }
            if step.acknowledge, ack == nil, step.severity != .ok, engine.records[labels.fingerprint]?.notified != nil, i < codes.count {
                ack = Acknowledgement(
                    fingerprint: labels.fingerprint, author: "root", comment: "", sticky: step.sticky, at: base + Double(t), expiresAt: nil,
                    severity: engine.records[labels.fingerprint]?.severity ?? step.severity)
            }
            let gate = AlertGate(mute: muted ? AlertMute(.silenced, by: "s") : nil, acknowledgement: ack, route: "r", escalation: steps)
            let ns = engine.observe(
                CheckResult(labels: labels, severity: step.severity, message: "m"), now: Instant(offset: .seconds(t - clockShift)),
                wall: base + Double(t), gate: gate)
            if engine.takeEndedAcknowledgements().contains(labels.fingerprint) { ack = nil }
            out += ns.map { (t, $0, muted) }
        }
        return out
    }

    static let histories = Gen.int(in: 0...1_456_000).array(of: 10...300)

    @Test func everyNotifiedProblemGetsExactlyOneRecovery() async {
        await propertyCheck(count: 300, input: Self.histories) { codes in
            let sent = try Self.simulate(codes, restarts: false)
            var open = false
            for s in sent {
                switch s.n.reason {
                case .first:
                    #expect(!open, "a second first notification without a recovery at \(s.t)")
                    open = true
                case .resolved:
                    #expect(open, "a recovery for nothing notified at \(s.t)")
                    open = false
                case .repeat, .raised, .improved, .changed, .escalated:
                    #expect(open, "\(s.n.reason) outside an incident at \(s.t)")
                case .flappingStarted, .flappingStopped:
                    break
                }
            }
            #expect(!open, "the quiet tail must close every incident")
        }
    }

    @Test func noDuplicateWithinTheRepeatIntervalAndNothingButRecoveriesWhileMuted() async {
        await propertyCheck(count: 300, input: Self.histories) { codes in
            let sent = try Self.simulate(codes, restarts: false)
            var last: (t: Int, severity: Severity)?
            for s in sent {
                if s.muted {
                    #expect(s.n.reason == .resolved, "\(s.n.reason) went out under a silence at \(s.t)")
                }
                switch s.n.reason {
                case .first, .repeat, .raised, .improved, .changed:
                    if let l = last, l.severity == s.n.severity {
                        let wait = Self.policy.interval(for: s.n.severity, repeatNumber: 0)!
                        #expect(Duration.seconds(s.t - l.t) >= wait, "\(s.n.severity) twice within \(s.t - l.t) s")
                    }
                    last = (s.t, s.n.severity)
                case .resolved:
                    last = nil
                default:
                    break
                }
            }
        }
    }

    @Test func aRestartAnywhereNeitherLosesNorRepeatsANotification() async {
        await propertyCheck(count: 300, input: Self.histories) { codes in
            let straight = try Self.simulate(codes, restarts: false)
            let restarted = try Self.simulate(codes, restarts: true)
            let a = straight.map { "\($0.t) \($0.n.reason.rawValue) \($0.n.severity) #\($0.n.sequence) step \($0.n.step)" }
            let b = restarted.map { "\($0.t) \($0.n.reason.rawValue) \($0.n.severity) #\($0.n.sequence) step \($0.n.step)" }
            #expect(a == b)
        }
    }

    @Test func escalationStepsNeverRunBackwardsOrPastTheRoute() async {
        await propertyCheck(count: 200, input: Self.histories) { codes in
            var step = 0
            for s in try Self.simulate(codes, restarts: true) {
                if s.n.reason == .escalated {
                    #expect(s.n.step > step && s.n.step <= Self.steps.count)
                    #expect(s.n.escalatedFrom == step + 1)
                }
                step = s.n.reason == .resolved ? 0 : s.n.step
            }
        }
    }
}
