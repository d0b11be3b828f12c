extension String {
    /// The text a C call wrote into `buffer`, up to its first NUL (all of it when there is none).
    /// Invalid UTF-8 is replaced, never trusted.
    public init(cBuffer buffer: [CChar]) {
        let end = buffer.firstIndex(of: 0) ?? buffer.count
        self = String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
