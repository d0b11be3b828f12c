public import VitalsCore
public import VitalsNotify

/// Every channel's delivery state, pure: the queues (the outbox as memory holds it), circuit
/// breakers, retry schedules and counters, and the decisions on them. It does no I/O: each
/// decision returns the `Actions` it calls for (outbox files to write or remove, attempts to
/// start, events to log), which `Delivery` carries out. Time and randomness are arguments.
public struct DeliveryQueue: Sendable {
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
        public var latencyCounts = [UInt64](repeating: 0, count: DeliveryQueue.latencyBuckets.count + 1)
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

    /// What a decision calls for, in this order: outbox files to write, to remove, attempts to
    /// start and events to log.
    public struct Actions: Sendable {
        public var persist: [OutboxEntry] = []
        public var remove: [UInt64] = []
        public var attempts: [Attempt] = []
        public var events: [Event] = []
    }

    public private(set) var channels: [String: Channel] = [:]
    private var nextSeq: UInt64 = 1
    private var config: [String: ChannelConfig] = [:]
    /// Messages queued whose outbox write failed (a full disk): written again until it succeeds.
    public private(set) var unsaved: Set<UInt64> = []

    public init() {}

    /// Makes sure `name` has a state, with its configured kind and breaker (a channel that left
    /// the configuration keeps defaults until its queue drains).
    private mutating func ensureChannel(_ name: String) {
        guard channels[name] == nil else { return }
        let cfg = config[name]
        channels[name] = Channel(name: name, kind: cfg?.kind ?? .webhook, breaker: CircuitBreaker(settings: cfg?.breaker ?? .init()))
    }

