import Synchronization
public import VitalsCore
public import VitalsNotify

/// The delivery state of every channel: its queue (mirrored in the durable outbox), circuit
/// breaker, retry schedule and counters. Shared by the dispatcher (which enqueues), the delivery
/// service (which attempts) and the status socket (which reads). Decisions only, no network; the
/// decisions are taken under the lock and the outbox files they call for are written or removed
/// after it is released, so a slow disk never holds up a reader or another channel.
public final class Delivery: Sendable {
    /// The most messages the outbox holds; beyond it the oldest are dropped, logged and counted.
    public static let maxMessages = 10_000
    /// The most one channel may hold: a channel that floods (or whose receiver is down for long)
    /// drops its own oldest messages, never another channel's (issue 14).
    public static let maxPerChannel = 2_500
    /// Upper bounds (s) of the delivery latency histogram buckets.
    public static let latencyBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600]

    /// One channel's delivery state, as `GET /v1/channels` and `/metrics` show it.
    public struct Channel: Sendable {
        public var name: String
        public var kind: ChannelConfig.Kind
        public var queue: [OutboxEntry] = []
        public var breaker: CircuitBreaker<ContinuousClock.Instant>
        /// Attempts made for the message at the head of the queue.
        public var headAttempts = 0
        public var nextAttempt: ContinuousClock.Instant?
        public var inFlight = false
        public var lastError: String?
        public var lastErrorWall: Double?
        public var lastSuccessWall: Double?
        /// Since when the breaker has been open (wall), for the channel's alert.
        public var failingSinceWall: Double?
        public var delivered: UInt64 = 0
        public var failedAttempts: UInt64 = 0
        /// Messages given up: not retryable, too old, or dropped when the outbox was full.
        public var givenUp: [String: UInt64] = [:]
        public var handedToFallback: UInt64 = 0
        /// When this channel last dropped messages because its share of the outbox was full, and
        /// how many it dropped since the start (its alert warns for an hour after a drop).
        public var lastDropWall: Double?
        public var droppedFull: UInt64 = 0
        public var latencyCounts = [UInt64](repeating: 0, count: Delivery.latencyBuckets.count + 1)
        public var latencySum = 0.0

        /// The head message `seq` is done with (delivered, given up, dropped or handed over):
        /// out of the queue, and its retry count and wait with it.
        mutating func finishHead(_ seq: UInt64) {
            if queue.first?.seq == seq { queue.removeFirst() }
            headAttempts = 0
            nextAttempt = nil
        }
    }

    /// Something the service logs (and the tests read) after a decision.
    public enum Event: Sendable {
        case delivered(channel: String, entry: OutboxEntry, detail: String, attempts: Int, latency: Double)
        case retrying(channel: String, entry: OutboxEntry, reason: String, attempt: Int, wait: Duration)
        case givenUp(channel: String, entry: OutboxEntry, reason: String)
        case dropped(channel: String, count: Int, reason: String)
        case breaker(channel: String, change: CircuitBreaker<ContinuousClock.Instant>.Change, reason: String?)
        case handedOver(channel: String, to: String, count: Int)
    }

    /// Work the service should start: one attempt of one entry.
    public struct Attempt: Sendable {
        public var channel: String
        public var entry: OutboxEntry
        public var attempt: Int
    }

    private struct Contents {
        var channels: [String: Channel] = [:]
        var nextSeq: UInt64 = 1
        var config: [String: ChannelConfig] = [:]
        /// Messages queued in memory whose outbox write failed (a full disk): written again by
        /// `persistUnsaved` until it succeeds.
        var unsaved: Set<UInt64> = []

        /// Makes sure `name` has a state, with its configured kind and breaker (a channel that
        /// left the configuration keeps defaults until its queue drains).
        mutating func ensureChannel(_ name: String) {
            guard channels[name] == nil else { return }
            let cfg = config[name]
            channels[name] = Channel(name: name, kind: cfg?.kind ?? .webhook, breaker: CircuitBreaker(settings: cfg?.breaker ?? .init()))
        }
    }

    private let contents = Mutex(Contents())
    let store: OutboxStore?

    /// `store` nil keeps the outbox in memory only (no state directory).
    public init(store: OutboxStore?) { self.store = store }

    /// Applies the channels in force (at start and on reload); channels that left the
    /// configuration keep their queue until it drains or is handed over.
    public func configure(_ channels: [ChannelConfig]) {
        contents.withLock { c in
            c.config = Dictionary(channels.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            for ch in channels where ch.isDurable {
                c.ensureChannel(ch.name)
                c.channels[ch.name]!.breaker.settings = ch.breaker
                c.channels[ch.name]!.kind = ch.kind
            }
        }
    }

    /// Loads what the previous run left in the outbox.
    public func restore(wall: Double) -> (count: Int, problems: [String]) {
        guard let store else { return (0, []) }
        let (entries, problems) = store.load(wall: wall)
        contents.withLock { c in
            for e in entries {
                c.ensureChannel(e.channel)
                c.channels[e.channel]!.queue.append(e)
                c.nextSeq = max(c.nextSeq, e.seq + 1)
            }
        }
        return (entries.count, problems)
    }

    /// Writes a message to the outbox (durably, before any attempt) and queues it. When the write
    /// fails the message is still queued in memory (a restart now would lose it): `writeError`
    /// says why. `events` are those of an overflow (the oldest messages dropped).
    public func enqueue(_ m: ChannelMessage, wall: Double) -> (events: [Event], writeError: VitalsError?) {
        let entry = contents.withLock { c -> OutboxEntry in
            defer { c.nextSeq += 1 }
            return OutboxEntry(seq: c.nextSeq, channel: m.channel, via: nil, createdWall: wall, message: m)
        }
        var writeError: VitalsError?
        do {
            try store?.write(entry)
        } catch {
            writeError = error
        }
        var removals: [UInt64] = []
        let events = contents.withLock { c -> [Event] in
            c.ensureChannel(m.channel)
            c.channels[m.channel]!.queue.append(entry)
            if writeError != nil { c.unsaved.insert(entry.seq) }
            return trim(&c, appendedTo: m.channel, wall: wall, removals: &removals)
        }
        for seq in removals { store?.remove(seq) }
        return (events, writeError)
    }

    /// Writes to the outbox the messages that a failed write left in memory only (the disk was
    /// full, and may have room again). Called on every delivery tick, so once the disk has room a
    /// restart loses nothing. Returns how many are still in memory only and the error that stops them.
    public func persistUnsaved() -> (left: Int, error: VitalsError?) {
        guard let store else { return (0, nil) }
        let pending = contents.withLock { c -> [OutboxEntry] in
            guard !c.unsaved.isEmpty else { return [] }
            let live = c.channels.values.flatMap(\.queue).filter { c.unsaved.contains($0.seq) }
            c.unsaved = Set(live.map(\.seq))
            return live.sorted { $0.seq < $1.seq }
        }
        return persist(pending, store: store)
    }

    /// Writes `entries` to the outbox, outside the lock, in order; stops at the first failure and
    /// leaves that entry and the rest marked unsaved (`persistUnsaved` tries again).
    private func persist(_ entries: [OutboxEntry], store: OutboxStore) -> (left: Int, error: VitalsError?) {
        for (i, e) in entries.enumerated() {
            do {
                try store.write(e)
            } catch {
                contents.withLock { c in for rest in entries[i...] { c.unsaved.insert(rest.seq) } }
                return (entries.count - i, error)
            }
            let gone = contents.withLock { c -> Bool in
                c.unsaved.remove(e.seq)
                return !c.channels.values.contains(where: { $0.queue.contains { $0.seq == e.seq } })
            }
            // Delivered or dropped while it was written: its file goes again.
            if gone { store.remove(e.seq) }
        }
        return (0, nil)
    }

    /// Drops the oldest messages of a channel beyond its share (`maxPerChannel`), then, while the
    /// whole outbox holds more than `maxMessages`, the oldest of the channel that holds most;
    /// never a message in flight, never another channel's for one that floods.
    private func trim(_ c: inout Contents, appendedTo channel: String, wall: Double, removals: inout [UInt64]) -> [Event] {
        var dropped: [String: (count: Int, reason: String)] = [:]
        func drop(_ name: String, _ reason: String) -> Bool {
            let index = c.channels[name]!.inFlight ? 1 : 0
            guard index < c.channels[name]!.queue.count else { return false }
            let e = c.channels[name]!.queue[index]
            if index == 0 { c.channels[name]!.finishHead(e.seq) } else { c.channels[name]!.queue.remove(at: index) }
            removals.append(e.seq)
            c.channels[name]!.givenUp["outbox_full", default: 0] += 1
            c.channels[name]!.droppedFull += 1
            c.channels[name]!.lastDropWall = wall
            dropped[name, default: (0, reason)].count += 1
            return true
        }
        while c.channels[channel]!.queue.count > Self.maxPerChannel {
            guard drop(channel, "the outbox keeps at most \(Self.maxPerChannel) messages for one channel; its oldest were dropped") else { break }
        }
        var total = c.channels.values.reduce(0) { $0 + $1.queue.count }
        while total > Self.maxMessages {
            guard let name = c.channels.max(by: { $0.value.queue.count < $1.value.queue.count })?.key,
                drop(name, "the outbox holds at most \(Self.maxMessages) messages; the oldest of the channel holding most were dropped")
            else { break }
            total -= 1
        }
        return dropped.map { .dropped(channel: $0.key, count: $0.value.count, reason: $0.value.reason) }
    }

    private func oldestDroppable(_ ch: Channel) -> UInt64 {
        let i = ch.inFlight ? 1 : 0
        return i < ch.queue.count ? ch.queue[i].seq : UInt64.max
    }

    /// The attempts that are due now: each channel's head message, when nothing of that channel
    /// is in flight, its retry wait is over and its breaker lets it through. Messages older than
    /// their channel's `max_age` are given up first; an open breaker hands the queue to the
    /// channel's fallback when it has one.
    public func due(now: ContinuousClock.Instant, wall: Double) -> (attempts: [Attempt], events: [Event]) {
        var removals: [UInt64] = []
        var writes: [OutboxEntry] = []
        let result = contents.withLock { c -> (attempts: [Attempt], events: [Event]) in
            var attempts: [Attempt] = []
            var events: [Event] = []
            for name in c.channels.keys.sorted() {
                var ch = c.channels[name]!
                defer { c.channels[name] = ch }
                guard !ch.inFlight else { continue }
                let cfg = c.config[name]
                let maxAge = (cfg?.retry ?? RetryPolicy()).maxAge.seconds
                while let head = ch.queue.first, wall - head.createdWall > maxAge {
                    ch.finishHead(head.seq)
                    removals.append(head.seq)
                    ch.givenUp["too_old", default: 0] += 1
                    events.append(
                        .givenUp(
                            channel: name, entry: head,
                            reason: "not delivered within max_age \(Units.formatDuration(.seconds(maxAge))) (last error: \(ch.lastError ?? "none"))"))
                }
                guard let head = ch.queue.first else { continue }
                // An open breaker whose recovery time is up lets one probe through (half-open).
                let (allowed, change) = ch.breaker.allows(now: now)
                if let change { events.append(.breaker(channel: name, change: change, reason: nil)) }
                if !allowed, let fb = cfg?.fallback, c.config[fb] != nil {
                    // Hand the whole queue over, in order, to the fallback.
                    let moved = ch.queue
                    ch.queue = []
                    ch.headAttempts = 0
                    ch.nextAttempt = nil
                    ch.handedToFallback += UInt64(moved.count)
                    c.ensureChannel(fb)
                    var target = c.channels[fb]!
                    for var e in moved {
                        e.via = e.via ?? name
                        e.channel = fb
                        if c.config[fb]!.isDurable { writes.append(e) } else { removals.append(e.seq) }
                        target.queue.append(e)
                    }
                    c.channels[fb] = target
                    events.append(.handedOver(channel: name, to: fb, count: moved.count))
                    continue
                }
                guard allowed else { continue }
                if let next = ch.nextAttempt, now < next { continue }
                ch.inFlight = true
                attempts.append(Attempt(channel: name, entry: head, attempt: ch.headAttempts))
            }
            return (attempts, events)
        }
        if let store {
            for seq in removals { store.remove(seq) }
            if !writes.isEmpty { _ = persist(writes, store: store) }
        }
        return result
    }

    /// Records what an attempt came to: success removes the message; a retryable failure
    /// schedules the next attempt (backoff with full jitter, `random` in [0, 1)); any other
    /// failure gives the message up.
    public func complete(_ a: Attempt, outcome: DeliveryOutcome, now: ContinuousClock.Instant, wall: Double, random: Double) -> [Event] {
        if case .delivered = outcome { Failpoint.hit("delivery-after-2xx") }
        var removals: [UInt64] = []
        let events = contents.withLock { c -> [Event] in
            guard var ch = c.channels[a.channel] else { return [] }
            defer { c.channels[a.channel] = ch }
            ch.inFlight = false
            var events: [Event] = []
            let retry = c.config[a.channel]?.retry ?? RetryPolicy()
            switch outcome {
            case .delivered(let detail):
                ch.finishHead(a.entry.seq)
                removals.append(a.entry.seq)
                ch.delivered += 1
                ch.lastSuccessWall = wall
                let latency = max(0, wall - (a.entry.message.notifications.map(\.at).min() ?? a.entry.createdWall))
                let bucket = Self.latencyBuckets.firstIndex { latency <= $0 } ?? Self.latencyBuckets.count
                ch.latencyCounts[bucket] += 1
                ch.latencySum += latency
                if let change = ch.breaker.recordSuccess() {
                    events.append(.breaker(channel: a.channel, change: change, reason: nil))
                    if change == .closed { ch.failingSinceWall = nil }
                }
                events.append(.delivered(channel: a.channel, entry: a.entry, detail: detail, attempts: a.attempt + 1, latency: latency))
            case .failed(let reason, let retryable, let after):
                ch.failedAttempts += 1
                ch.lastError = reason
                ch.lastErrorWall = wall
                if let change = ch.breaker.recordFailure(now: now) {
                    if change == .opened && ch.failingSinceWall == nil { ch.failingSinceWall = wall }
                    events.append(.breaker(channel: a.channel, change: change, reason: reason))
                }
                if retryable {
                    ch.headAttempts = a.attempt + 1
                    let wait = retry.delay(attempt: ch.headAttempts, random: random, retryAfter: after)
                    ch.nextAttempt = now.advanced(by: wait)
                    events.append(.retrying(channel: a.channel, entry: a.entry, reason: reason, attempt: ch.headAttempts, wait: wait))
                } else {
                    ch.finishHead(a.entry.seq)
                    removals.append(a.entry.seq)
                    ch.givenUp["rejected", default: 0] += 1
                    events.append(.givenUp(channel: a.channel, entry: a.entry, reason: reason))
                }
            }
            return events
        }
        for seq in removals { store?.remove(seq) }
        return events
    }

    /// Every channel's state, by name.
    public var channels: [Channel] { contents.withLock { c in c.channels.values.sorted { $0.name < $1.name } } }

    /// Messages waiting over all channels.
    public var depth: Int { contents.withLock { c in c.channels.values.reduce(0) { $0 + $1.queue.count } } }

    /// The channels' health as check results (check `channel`, resource the channel's name):
    /// critical while a breaker is open or probing, so "channel X is failing" is an alert like
    /// any other, routed to the other channels.
    public func statuses(wall: Double) -> [CheckStatus] {
        contents.withLock { c in
            c.channels.values.filter { c.config[$0.name]?.isDurable ?? false }.sorted { $0.name < $1.name }.map { ch in
                let failing = ch.breaker.isTripped
                // Messages dropped because its share of the outbox was full: a warning for an hour.
                let dropping = ch.lastDropWall.map { wall - $0 < 3600 } ?? false
                var message =
                    failing
                    ? "channel \(ch.name) is failing: \(ch.lastError ?? "no answer"); \(ch.queue.count) message\(ch.queue.count == 1 ? "" : "s") waiting"
                    : "channel \(ch.name) delivers; \(ch.queue.count) waiting"
                if dropping {
                    message +=
                        "; \(ch.droppedFull) message\(ch.droppedFull == 1 ? "" : "s") dropped because its share of the outbox (\(Self.maxPerChannel)) was full"
                }
                return CheckStatus(
                    check: "channel", resource: ch.name, severity: failing ? .critical : dropping ? .warning : .ok, message: message,
                    value: Double(ch.queue.count), threshold: nil,
                    since: failing ? (ch.failingSinceWall ?? wall) : dropping ? (ch.lastDropWall ?? wall) : (ch.lastSuccessWall ?? wall),
                    evaluatedAt: wall, pending: nil)
            }
        }
    }
}
