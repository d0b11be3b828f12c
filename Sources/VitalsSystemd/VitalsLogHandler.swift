public import Logging
import VitalsCore

/// The one swift-log handler vitals uses: structured fields to the journal (`VITALS_CHECK`,
/// `MESSAGE_ID`, ...) or to JSON lines on stderr, chosen by `LogSink`.
public struct VitalsLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let label: String
    private let sink: LogSink

    public init(label: String, sink: LogSink, level: Logger.Level) {
        self.label = label
        self.sink = sink
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let m = event.metadata { merged.merge(m) { _, new in new } }
        var fields: [(String, String)] = []
        for (k, v) in merged.sorted(by: { $0.key < $1.key }) {
            fields.append((fieldName(k), "\(v)"))
        }
        if let error = event.error { fields.append((fieldName("error"), "\(error)")) }
        if sink == .journal {
            fields.append(("CODE_FILE", event.file))
            fields.append(("CODE_LINE", "\(event.line)"))
            fields.append(("CODE_FUNC", event.function))
            fields.append(("VITALS_COMPONENT", label))
        } else {
            fields.insert(("component", label), at: 0)
        }
        sink.write(priority: Self.priority(event.level), message: "\(event.message)", fields: fields)
    }

    private func fieldName(_ key: String) -> String {
        guard sink == .journal else { return key }
        if key == LogKey.messageID { return "MESSAGE_ID" }
        let cleaned = key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
        return "VITALS_" + String(cleaned)
    }

    /// syslog priority of a swift-log level.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
