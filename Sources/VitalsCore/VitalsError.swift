/// An error that names the thing that failed, what is wrong with it, and the remedy.
///
/// `code` is stable for programs; `message` is for people ("/proc/loadavg: expected 3 load fields,
/// found 2"); `cause` carries the underlying error text when there is one.
public struct VitalsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable error kind; a struct wrapping an enum so kinds can be added later.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable { case parse, io, config, socket, usage, internalError }
        private let base: Base
        public static let parse = Code(base: .parse)
        public static let io = Code(base: .io)
        public static let config = Code(base: .config)
        public static let socket = Code(base: .socket)
        public static let usage = Code(base: .usage)
        public static let internalError = Code(base: .internalError)
        public var description: String { base.rawValue }
    }

    public var code: Code
    public var message: String
    public var cause: String?
    /// The errno of the system call that failed, when one did: compared as a value (ENOENT,
    /// EACCES, EOPNOTSUPP), never by its text.
    public var osError: Int32?

    public init(_ code: Code, _ message: String, cause: String? = nil, osError: Int32? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
        self.osError = osError
    }

    public var description: String { cause.map { "\(message) (\($0))" } ?? message }

    /// A parse error for a file: "<file>: <what>".
    public static func parse(_ file: String, _ what: String) -> VitalsError {
        VitalsError(.parse, "\(file): \(what)")
    }
}
