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
    private let gate: LogFloodGate?

    /// `gate`, when given, summarises bursts of identical events (see `LogFloodGate`).
    public init(label: String, sink: LogSink, level: Logger.Level, gate: LogFloodGate? = nil) {
        self.label = label
        self.sink = sink
        self.logLevel = level
        self.gate = gate
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
        for (k, v) in merged.sorted(by: { $0.key < $1.key }) { fields.append((k, "\(v)")) }
        if let error = event.error { fields.append(("error", "\(error)")) }
        let record = LogFloodGate.Record(
            priority: Self.priority(event.level), message: "\(event.message)", fields: fields,
            source: (event.file, event.line, event.function))
        for r in gate?.filter(record) ?? [record] { write(r) }
    }

    /// Writes records (such as a gate's flushed summaries) through this handler's sink.
    public func write(_ record: LogFloodGate.Record) {
        var fields = record.fields.map { (fieldName($0.0), $0.1) }
        if sink == .journal {
            fields.append(("CODE_FILE", record.source.file))
            fields.append(("CODE_LINE", "\(record.source.line)"))
            fields.append(("CODE_FUNC", record.source.function))
            fields.append(("VITALS_COMPONENT", label))
        } else {
            fields.insert(("component", label), at: 0)
        }
        sink.write(priority: record.priority, message: record.message, fields: fields)
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
