import Foundation
import Testing
import VitalsCore
import VitalsNotify
import VitalsTestKit

@testable import VitalsDaemon

/// The outbox and its decisions: order per channel, retries with backoff, giving up, the
/// breaker, the hand-over to a fallback, the count bound, and the files on disk.
@Suite struct DeliveryStateTests {
    static func message(_ channel: String, _ seq: UInt64, at: Double = 1000) -> ChannelMessage {
        let labels = LabelSet(["alertname": "VitalsDisk", "instance": "h", "check": "disk", "resource": "/srv\(seq)"])
        let n = AlertNotification(
            fingerprint: labels.fingerprint, labels: labels, severity: .critical, reason: .first, message: "disk /srv full", startsAt: at, at: at,
            sequence: seq)
        return ChannelMessage(channel: channel, notifications: [n], at: at)
    }

    static func channel(_ name: String, fallback: String? = nil, failures: Int = 3) -> ChannelConfig {
        ChannelConfig(
            name: name, kind: .webhook, webhook: WebhookSettings(url: "http://x"), fallback: fallback,
            retry: RetryPolicy(initial: .seconds(1), max: .seconds(8), maxAge: .seconds(3600)),
            breaker: .init(failures: failures, recovery: .seconds(60), successes: 1))
    }

    @Test func oneAttemptPerChannelAtATimeInOrderAndRetriedWithBackoff() throws {
        let d = Delivery(store: nil)
        d.configure([Self.channel("a"), Self.channel("b")])
        let now = ContinuousClock.now
        _ = d.enqueue(Self.message("a", 1), wall: 1000)
        _ = d.enqueue(Self.message("a", 2), wall: 1000)
        _ = d.enqueue(Self.message("b", 3), wall: 1000)
        let first = d.due(now: now, wall: 1000).attempts
        #expect(first.map(\.channel) == ["a", "b"], "channels in parallel, one message each")
        #expect(first[0].entry.message.notifications[0].sequence == 1, "the oldest first")
        #expect(d.due(now: now, wall: 1000).attempts.isEmpty, "nothing more while those are in flight")
        let events = d.complete(first[0], outcome: .failed(reason: "HTTP 503", retry: true), now: now, wall: 1000, random: 0.5)
        guard case .retrying(_, _, _, let attempt, let wait) = events.last else {
            Issue.record("\(events)")
            return
        }
        #expect(attempt == 1 && wait == .milliseconds(500))
        #expect(d.due(now: now + .milliseconds(400), wall: 1000).attempts.isEmpty, "waits out the backoff")
        let again = d.due(now: now + .milliseconds(500), wall: 1000).attempts
        #expect(again.first?.entry.seq == first[0].entry.seq && again.first?.attempt == 1, "the same message again, not the next one")
        _ = d.complete(again[0], outcome: .delivered(detail: "HTTP 200"), now: now, wall: 1002, random: 0)
        let next = d.due(now: now + .seconds(1), wall: 1002).attempts
        #expect(next.first?.entry.message.notifications[0].sequence == 2)
        let a = try #require(d.channels.first { $0.name == "a" })
        #expect(a.delivered == 1 && a.failedAttempts == 1)
        #expect(a.latencyCounts.reduce(0, +) == 1 && a.latencySum == 2, "decided at 1000, delivered at 1002")
    }

    @Test func aRejectedOrTooOldMessageIsGivenUpAndCounted() {
        let d = Delivery(store: nil)
        d.configure([Self.channel("a")])
        let now = ContinuousClock.now
        _ = d.enqueue(Self.message("a", 1), wall: 1000)
        _ = d.enqueue(Self.message("a", 2), wall: 1000)
        let a1 = d.due(now: now, wall: 1000).attempts[0]
        let ev = d.complete(a1, outcome: .failed(reason: "HTTP 400", retry: false), now: now, wall: 1000, random: 0)
        guard case .givenUp = ev.last else {
            Issue.record("\(ev)")
            return
        }
        // An hour later the second is too old.
        let (attempts, events) = d.due(now: now, wall: 1000 + 3601)
        #expect(attempts.isEmpty)
        guard case .givenUp(_, _, let reason) = events.first else {
            Issue.record("\(events)")
            return
        }
        #expect(reason.contains("max_age"))
        #expect(d.channels[0].givenUp == ["rejected": 1, "too_old": 1])
        #expect(d.depth == 0)
    }

