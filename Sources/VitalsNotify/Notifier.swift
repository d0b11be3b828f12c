public import VitalsCore

/// One message on its way to a channel: what the alert manager decided, and where it stands.
public struct OutgoingMessage: Sendable {
    public var message: ChannelMessage
    /// The host's name (the `instance` label), for subjects and senders.
    public var instance: String
    /// How many attempts came before this one (0 for the first).
    public var attempt: Int
    /// A channel's messages that a failing channel passed on here (`fallback`): its name.
    public var via: String?
    /// Wall time now (Unix seconds), injected.
    public var now: Double
    /// The outbox's sequence number (nil outside the outbox, e.g. a test message).
    public var sequence: UInt64?

    public init(message: ChannelMessage, instance: String, attempt: Int = 0, via: String? = nil, now: Double, sequence: UInt64? = nil) {
        self.sequence = sequence
        self.message = message
        self.instance = instance
        self.attempt = attempt
        self.via = via
        self.now = now
    }

    /// The idempotency key: the same message always has the same key, whatever the attempt.
    public var key: String { message.key }
}

/// What one attempt came to. A notifier never decides policy: it says what happened and whether
/// trying again could help; the outbox decides when.
public enum DeliveryOutcome: Sendable, Equatable {
    /// The receiver accepted the message; `detail` says how ("HTTP 200", "250 2.0.0 queued as 12").
    case delivered(detail: String)
    /// It did not. `retry` false: trying again cannot help (a 4xx, a refused recipient), so the
    /// message is given up and logged. `after`: the receiver asked for this wait (Retry-After).
    case failed(reason: String, retry: Bool, after: Duration? = nil)

    public var isDelivered: Bool {
        if case .delivered = self { return true }
        return false
    }
}

/// A channel's delivery: one message, one attempt.
public protocol Notifier: Sendable {
    /// Delivers `message` once and says what happened; never throws, never retries by itself.
    func deliver(_ message: OutgoingMessage) async -> DeliveryOutcome
    /// Releases connections and clients (called once, when the channel goes away).
    func shutdown() async
}

extension Notifier {
    public func shutdown() async {}
}
