import Testing

@testable import VitalsCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Grouping per channel, hourly limits and the digest of what they held back.
@Suite struct StormGuardTests {
    static func note(_ i: Int, at: Double, reason: NotificationReason = .first) -> AlertNotification {
        let labels = AlertLabels.forCheck("disk", resource: "/mnt/d\(i)", instance: "web1")
        return AlertNotification(
            fingerprint: labels.fingerprint, labels: labels, severity: .critical, previous: nil, reason: reason, message: "d\(i)",
            value: nil, threshold: nil, startsAt: at, at: at, duration: nil, worstSeverity: nil, worstValue: nil, sequence: 1,
            flapPercent: nil)
    }

    @Test func whatOneEvaluationDecidesGoesOutAsOneMessagePerChannel() {
        var g = StormGuard()
        let config = NotifyConfig(
            channels: [ChannelConfig(name: "a", kind: .log), ChannelConfig(name: "b", kind: .log)], maxAlertsPerHour: nil)
        for i in 0..<5 { g.add(Self.note(i, at: 100), channels: ["a", "b"]) }
        let out = g.flush(wall: 100, config: config)
        #expect(out.map(\.channel) == ["a", "b"])
        #expect(out.map(\.notifications.count) == [5, 5])
        #expect(g.isIdle)
    }

    @Test func aGroupWaitCollectsAcrossEvaluations() {
        var g = StormGuard()
        var config = NotifyConfig(maxAlertsPerHour: nil)
        config.groupWait = .seconds(30)
        g.add(Self.note(0, at: 100), channels: ["log"])
        #expect(g.flush(wall: 100, config: config).isEmpty)
        g.add(Self.note(1, at: 110), channels: ["log"])
        #expect(g.flush(wall: 120, config: config).isEmpty)
        let out = g.flush(wall: 130, config: config)
        #expect(out.count == 1 && out[0].notifications.count == 2)
    }

    @Test func beyondTheHourlyLimitAlertsAreFoldedAndTheDigestFollowsWhenRoomReturns() {
        var g = StormGuard()
        let config = NotifyConfig(channels: [ChannelConfig(name: "log", kind: .log, maxAlertsPerHour: 3)], maxAlertsPerHour: nil)
        for i in 0..<15 { g.add(Self.note(i, at: 0), channels: ["log"]) }
        let first = g.flush(wall: 0, config: config)
        #expect(first.count == 1)
        #expect(first[0].notifications.count == 3)
        #expect(first[0].limitReached)
        #expect(g.folded["log"]?.count == 12)
        // Within the hour: nothing more, and nothing lost.
        g.add(Self.note(20, at: 600), channels: ["log"])
        #expect(g.flush(wall: 600, config: config).isEmpty)
        #expect(g.folded["log"]?.count == 13)
        // An hour later the digest goes out, counting everything held back.
        let later = g.flush(wall: 3601, config: config)
        #expect(later.count == 1)
        #expect(later[0].notifications.isEmpty)
        #expect(later[0].digest?.count == 13)
        #expect(
            later[0].digest?.description.hasPrefix("13 further alerts suppressed by the storm limit: VitalsDisk /mnt/d3 critical (first)") == true)
        #expect(later[0].digest?.description.hasSuffix("and 0 more") == false)
        #expect(g.isIdle)
    }

    /// Issue 15: the agent dies after a message is in the outbox and before the state that counts
    /// it is written. The restarted guard, given the outbox, neither sends the group nor the digest
    /// again, and the hour's allowance stays spent.
    @Test func aMessageInTheOutboxThatTheStateDoesNotCountIsTakenBack() throws {
        let config = NotifyConfig(channels: [ChannelConfig(name: "log", kind: .log, maxAlertsPerHour: 2)], maxAlertsPerHour: nil)
        var g = StormGuard()
        for i in 0..<4 { g.add(Self.note(i, at: 0), channels: ["log"]) }
        #expect(g.flush(wall: 0, config: config).map(\.notifications.count) == [2])
        #expect(g.folded["log"]?.count == 2)
        // Saved here; an hour later the digest goes out with a new group, and the agent dies.
        let saved = try JSONDecoder().decode(StormGuard.self, from: JSONEncoder().encode(g))
        g.add(Self.note(10, at: 3700), channels: ["log"])
        var beforeCrash = saved
        beforeCrash.add(Self.note(10, at: 3700), channels: ["log"])
        let sent = g.flush(wall: 3700, config: config)
        #expect(sent.count == 1 && sent[0].digest?.count == 2 && sent[0].notifications.count == 1)
        // Restart from the state written before the crash (the new group was waiting in it).
        var restarted = beforeCrash
        restarted.recover(sent: sent)
        #expect(restarted.flush(wall: 3701, config: config).isEmpty, "nothing goes out twice")
        #expect(restarted.isIdle)
        // The allowance the lost write spent is spent: the next alert is folded, not sent.
        restarted.add(Self.note(11, at: 3702), channels: ["log"])
        #expect(restarted.flush(wall: 3702, config: config).isEmpty)
        #expect(restarted.folded["log"]?.count == 1)
        // Given messages the state already counts, recovery changes nothing.
        var counted = g
        counted.recover(sent: sent)
        #expect(counted == g)
    }

    @Test func theGlobalLimitCountsEveryChannel() {
        var g = StormGuard()
        let config = NotifyConfig(
            channels: [ChannelConfig(name: "a", kind: .log), ChannelConfig(name: "b", kind: .log)], maxAlertsPerHour: 4)
        for i in 0..<3 { g.add(Self.note(i, at: 0), channels: ["a", "b"]) }
        let out = g.flush(wall: 0, config: config)
        #expect(out.map(\.notifications.count) == [3, 1])
        #expect(g.folded["b"]?.count == 2)
        #expect(g.folded["a"] == nil)
    }

    @Test func theStateRoundTripsThroughJSON() throws {
        var g = StormGuard()
        let config = NotifyConfig(channels: [ChannelConfig(name: "log", kind: .log, maxAlertsPerHour: 1)], maxAlertsPerHour: nil)
        for i in 0..<3 { g.add(Self.note(i, at: 0), channels: ["log"]) }
        _ = g.flush(wall: 0, config: config)
        let copy = try JSONDecoder().decode(StormGuard.self, from: JSONEncoder().encode(g))
        #expect(copy == g)
    }

    @Test func aDigestNamesAtMostTwentyAndCountsTheRest() {
        var d = Digest()
        for i in 0..<25 { d.fold(Self.note(i, at: 0)) }
        #expect(d.count == 25 && d.entries.count == 20)
        #expect(d.description.hasSuffix(" and 5 more"))
    }
}