    @Test func anOpenBreakerHandsTheQueueToTheFallbackInOrder() {
        let d = Delivery(store: nil)
        d.configure([Self.channel("a", fallback: "b", failures: 1), Self.channel("b")])
        let now = ContinuousClock.now
        _ = d.enqueue(Self.message("a", 1), wall: 1000)
        _ = d.enqueue(Self.message("a", 2), wall: 1000)
        let a1 = d.due(now: now, wall: 1000).attempts[0]
        let ev = d.complete(a1, outcome: .failed(reason: "refused", retry: true), now: now, wall: 1000, random: 0)
        #expect(ev.contains { if case .breaker(_, .opened, _) = $0 { true } else { false } })
        #expect(d.statuses(wall: 1000).first { $0.resource == "a" }?.severity == .critical, "channel a is failing: an alert")
        let (attempts, events) = d.due(now: now, wall: 1000)
        #expect(events.contains { if case .handedOver("a", "b", 2) = $0 { true } else { false } }, "\(events)")
        #expect(attempts.map(\.channel) == ["b"])
        #expect(attempts.first?.entry.via == "a")
        #expect(attempts.first?.entry.message.notifications[0].sequence == 1)
        // After the recovery time the next message probes the primary (half-open) instead of
        // being handed over; its success closes the breaker and ends the channel's alert.
        _ = d.enqueue(Self.message("a", 3), wall: 1100)
        let (probe, probeEvents) = d.due(now: now + .seconds(61), wall: 1100)
        #expect(probeEvents.contains { if case .breaker("a", .halfOpened, _) = $0 { true } else { false } })
        let onA = probe.first { $0.channel == "a" }
        #expect(onA?.entry.message.notifications[0].sequence == 3)
        if let onA { _ = d.complete(onA, outcome: .delivered(detail: "HTTP 200"), now: now + .seconds(61), wall: 1100, random: 0) }
        #expect(d.statuses(wall: 1100).first { $0.resource == "a" }?.severity == .ok)
    }

    /// Issue 16: the decisions are a value that names the file work they call for; `Delivery`
    /// only carries it out. A hand-over rewrites the messages for a durable fallback and removes
    /// them for a `log` one; a delivery removes its message; an unsaved entry delivered before its
    /// write succeeded has its file removed again.
    @Test func theQueueSaysWhichOutboxFilesToWriteAndRemove() {
        var q = DeliveryQueue()
        let log = ChannelConfig(name: "log", kind: .log)
        q.configure([Self.channel("a", fallback: "b", failures: 1), Self.channel("b", fallback: "log", failures: 1), log])
        let now = ContinuousClock.now
        let first = q.entry(for: Self.message("a", 1), wall: 1000)
        let second = q.entry(for: Self.message("a", 2), wall: 1000)
        let appended = [q.append(first, saved: true, wall: 1000), q.append(second, saved: false, wall: 1000)]
        #expect(appended.allSatisfy { $0.remove.isEmpty && $0.persist.isEmpty })
        #expect(q.unsaved == [second.seq], "its write failed: it waits in memory only")
        let attempt = q.due(now: now, wall: 1000).attempts
        #expect(attempt.map(\.entry.seq) == [first.seq])
        let failed = q.complete(attempt[0], outcome: .failed(reason: "HTTP 503", retry: true), now: now, wall: 1000, random: 0)
        #expect(failed.remove.isEmpty && failed.persist.isEmpty, "a retry keeps the file")
        let handed = q.due(now: now + .seconds(1), wall: 1001)
        #expect(handed.persist.map(\.seq) == [first.seq, second.seq], "rewritten for the durable fallback, in order")
        #expect(handed.persist.allSatisfy { $0.channel == "b" && $0.via == "a" })
        let onB = handed.attempts
        #expect(onB.map(\.channel) == ["b"] && onB.first?.entry.seq == first.seq, "the fallback takes the oldest in the same look")
        _ = q.complete(onB[0], outcome: .failed(reason: "down", retry: true), now: now + .seconds(1), wall: 1001, random: 0)
        let toLog = q.due(now: now + .seconds(2), wall: 1002)
        #expect(Set(toLog.remove) == [first.seq, second.seq], "a log fallback keeps no files")
        let unsaved = q.takeUnsaved()
        #expect(unsaved.map(\.seq) == [second.seq], "still queued (on log), still unsaved")
        let onLog = q.due(now: now + .seconds(2), wall: 1002).attempts
        #expect(onLog.map(\.channel) == ["log"])
        let delivered = q.complete(onLog[0], outcome: .delivered(detail: "logged"), now: now, wall: 1002, random: 0)
        #expect(delivered.remove == [onLog[0].entry.seq])
        let next = q.due(now: now + .seconds(2), wall: 1002).attempts
        _ = q.complete(next[0], outcome: .delivered(detail: "logged"), now: now, wall: 1002, random: 0)
        let gone = q.saved(second.seq)
        #expect(gone, "written after it was delivered: its file is to be removed again")
        let left = q.takeUnsaved()
        #expect(left.isEmpty && q.depth == 0)
    }

