/// Issue 19: an operator's own mail subject and body, and webhook summary. A small template
/// language with no code in it: text with `{{ field }}` placeholders, each a field of the alert
/// (`{{ severity }}`, `{{ labels.team }}`, `{{ annotations.unit }}`) and optional filters
/// (`{{ severity | upper }}`). Checked when the configuration is read: an unknown field or a
/// broken placeholder is refused with its position. Rendering cannot fail: a label the alert
/// does not have renders empty.
public struct MessageTemplate: Sendable, Equatable, CustomStringConvertible {
    /// The text as written.
    public let source: String
    let parts: [Part]

    enum Part: Sendable, Equatable {
        case text(String)
        case field(Field, filters: [Filter])
    }

    /// What a placeholder names.
    enum Field: Sendable, Equatable {
        case named(String)
        case label(String)
        case annotation(String)
    }

    enum Filter: String, Sendable, CaseIterable {
        case upper, lower
    }

    /// The fields of one alert a template can name, with what they hold.
    public static let fields: [(name: String, meaning: String)] = [
        ("alertname", "VitalsDisk, or the custom check's name"), ("instance", "the host"), ("check", "disk, load, a custom check"),
        ("resource", "/srv, eth0, a unit; empty when none"), ("severity", "critical, warning, unknown, stale, ok"),
        ("status", "firing or resolved"), ("message", "the check's message"), ("value", "the value compared with the limit"),
        ("threshold", "the limit it passed"), ("unit", "%, B, s..."), ("since", "when it began (RFC 3339)"),
        ("duration", "how long it lasted (a recovery)"), ("reason", "why it was sent now"), ("previous", "the severity before"),
        ("fingerprint", "the alert's id"), ("culprits", "the units behind the value"), ("acked_by", "who acknowledged it"),
        ("count", "how many alerts the message carries"), ("channel", "the channel's name"),
    ]

    /// At most this many bytes and placeholders: a template is a line or a short page.
    public static let maxBytes = 4096
    public static let maxPlaceholders = 100

    /// Parses `text`; the error names the character where the problem is (from 1) and the fix.
    public init(_ text: String) throws(VitalsError) {
        source = text
        guard text.utf8.count <= Self.maxBytes else {
            throw VitalsError(.config, "a template is at most \(Self.maxBytes) bytes; this one has \(text.utf8.count)")
        }
        var parts: [Part] = []
        var rest = Substring(text)
        var placeholders = 0
        func position(_ s: Substring) -> Int { text.distance(from: text.startIndex, to: s.startIndex) + 1 }
        while !rest.isEmpty {
            guard let open = rest.rangeOfText("{{") else {
                parts.append(.text(String(rest)))
                break
            }
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            let inner = rest[open.upperBound...]
            guard let close = inner.rangeOfText("}}") else {
                throw VitalsError(.config, "character \(position(rest[open.lowerBound...])): \"{{\" is not closed with \"}}\"")
            }
            placeholders += 1
            guard placeholders <= Self.maxPlaceholders else {
                throw VitalsError(.config, "more than \(Self.maxPlaceholders) placeholders")
            }
            let body = inner[..<close.lowerBound]
            let at = position(inner)
            let pieces = body.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
            let name = pieces[0]
            var filters: [Filter] = []
            for f in pieces.dropFirst() {
                guard let filter = Filter(rawValue: String(f)) else {
                    throw VitalsError(
                        .config, "character \(at): \"\(f)\" is not a filter; filters are \(Filter.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                filters.append(filter)
            }
            parts.append(.field(try Self.field(String(name), at: at), filters: filters))
            rest = inner[close.upperBound...]
        }
        self.parts = parts
    }

    static func field(_ name: String, at: Int) throws(VitalsError) -> Field {
        let known = fields.map(\.name)
        if known.contains(name) { return .named(name) }
        for (prefix, make) in [("labels.", Field.label), ("annotations.", Field.annotation)] where name.hasPrefix(prefix) {
            let key = String(name.dropFirst(prefix.count))
            guard LabelSet.isValidName(key) else {
                throw VitalsError(.config, "character \(at): \"\(key)\" is not a label or annotation name (letters, digits and _)")
            }
            return make(key)
        }
        throw VitalsError(
            .config,
            "character \(at): \"\(name)\" is not a field; fields are \(known.joined(separator: ", ")), labels.NAME and annotations.NAME")
    }

    /// The text for one alert of a message of `count` alerts sent to `channel`.
    public func render(_ n: AlertNotification, instance: String, count: Int, channel: String) -> String {
        var out = ""
        for p in parts {
            switch p {
            case .text(let t): out += t
            case .field(let f, let filters):
                var v = Self.value(f, n, instance: instance, count: count, channel: channel)
                for filter in filters {
                    switch filter {
                    case .upper: v = v.uppercased()
                    case .lower: v = v.lowercased()
                    }
                }
                out += v
            }
        }
        return out
    }

    static func value(_ f: Field, _ n: AlertNotification, instance: String, count: Int, channel: String) -> String {
        switch f {
        case .label(let k): return n.labels[k] ?? ""
        case .annotation(let k): return n.annotations?[k] ?? ""
        case .named(let name):
            switch name {
            case "alertname": return n.labels["alertname"] ?? ""
            case "instance": return instance
            case "check": return n.labels["check"] ?? ""
            case "resource": return n.labels["resource"] ?? ""
            case "severity": return n.severity.description
            case "status": return n.severity == .ok ? "resolved" : "firing"
            case "message": return n.message
            case "value": return n.value.map(Units.formatNumber) ?? ""
            case "threshold": return n.threshold.map(Units.formatNumber) ?? ""
            case "unit": return n.annotations?["unit"] ?? ""
            case "since": return Timestamp.rfc3339(n.startsAt)
            case "duration": return n.duration.map(Units.formatDuration) ?? ""
            case "reason": return n.reason.description
            case "previous": return n.previous?.description ?? ""
            case "fingerprint": return n.fingerprint.description
            case "culprits": return (n.culprits ?? []).map(\.description).joined(separator: ", ")
            case "acked_by": return n.acknowledgedBy ?? ""
            case "count": return "\(count)"
            case "channel": return channel
            default: return ""
            }
        }
    }

    public var description: String { source }
}

/// A channel's own texts (issue 19): mail subject and body, webhook summary; nil keeps vitals'
/// own wording.
public struct MessageTemplates: Sendable, Equatable {
    public var subject: MessageTemplate?
    public var body: MessageTemplate?
    public var summary: MessageTemplate?

    public init(subject: MessageTemplate? = nil, body: MessageTemplate? = nil, summary: MessageTemplate? = nil) {
        self.subject = subject
        self.body = body
        self.summary = summary
    }

    public var isEmpty: Bool { subject == nil && body == nil && summary == nil }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
