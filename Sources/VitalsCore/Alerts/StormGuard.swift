/// One message for one channel: the notifications grouped into it, and the digest of what the
/// storm limits held back, when there is one.
public struct ChannelMessage: Sendable, Equatable, Codable {
    public var channel: String
    public var notifications: [AlertNotification]
    /// Alerts folded because a limit was reached (sent with the next message the limits allow).
    public var digest: Digest?
    /// True when this message used the last of the hour's allowance: what follows is folded.
    public var limitReached: Bool
    /// Unix time the message was formed.
    public var at: Double

    public init(channel: String, notifications: [AlertNotification], digest: Digest? = nil, limitReached: Bool = false, at: Double) {
        self.channel = channel
        self.notifications = notifications
        self.digest = digest
        self.limitReached = limitReached
        self.at = at
    }

    /// `<channel>:<first idempotency key>+<count>`: the same message always has the same key.
    public var key: String {
        let first = notifications.first?.idempotencyKey ?? "digest-\(Int(at))"
        return "\(channel):\(first)+\(notifications.count + (digest == nil ? 0 : 1))"
    }
}

/// What a storm limit held back: counted, with the first entries named. Never dropped silently.
public struct Digest: Sendable, Equatable, Codable, CustomStringConvertible {
    /// One folded notification, as a line.
    public struct Entry: Sendable, Equatable, Codable {
        public var fingerprint: Fingerprint
        public var alertname: String
        public var resource: String?
        public var severity: Severity
        public var reason: NotificationReason
        public var at: Double
    }

    /// Entries beyond this are only counted.
    public static let maxEntries = 20

    public var count = 0
    public var entries: [Entry] = []
    /// Unix time of the first folded notification.
    public var since: Double?

    public init() {}

    mutating func fold(_ n: AlertNotification) {
        count += 1
        since = since ?? n.at
        guard entries.count < Self.maxEntries else { return }
        entries.append(
            Entry(
                fingerprint: n.fingerprint, alertname: n.labels["alertname"] ?? "", resource: n.labels["resource"], severity: n.severity,
                reason: n.reason, at: n.at))
    }

    /// "12 further alerts suppressed: VitalsDiskSpace /srv critical (first), ... and 2 more".
    public var description: String {
        let named = entries.map { e in
            ([e.alertname] + (e.resource.map { [$0] } ?? []) + ["\(e.severity) (\(e.reason.rawValue))"]).joined(separator: " ")
        }
        let more = count > entries.count ? " and \(count - entries.count) more" : ""
        return "\(count) further alert\(count == 1 ? "" : "s") suppressed by the storm limit: \(named.joined(separator: ", "))\(more)"
    }
}

/// Groups notifications per channel and enforces the storm limits (pure; times are Unix seconds
/// so the state survives a restart in the state file).
///
/// Notifications for a channel wait in a group until `groupWait` has passed since the first, then
/// go out as one message. A message sends as many alerts as the hour's allowance of its channel
/// and of all channels together still permits; the rest are folded into that channel's digest,
/// which goes out with the next message the limits allow, or alone once the allowance returns.
public struct StormGuard: Sendable, Equatable, Codable {
    /// Waiting notifications per channel, in arrival order, and when each group began.
    public private(set) var pending: [String: [AlertNotification]] = [:]
    public private(set) var pendingSince: [String: Double] = [:]
    /// Alerts sent in the last hour, per channel and over all.
    public private(set) var sentTimes: [String: [Double]] = [:]
    public private(set) var sentAll: [Double] = []
    /// What the limits held back, per channel.
    public private(set) var folded: [String: Digest] = [:]

    public static let window: Double = 3600

    public init() {}

    /// Queues a notification for its channels.
    public mutating func add(_ n: AlertNotification, channels: [String]) {
        for c in channels {
            if pending[c, default: []].isEmpty { pendingSince[c] = n.at }
            pending[c, default: []].append(n)
        }
    }

    /// Whether anything waits (a group or a digest).
    public var isIdle: Bool { pending.values.allSatisfy(\.isEmpty) && folded.isEmpty }

    /// The messages due at `wall` under `config`. Channels that no longer exist get their groups
    /// delivered to nobody: they are returned too, and the caller reports them.
    public mutating func flush(wall: Double, config: NotifyConfig) -> [ChannelMessage] {
        prune(wall)
        var out: [ChannelMessage] = []
        let names = Set(pending.keys).union(folded.keys).sorted()
        for c in names {
            let waiting = pending[c] ?? []
            let since = pendingSince[c] ?? wall
            // A clock set back must not hold a group for the time it jumped.
            let due = !waiting.isEmpty && (wall - since >= config.groupWait.seconds - 1e-9 || wall < since)
            let channelLimit = config.channel(named: c)?.maxAlertsPerHour
            var room = min(
                channelLimit.map { $0 - (sentTimes[c]?.count ?? 0) } ?? Int.max,
                config.maxAlertsPerHour.map { $0 - sentAll.count } ?? Int.max)
            guard due || (folded[c] != nil && room > 0) else { continue }
            var digest: Digest?
            if let d = folded[c], room > 0 {
                digest = d
                folded[c] = nil
                room -= 1
            }
            var send: [AlertNotification] = []
            if due {
                for n in waiting {
                    if room > 0 {
                        send.append(n)
                        room -= 1
                    } else {
                        folded[c, default: Digest()].fold(n)
                    }
                }
                pending[c] = nil
                pendingSince[c] = nil
            }
            let count = send.count + (digest == nil ? 0 : 1)
            guard count > 0 else { continue }
            sentTimes[c, default: []] += Array(repeating: wall, count: count)
            sentAll += Array(repeating: wall, count: count)
            out.append(ChannelMessage(channel: c, notifications: send, digest: digest, limitReached: room <= 0 && count > 0, at: wall))
        }
        return out
    }

    /// Takes back messages found in the outbox that the saved state does not count yet (the agent
    /// died after writing a message and before writing its state): their notifications leave the
    /// waiting groups, a digest they carry leaves the fold, and they count against the hour's
    /// allowance. A message the state already counts changes nothing, so every outbox message
    /// can be passed.
    public mutating func recover(sent messages: [ChannelMessage]) {
        for m in messages {
            let c = m.channel
            let keys = Set(m.notifications.map(\.idempotencyKey))
            if var waiting = pending[c], !keys.isEmpty {
                waiting.removeAll { keys.contains($0.idempotencyKey) }
                pending[c] = waiting.isEmpty ? nil : waiting
                if waiting.isEmpty { pendingSince[c] = nil }
            }
            // The fold the message took is exactly the one saved before it was formed.
            if let d = m.digest, folded[c] == d { folded[c] = nil }
            let count = m.notifications.count + (m.digest == nil ? 0 : 1)
            if count > 0, !(sentTimes[c]?.contains(m.at) ?? false) {
                sentTimes[c, default: []] += Array(repeating: m.at, count: count)
                sentAll += Array(repeating: m.at, count: count)
            }
        }
    }

    /// Drops sending times older than the window.
    private mutating func prune(_ wall: Double) {
        let cutoff = wall - Self.window
        sentAll.removeAll { $0 <= cutoff }
        for (c, times) in sentTimes {
            let kept = times.filter { $0 > cutoff }
            sentTimes[c] = kept.isEmpty ? nil : kept
        }
    }
}