    @Test func theOutboxIsBoundedAndSaysWhatItDropped() {
        let d = Delivery(store: nil)
        d.configure([Self.channel("a")])
        var dropped = 0
        for i in 0..<(Delivery.maxPerChannel + 5) {
            for e in d.enqueue(Self.message("a", UInt64(i)), wall: 1000).events {
                if case .dropped(_, let n, _) = e { dropped += n }
            }
        }
        #expect(dropped == 5)
        #expect(d.depth == Delivery.maxPerChannel)
        #expect(d.channels[0].queue.first?.message.notifications[0].sequence == 5, "the oldest went")
    }

    /// Issue 14: the cap was global, so one flooding channel evicted the others' oldest messages.
    /// Each channel has its share; the one that hits it says so, as a warning on its channel alert.
    @Test func aFloodingChannelDropsOnlyItsOwnMessagesAndSaysSo() {
        let d = Delivery(store: nil)
        d.configure([Self.channel("a"), Self.channel("b")])
        for i in 0..<100 { _ = d.enqueue(Self.message("b", UInt64(i)), wall: 1000) }
        var dropped: [String: Int] = [:]
        for i in 0..<(Delivery.maxPerChannel + 500) {
            for e in d.enqueue(Self.message("a", UInt64(i)), wall: 1000).events {
                if case .dropped(let ch, let n, _) = e { dropped[ch, default: 0] += n }
            }
        }
        #expect(dropped == ["a": 500])
        #expect(d.channels.first { $0.name == "b" }?.queue.count == 100, "b keeps every message")
        let a = d.statuses(wall: 1100).first { $0.resource == "a" }
        #expect(a?.severity == .warning)
        #expect(a?.message.contains("500 messages dropped because its share of the outbox (2500) was full") == true, "\(a?.message ?? "")")
        #expect(d.statuses(wall: 1000 + 3601).first { $0.resource == "a" }?.severity == .ok, "the warning lasts an hour")
        #expect(d.statuses(wall: 1100).first { $0.resource == "b" }?.severity == .ok)
    }

    @Test func theOutboxOnDiskSurvivesAndKeepsOrder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-outbox-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = OutboxStore(stateDirectory: dir)
        try store.prepare()
        let d = Delivery(store: store)
        d.configure([Self.channel("a")])
        for i in 1...3 { #expect(d.enqueue(Self.message("a", UInt64(i)), wall: 1000).writeError == nil) }
        let first = d.due(now: .now, wall: 1000).attempts[0]
        _ = d.complete(first, outcome: .delivered(detail: "ok"), now: .now, wall: 1000, random: 0)
        try "not json".write(toFile: dir + "/outbox/0000000000000099.json", atomically: true, encoding: .utf8)
        // A new process: what was not delivered comes back, in order; the broken file is moved aside.
        let again = Delivery(store: store)
        again.configure([Self.channel("a")])
        let (count, problems) = again.restore(wall: 2000)
        #expect(count == 2)
        #expect(problems.count == 1 && problems[0].contains("moved to"))
        #expect(again.channels[0].queue.map { $0.message.notifications[0].sequence } == [2, 3])
        _ = again.enqueue(Self.message("a", 4), wall: 2000)
        #expect(again.channels[0].queue.last!.seq > again.channels[0].queue[1].seq, "new numbers continue after the restored ones")
    }

