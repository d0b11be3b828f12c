import Synchronization
public import VitalsCore
public import VitalsNotify

/// The delivery state of every channel behind a lock, with the outbox on disk: the decisions are
/// `DeliveryQueue`'s (pure), taken under the lock; the outbox files they call for are written and
/// removed here, after the lock is released, so a slow disk never holds up a reader or another
/// channel. Shared by the alert stage (which enqueues), the delivery service (which attempts) and
/// the status socket (which reads).
public final class Delivery: Sendable {
    public typealias Channel = DeliveryQueue.Channel
    public typealias Event = DeliveryQueue.Event
    public typealias Attempt = DeliveryQueue.Attempt
    public static var maxMessages: Int { DeliveryQueue.maxMessages }
    public static var maxPerChannel: Int { DeliveryQueue.maxPerChannel }
    public static var latencyBuckets: [Double] { DeliveryQueue.latencyBuckets }

    private let queue = Mutex(DeliveryQueue())
    let store: OutboxStore?

    /// `store` nil keeps the outbox in memory only (no state directory).
    public init(store: OutboxStore?) { self.store = store }

    /// Applies the channels in force (at start and on reload); channels that left the
    /// configuration keep their queue until it drains or is handed over.
    public func configure(_ channels: [ChannelConfig]) { queue.withLock { $0.configure(channels) } }

    /// Loads what the previous run left in the outbox.
    public func restore(wall: Double) -> (count: Int, problems: [String]) {
        guard let store else { return (0, []) }
        let (entries, problems) = store.load(wall: wall)
        queue.withLock { $0.restore(entries) }
        return (entries.count, problems)
    }

    /// Writes a message to the outbox (durably, before any attempt) and queues it. When the write
    /// fails the message is still queued in memory (a restart now would lose it): `writeError`
    /// says why. `events` are those of an overflow (the oldest messages dropped).
    public func enqueue(_ m: ChannelMessage, wall: Double) -> (events: [Event], writeError: VitalsError?) {
        let entry = queue.withLock { $0.entry(for: m, wall: wall) }
        var writeError: VitalsError?
        do {
            try store?.write(entry)
        } catch {
            writeError = error
        }
        let actions = queue.withLock { $0.append(entry, saved: writeError == nil, wall: wall) }
        return (carryOut(actions).events, writeError)
    }

    /// Writes to the outbox the messages that a failed write left in memory only (the disk was
    /// full, and may have room again). Called on every delivery tick, so once the disk has room a
    /// restart loses nothing. Returns how many are still in memory only and the error that stops them.
    public func persistUnsaved() -> (left: Int, error: VitalsError?) {
        guard store != nil else { return (0, nil) }
        return persist(queue.withLock { $0.takeUnsaved() })
    }

    /// Whether messages wait in memory only (their outbox write failed).
    public var hasUnsaved: Bool { queue.withLock { !$0.unsaved.isEmpty } }
    /// Whether nothing waits: every channel's queue empty, nothing in flight or unsaved.
    public var isIdle: Bool { queue.withLock { $0.isIdle } }

    /// Writes `entries` to the outbox, outside the lock, in order; stops at the first failure and
    /// leaves that entry and the rest unsaved (`persistUnsaved` tries again).
    private func persist(_ entries: [OutboxEntry]) -> (left: Int, error: VitalsError?) {
        guard let store else { return (0, nil) }
        for (i, e) in entries.enumerated() {
            do {
                try store.write(e)
            } catch {
                queue.withLock { $0.notSaved(entries[i...].map(\.seq)) }
                return (entries.count - i, error)
            }
            // Delivered or dropped while it was written: its file goes again.
            if queue.withLock({ $0.saved(e.seq) }) { store.remove(e.seq) }
        }
        return (0, nil)
    }

    /// Does the file work a decision calls for (removals and writes concern different messages:
    /// a hand-over rewrites its entries for the fallback, or removes them for a `log` fallback)
    /// and passes the attempts and events on.
    private func carryOut(_ actions: DeliveryQueue.Actions) -> DeliveryQueue.Actions {
        if let store {
            for seq in actions.remove { store.remove(seq) }
            if !actions.persist.isEmpty { _ = persist(actions.persist) }
        }
        return actions
    }

    /// The attempts that are due now (see `DeliveryQueue.due`), and the events of deciding them.
    public func due(now: ContinuousClock.Instant, wall: Double) -> (attempts: [Attempt], events: [Event]) {
        let actions = carryOut(queue.withLock { $0.due(now: now, wall: wall) })
        return (actions.attempts, actions.events)
    }

    /// Records what an attempt came to (see `DeliveryQueue.complete`).
    public func complete(_ a: Attempt, outcome: DeliveryOutcome, now: ContinuousClock.Instant, wall: Double, random: Double) -> [Event] {
        if case .delivered = outcome { Failpoint.hit("delivery-after-2xx") }
        return carryOut(queue.withLock { $0.complete(a, outcome: outcome, now: now, wall: wall, random: random) }).events
    }

    /// Every channel's state, by name.
    public var channels: [Channel] { queue.withLock { q in q.channels.values.sorted { $0.name < $1.name } } }

    /// Messages waiting over all channels.
    public var depth: Int { queue.withLock { $0.depth } }

    /// The channels' health as check results (see `DeliveryQueue.statuses`).
    public func statuses(wall: Double) -> [CheckStatus] { queue.withLock { $0.statuses(wall: wall) } }
}
