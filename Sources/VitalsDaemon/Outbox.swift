public import VitalsCore
import VitalsProcFS

#if canImport(Glibc)
    import Glibc
#endif

/// One message waiting for its channel, as the outbox keeps it on disk.
public struct OutboxEntry: Sendable, Equatable, Codable {
    /// Increases with every message written: the order of delivery within a channel.
    public var seq: UInt64
    /// The channel it goes to now (a failing channel's fallback, after a hand-over).
    public var channel: String
    /// The channel it was meant for, when a fallback carries it.
    public var via: String?
    /// Unix time it was written.
    public var createdWall: Double
    public var message: ChannelMessage

    enum CodingKeys: String, CodingKey {
        case seq, channel, via, message
        case createdWall = "created"
    }
}

/// The durable outbox: one file per message in `<state>/outbox/`, written (tmp, fsync, rename,
/// directory fsync) before the first attempt and removed only after the channel took it, so a
/// kill -9, a crash or a reboot loses nothing. The file name starts with the sequence number, so
/// a directory listing is the delivery order.
public struct OutboxStore: Sendable {
    public let directory: String

    public init(stateDirectory: String) { directory = stateDirectory + "/outbox" }

    /// Creates the folder (mode 0700).
    public func prepare() throws(VitalsError) {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw VitalsError(
                .io, "cannot create the outbox \(directory); the state directory must be writable by vitals", cause: String(cString: strerror(errno)))
        }
    }

    func path(_ seq: UInt64) -> String {
        let digits = String(seq)
        return "\(directory)/\(String(repeating: "0", count: max(0, 16 - digits.count)))\(digits).json"
    }

    public func write(_ e: OutboxEntry) throws(VitalsError) {
        let data: [UInt8]
        do {
            data = try JSONCodec.encode(e)
        } catch {
            throw VitalsError(.io, "cannot encode an outbox entry", cause: "\(error)")
        }
        try AtomicFile.write(data, to: path(e.seq), failpoint: "outbox")
    }

    public func remove(_ seq: UInt64) {
        unlink(path(seq))
    }

    /// Every entry in sequence order, and the files that could not be read (moved aside).
    public func load(wall: Double) -> (entries: [OutboxEntry], problems: [String]) {
        let listed = (try? Syscalls.listDirectory(directory)) ?? []
        for name in listed where name.hasSuffix(".json.tmp") { unlink("\(directory)/\(name)") }
        let names = listed.filter { $0.hasSuffix(".json") }
        var entries: [OutboxEntry] = []
        var problems: [String] = []
        for name in names.sorted() {
            let file = "\(directory)/\(name)"
            do {
                guard let data = try AtomicFile.read(file, maxBytes: 16 << 20) else { continue }
                entries.append(try JSONCodec.decode(OutboxEntry.self, from: data))
            } catch {
                let aside = (try? AtomicFile.moveAside(file, wall: wall, what: "outbox entry")) ?? file
                problems.append("\(file) is not a valid outbox entry (\(error)); moved to \(aside)")
            }
        }
        return (entries.sorted { $0.seq < $1.seq }, problems)
    }
}