    @Test func messagesCarryTheUnitAndTheProcessesClosestToTheirLimit() throws {
        var snapshot = HostSnapshot(timestamp: 1000, cycle: 1)
        snapshot.fileHandles = FileHandleStats(
            allocated: 9000, maximum: 10000, topProcesses: [ProcessFDs(pid: 42, name: "nginx", open: 1000, limit: 1024)], ownOpen: 12,
            unreadableProcesses: 0)
        let labels = AlertLabels.forCheck("file_handles", resource: "", instance: "h")
        let n = AlertNotification(
            fingerprint: labels.fingerprint, labels: labels, severity: .critical, reason: .first, message: "file handles 90% used", startsAt: 1000,
            at: 1000, sequence: 1)
        // The unit travels with the evaluated check (issue 16: no second pass over the snapshot).
        var evaluator = CheckEvaluator<ContinuousClock.Instant>()
        for o in snapshot.observations() where o.check == "file_handles" {
            _ = evaluator.evaluate(o, spec: try #require(Config().spec(for: o.key)), at: .now, timestamp: 1000)
        }
        let m = Annotator(statuses: evaluator.statuses, snapshot: snapshot)(ChannelMessage(channel: "a", notifications: [n], at: 1000))
        #expect(m.notifications[0].annotations?["unit"] == "%")
        #expect(m.notifications[0].annotations?["top_processes"] == "nginx (pid 42) 1000 of 1024 open")
        let body = MessageText.body(m, instance: "h")
        #expect(body.contains("  processes: nginx (pid 42) 1000 of 1024 open"), "\(body)")
        let other = Annotator(statuses: [], snapshot: nil)(ChannelMessage(channel: "a", notifications: [n], at: 1000))
        #expect(other.notifications[0].annotations == nil)
    }

    /// Issue 18: a host-level problem names the units behind it in the annotations, the mail body
    /// and the webhook's structured `culprits`; a recovery does not.
    @Test func hostLevelProblemsNameTheirCulprits() throws {
        var snapshot = HostSnapshot(timestamp: 1000, cycle: 2)
        var pg = UnitUsage(unit: "postgresql.service", cgroup: "system.slice/postgresql.service", leaf: true)
        pg.cpuPercent = 71.2
        var backup = UnitUsage(unit: "backup.service", cgroup: "system.slice/backup.service", leaf: true)
        backup.cpuPercent = 22
        var slice = UnitUsage(unit: "system.slice", cgroup: "system.slice", leaf: false)
        slice.cpuPercent = 93.2
        snapshot.units = UnitStats(available: true, root: "/sys/fs/cgroup", units: [slice, pg, backup])
        let labels = AlertLabels.forCheck("cpu", resource: "", instance: "h")
        let n = AlertNotification(
            fingerprint: labels.fingerprint, labels: labels, severity: .critical, reason: .first, message: "cpu 99.2% busy", startsAt: 1000,
            at: 1000, sequence: 1)
        let m = Annotator(statuses: [], snapshot: snapshot)(ChannelMessage(channel: "a", notifications: [n], at: 1000))
        #expect(m.notifications[0].annotations?["culprits"] == "postgresql.service 71%, backup.service 22%")
        #expect(m.notifications[0].culprits?.map(\.unit) == ["postgresql.service", "backup.service"])
        #expect(MessageText.body(m, instance: "h").contains("  culprits:  postgresql.service 71%, backup.service 22%"))
        let json = String(decoding: WebhookPayload(OutgoingMessage(message: m, instance: "h", now: 1000, sequence: 1)).encoded(), as: UTF8.self)
        #expect(json.contains(#""culprits":[{"unit":"postgresql.service","value":71.2,"value_unit":"%"}"#), "\(json)")
        var resolved = n
        resolved.severity = .ok
        let r = Annotator(statuses: [], snapshot: snapshot)(ChannelMessage(channel: "a", notifications: [resolved], at: 1000))
        #expect(r.notifications[0].culprits == nil && r.notifications[0].annotations?["culprits"] == nil)
    }
}
