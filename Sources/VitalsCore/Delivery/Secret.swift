/// A password, token or key. It prints as `<secret>` in every description, dump, log line, error
/// and status document; only `reveal()` gives the value, at the moment a notifier uses it.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    private let value: String
    /// Where the value came from ("file /etc/vitals/smtp.pass", "credential smtp-password"), to
    /// name in errors.
    public let source: String

    public init(_ value: String, source: String) {
        self.value = value
        self.source = source
    }

    /// The value itself, for the wire only.
    public func reveal() -> String { value }

    public var description: String { "<secret>" }
    public var debugDescription: String { "<secret>" }
}

extension Secret: CustomReflectable {
    /// `dump()` and reflection show the source, never the value.
    public var customMirror: Mirror { Mirror(self, children: ["source": source], displayStyle: .struct) }
}