    /// Applies the channels in force (at start and on reload); channels that left the
    /// configuration keep their queue until it drains or is handed over.
    public mutating func configure(_ list: [ChannelConfig]) {
        config = Dictionary(list.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for ch in list where ch.isDurable {
            ensureChannel(ch.name)
            channels[ch.name]!.breaker.settings = ch.breaker
            channels[ch.name]!.kind = ch.kind
        }
    }

    /// Takes back what the previous run left in the outbox, in order.
    public mutating func restore(_ entries: [OutboxEntry]) {
        for e in entries {
            ensureChannel(e.channel)
            channels[e.channel]!.queue.append(e)
            nextSeq = max(nextSeq, e.seq + 1)
        }
    }

    /// The outbox entry for a new message (its sequence number taken); `append` queues it once
    /// it is written.
    public mutating func entry(for m: ChannelMessage, wall: Double) -> OutboxEntry {
        defer { nextSeq += 1 }
        return OutboxEntry(seq: nextSeq, channel: m.channel, via: nil, createdWall: wall, message: m)
    }

    /// Queues an entry; `saved` false when its outbox write failed (it waits in memory, and is
    /// written again). A channel over its share, or the outbox over its bound, drops its oldest.
    public mutating func append(_ entry: OutboxEntry, saved: Bool, wall: Double) -> Actions {
        ensureChannel(entry.channel)
        channels[entry.channel]!.queue.append(entry)
        if !saved { unsaved.insert(entry.seq) }
        return trim(appendedTo: entry.channel, wall: wall)
    }

    /// The entries waiting in memory only, oldest first (those no longer queued are forgotten).
    public mutating func takeUnsaved() -> [OutboxEntry] {
        guard !unsaved.isEmpty else { return [] }
        let live = channels.values.flatMap(\.queue).filter { unsaved.contains($0.seq) }
        unsaved = Set(live.map(\.seq))
        return live.sorted { $0.seq < $1.seq }
    }

    /// An entry's outbox write succeeded; true when it is no longer queued (delivered or dropped
    /// while it was written), so its file is to be removed again.
    public mutating func saved(_ seq: UInt64) -> Bool {
        unsaved.remove(seq)
        return !channels.values.contains { $0.queue.contains { $0.seq == seq } }
    }

    /// Outbox writes failed for these entries: they stay in memory only until written.
    public mutating func notSaved(_ seqs: some Sequence<UInt64>) { unsaved.formUnion(seqs) }

    /// Drops the oldest messages of a channel beyond its share (`maxPerChannel`), then, while the
    /// whole outbox holds more than `maxMessages`, the oldest of the channel that holds most;
    /// never a message in flight, never another channel's for one that floods.
    private mutating func trim(appendedTo channel: String, wall: Double) -> Actions {
        var actions = Actions()
        var dropped: [String: (count: Int, reason: String)] = [:]
        func drop(_ name: String, _ reason: String) -> Bool {
            let index = channels[name]!.inFlight ? 1 : 0
            guard index < channels[name]!.queue.count else { return false }
            let e = channels[name]!.queue[index]
            if index == 0 { channels[name]!.finishHead(e.seq) } else { channels[name]!.queue.remove(at: index) }
            actions.remove.append(e.seq)
            channels[name]!.givenUp["outbox_full", default: 0] += 1
            channels[name]!.droppedFull += 1
            channels[name]!.lastDropWall = wall
            dropped[name, default: (0, reason)].count += 1
            return true
        }
        while channels[channel]!.queue.count > Self.maxPerChannel {
            guard drop(channel, "the outbox keeps at most \(Self.maxPerChannel) messages for one channel; its oldest were dropped") else { break }
        }
        var total = channels.values.reduce(0) { $0 + $1.queue.count }
        while total > Self.maxMessages {
            guard let name = channels.max(by: { $0.value.queue.count < $1.value.queue.count })?.key,
                drop(name, "the outbox holds at most \(Self.maxMessages) messages; the oldest of the channel holding most were dropped")
            else { break }
            total -= 1
        }
        actions.events = dropped.map { .dropped(channel: $0.key, count: $0.value.count, reason: $0.value.reason) }
        return actions
    }

    /// Whether nothing waits: every channel's queue empty, nothing in flight or unsaved.
    public var isIdle: Bool { unsaved.isEmpty && channels.values.allSatisfy { $0.queue.isEmpty && !$0.inFlight } }

    /// The attempts that are due now: each channel's head message, when nothing of that channel
    /// is in flight, its retry wait is over and its breaker lets it through. Messages older than
    /// their channel's `max_age` are given up first; an open breaker hands the queue to the
    /// channel's fallback when it has one (written again for a durable fallback, else removed).
    public mutating func due(now: ContinuousClock.Instant, wall: Double) -> Actions {
        var actions = Actions()
        for name in channels.keys.sorted() {
            var ch = channels[name]!
            defer { channels[name] = ch }
            guard !ch.inFlight else { continue }
            let cfg = config[name]
            let maxAge = (cfg?.retry ?? RetryPolicy()).maxAge.seconds
            while let head = ch.queue.first, wall - head.createdWall > maxAge {
                ch.finishHead(head.seq)
                actions.remove.append(head.seq)
                ch.givenUp["too_old", default: 0] += 1
                actions.events.append(
                    .givenUp(
                        channel: name, entry: head,
                        reason: "not delivered within max_age \(Units.formatDuration(.seconds(maxAge))) (last error: \(ch.lastError ?? "none"))"))
            }
            guard let head = ch.queue.first else { continue }
            // An open breaker whose recovery time is up lets one probe through (half-open).
            let (allowed, change) = ch.breaker.allows(now: now)
            if let change { actions.events.append(.breaker(channel: name, change: change, reason: nil)) }
            if !allowed, let fb = cfg?.fallback, let fallback = config[fb] {
                // Hand the whole queue over, in order, to the fallback.
                let moved = ch.queue
                ch.queue = []
                ch.headAttempts = 0
                ch.nextAttempt = nil
                ch.handedToFallback += UInt64(moved.count)
                channels[name] = ch
                ensureChannel(fb)
                for var e in moved {
                    e.via = e.via ?? name
                    e.channel = fb
                    if fallback.isDurable { actions.persist.append(e) } else { actions.remove.append(e.seq) }
                    channels[fb]!.queue.append(e)
                }
                actions.events.append(.handedOver(channel: name, to: fb, count: moved.count))
                continue
            }
            guard allowed else { continue }
            if let next = ch.nextAttempt, now < next { continue }
            ch.inFlight = true
            actions.attempts.append(Attempt(channel: name, entry: head, attempt: ch.headAttempts))
        }
        return actions
    }

    /// Records what an attempt came to: success removes the message; a retryable failure
    /// schedules the next attempt (backoff with full jitter, `random` in [0, 1)); any other
    /// failure gives the message up.
    public mutating func complete(_ a: Attempt, outcome: DeliveryOutcome, now: ContinuousClock.Instant, wall: Double, random: Double) -> Actions {
        var actions = Actions()
        guard var ch = channels[a.channel] else { return actions }
        defer { channels[a.channel] = ch }
        ch.inFlight = false
        let retry = config[a.channel]?.retry ?? RetryPolicy()
        switch outcome {
        case .delivered(let detail):
            ch.finishHead(a.entry.seq)
            actions.remove.append(a.entry.seq)
            ch.delivered += 1
            ch.lastSuccessWall = wall
            let latency = max(0, wall - (a.entry.message.notifications.map(\.at).min() ?? a.entry.createdWall))
            let bucket = Self.latencyBuckets.firstIndex { latency <= $0 } ?? Self.latencyBuckets.count
            ch.latencyCounts[bucket] += 1
            ch.latencySum += latency
            if let change = ch.breaker.recordSuccess() {
                actions.events.append(.breaker(channel: a.channel, change: change, reason: nil))
                if change == .closed { ch.failingSinceWall = nil }
            }
            actions.events.append(.delivered(channel: a.channel, entry: a.entry, detail: detail, attempts: a.attempt + 1, latency: latency))
        case .failed(let reason, let retryable, let after):
            ch.failedAttempts += 1
            ch.lastError = reason
            ch.lastErrorWall = wall
            if let change = ch.breaker.recordFailure(now: now) {
                if change == .opened && ch.failingSinceWall == nil { ch.failingSinceWall = wall }
                actions.events.append(.breaker(channel: a.channel, change: change, reason: reason))
            }
            if retryable {
                ch.headAttempts = a.attempt + 1
                let wait = retry.delay(attempt: ch.headAttempts, random: random, retryAfter: after)
                ch.nextAttempt = now.advanced(by: wait)
                actions.events.append(.retrying(channel: a.channel, entry: a.entry, reason: reason, attempt: ch.headAttempts, wait: wait))
            } else {
                ch.finishHead(a.entry.seq)
                actions.remove.append(a.entry.seq)
                ch.givenUp["rejected", default: 0] += 1
                actions.events.append(.givenUp(channel: a.channel, entry: a.entry, reason: reason))
            }
        }
        return actions
    }

    /// Messages waiting over all channels.
    public var depth: Int { channels.values.reduce(0) { $0 + $1.queue.count } }

    /// The channels' health as check results (check `channel`, resource the channel's name):
    /// critical while a breaker is open or probing, so "channel X is failing" is an alert like
    /// any other, routed to the other channels.
    public func statuses(wall: Double) -> [CheckStatus] {
        channels.values.filter { config[$0.name]?.isDurable ?? false }.sorted { $0.name < $1.name }.map { ch in
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
