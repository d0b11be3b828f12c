import CYAML

/// Where a configuration value came from, for error messages and `config show`.
public enum ConfigSource: Sendable, Equatable, CustomStringConvertible {
    /// A file, with 1-based line and column.
    case file(String, line: Int, column: Int)
    /// An environment variable.
    case environment(String)
    /// A command-line option such as `--interval`.
    case commandLine(String)
    /// The embedded default.
    case builtin

    public var description: String {
        switch self {
        case .file(let f, let l, let c): "\(f):\(l):\(c)"
        case .environment(let v): "environment \(v)"
        case .commandLine(let o): "command line \(o)"
        case .builtin: "default"
        }
    }
}

/// A YAML node that remembers where it was written.
public struct YAMLNode: Sendable {
    public enum Kind: Sendable {
        /// A scalar and whether it was plain (unquoted): only plain `null`, `~` or `off` mean "none".
        case scalar(String, plain: Bool)
        case mapping([(key: YAMLNode, value: YAMLNode)])
        case sequence([YAMLNode])
    }

    public var kind: Kind
    public var source: ConfigSource

    public init(_ kind: Kind, source: ConfigSource) {
        self.kind = kind
        self.source = source
    }

    /// The scalar text, if this is a scalar.
    public var scalar: String? {
        if case .scalar(let s, _) = kind { return s }
        return nil
    }

    /// The value of `key` when this is a mapping that has it.
    func mappingValue(_ key: String) -> YAMLNode? {
        if case .mapping(let pairs) = kind { return pairs.first { $0.key.scalar == key }?.value }
        return nil
    }

    /// A plain scalar meaning "nothing": `null`, `~`, `off`, or empty.
    public var isNull: Bool {
        if case .scalar(let s, let plain) = kind { return plain && ["", "null", "~", "off", "Null", "NULL"].contains(s) }
        return false
    }

    /// What the node is, for "expected X, got Y" messages.
    public var shape: String {
        switch kind {
        case .scalar(let s, _): "\"\(s)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }
}

/// A YAML syntax error with its position.
public struct YAMLSyntaxError: Error, Sendable, CustomStringConvertible {
    public var source: ConfigSource
    public var message: String
    public var description: String { "\(source): \(message)" }
}

/// Parses YAML text with Debian's libyaml into a `YAMLNode` tree (one document; no anchors or
/// aliases, which a configuration file does not need). Returns nil for an empty document.
public enum YAMLParser {
    /// The deepest nesting of mappings and lists accepted (deeper input is refused at that line,
    /// before it can exhaust the stack of whatever walks the tree).
    public static let maxDepth = 64

    public static func parse(_ text: String, file: String) throws(YAMLSyntaxError) -> YAMLNode? {
        try parse(text) { line, column in .file(file, line: line, column: column) }
    }

    /// Parses with a custom source for every node (environment values).
    public static func parse(_ text: String, source: (Int, Int) -> ConfigSource) throws(YAMLSyntaxError) -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLSyntaxError(source: source(1, 1), message: "cannot initialise the YAML parser (out of memory)")
        }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buf throws(YAMLSyntaxError) -> YAMLNode? in
            yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count)
            var builder = TreeBuilder()
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    let problem = parser.problem.map { String(cString: $0) } ?? "syntax error"
                    let context = parser.context.map { String(cString: $0) + " " } ?? ""
                    throw YAMLSyntaxError(
                        source: source(Int(parser.problem_mark.line) + 1, Int(parser.problem_mark.column) + 1),
                        message: "YAML syntax: \(context)\(problem)")
                }
                defer { yaml_event_delete(&event) }
                let at = source(Int(event.start_mark.line) + 1, Int(event.start_mark.column) + 1)
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return builder.root
                case YAML_DOCUMENT_START_EVENT:
                    if builder.documents > 0 {
                        throw YAMLSyntaxError(source: at, message: "only one YAML document is allowed; remove the second '---'")
                    }
                    builder.documents += 1
                case YAML_ALIAS_EVENT:
                    throw YAMLSyntaxError(source: at, message: "YAML aliases (*name) are not supported; write the value out")
                case YAML_SCALAR_EVENT:
                    let s = event.data.scalar
                    let value = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
                    builder.add(YAMLNode(.scalar(value, plain: s.style == YAML_PLAIN_SCALAR_STYLE), source: at))
                case YAML_MAPPING_START_EVENT, YAML_SEQUENCE_START_EVENT:
                    guard builder.depth < YAMLParser.maxDepth else {
                        throw YAMLSyntaxError(
                            source: at,
                            message: "nested more than \(YAMLParser.maxDepth) levels deep; a vitals configuration needs at most 6, so this is not one"
                        )
                    }
                    builder.open(YAMLNode(event.type == YAML_MAPPING_START_EVENT ? .mapping([]) : .sequence([]), source: at))
                case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT:
                    builder.close()
                default:
                    break
                }
            }
        }
    }
}

/// Assembles nodes from parser events. Each open collection is a frame whose children are
/// appended in place, so loading is linear in the file (a node copied out of its parent for every
/// append made a 3 MiB list take minutes).
private struct TreeBuilder {
    struct Frame {
        var node: YAMLNode
        var items: [YAMLNode] = []
        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
        var pendingKey: YAMLNode?
        var isMapping: Bool
    }

    var stack: [Frame] = []
    var root: YAMLNode?
    var documents = 0
    var depth: Int { stack.count }

    mutating func open(_ node: YAMLNode) {
        if case .mapping = node.kind {
            stack.append(Frame(node: node, isMapping: true))
        } else {
            stack.append(Frame(node: node, isMapping: false))
        }
    }

    mutating func close() {
        guard var frame = stack.popLast() else { return }
        frame.node.kind = frame.isMapping ? .mapping(frame.pairs) : .sequence(frame.items)
        add(frame.node)
    }

    mutating func add(_ node: YAMLNode) {
        guard !stack.isEmpty else {
            root = node
            return
        }
        let top = stack.count - 1
        if stack[top].isMapping {
            if let key = stack[top].pendingKey {
                stack[top].pairs.append((key, node))
                stack[top].pendingKey = nil
            } else {
                stack[top].pendingKey = node
            }
        } else {
            stack[top].items.append(node)
        }
    }
}
