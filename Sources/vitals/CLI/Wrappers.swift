/// A value an option or argument takes from its text.
protocol ExpressibleByArgument {
    init?(argument: String)
    /// The accepted values, for help and completion (enumerations).
    static var allValueStrings: [String] { get }
}

extension ExpressibleByArgument {
    static var allValueStrings: [String] { [] }
}

extension String: ExpressibleByArgument {
    init?(argument: String) { self = argument }
}

extension Int: ExpressibleByArgument {
    init?(argument: String) { self.init(argument) }
}

extension UInt64: ExpressibleByArgument {
    init?(argument: String) { self.init(argument) }
}

extension RawRepresentable where Self: ExpressibleByArgument, RawValue == String {
    init?(argument: String) { self.init(rawValue: argument) }
}

extension RawRepresentable where Self: ExpressibleByArgument, Self: CaseIterable, RawValue == String {
    static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// An option's long name when it is not the property's name in kebab case.
struct NameSpecification {
    var long: String
    static func customLong(_ name: String) -> NameSpecification { NameSpecification(long: name) }
}

/// How an array option takes its values.
enum ArrayParsingStrategy {
    /// `--match a b --other`: every value up to the next option (and `--match a --match b`).
    case upToNextOption
    /// One value per `--match`.
    case singleValue
}

/// A help text with the value's name in the usage (`--every <calendar>`).
struct ArgumentHelp: ExpressibleByStringLiteral {
    var text: String
    var valueName: String?
    init(_ text: String, valueName: String? = nil) {
        self.text = text
        self.valueName = valueName
    }
    init(stringLiteral value: String) { self.init(value) }
}

/// What the parser knows of one declared option, flag or argument, and what it found.
final class ArgumentSlot {
    enum Kind { case option, flag, argument }

    let kind: Kind
    var name: String
    let help: ArgumentHelp
    /// Whether the command line must give it (no default, not optional).
    let required: Bool
    /// Whether it may be given more than once, and how its values are taken.
    let array: ArrayParsingStrategy?
    /// Enumerated values, for help and completion.
    let choices: [String]
    /// Reads one value; nil when the text is not one.
    let convert: (String) -> Any?
    /// What was found: `[Value]` for arrays, `Value` otherwise, `true` for a flag.
    var value: Any?

    init(
        kind: Kind, name: String?, help: ArgumentHelp, required: Bool, array: ArrayParsingStrategy? = nil, choices: [String] = [],
        convert: @escaping (String) -> Any?
    ) {
        self.kind = kind
        self.name = name ?? ""
        self.help = help
        self.required = required
        self.array = array
        self.choices = choices
        self.convert = convert
    }

    /// `--name <value>`, `--name` or `<name>`, as usage and errors show it.
    var label: String {
        switch kind {
        case .flag: "--\(name)"
        case .option: "--\(name) <\(help.valueName ?? name)>"
        case .argument: "<\(help.valueName ?? name)>"
        }
    }
}

/// A property wrapper the parser finds by reflection.
protocol ArgumentWrapper {
    /// The slots it declares; `label` is the property's name (names options that do not name themselves).
    func slots(label: String) -> [ArgumentSlot]
}

/// A wrapper that declares one slot, named after its property unless it names itself.
protocol SingleSlotWrapper: ArgumentWrapper {
    var slot: ArgumentSlot { get }
}

extension SingleSlotWrapper {
    func slots(label: String) -> [ArgumentSlot] {
        if slot.name.isEmpty { slot.name = CLIName.kebab(label) }
        return [slot]
    }
}

extension ArgumentSlot {
    /// The value found on the command line, else the declared default (nil only for a required
    /// slot, which the parser has made sure of).
    func read<Value>(_ fallback: Value?) -> Value {
        if let v = value as? Value { return v }
        return fallback!
    }
}

/// `--name <value>`: an option with a value.
@propertyWrapper
struct Option<Value>: SingleSlotWrapper {
    let slot: ArgumentSlot
    private let fallback: Value?

    var wrappedValue: Value {
        get { slot.read(fallback) }
        set { slot.value = newValue }
    }

    /// An option with a default.
    init(wrappedValue: Value, name: NameSpecification? = nil, help: ArgumentHelp = "") where Value: ExpressibleByArgument {
        slot = ArgumentSlot(kind: .option, name: name?.long, help: help, required: false, choices: Value.allValueStrings) { Value(argument: $0) }
        fallback = wrappedValue
    }

    /// A required option.
    init(name: NameSpecification? = nil, help: ArgumentHelp = "") where Value: ExpressibleByArgument {
        slot = ArgumentSlot(kind: .option, name: name?.long, help: help, required: true, choices: Value.allValueStrings) { Value(argument: $0) }
        fallback = nil
    }

    /// An optional option (nil when not given).
    init<T: ExpressibleByArgument>(name: NameSpecification? = nil, help: ArgumentHelp = "") where Value == T? {
        slot = ArgumentSlot(kind: .option, name: name?.long, help: help, required: false, choices: T.allValueStrings) { T(argument: $0) }
        fallback = .some(nil)
    }

    /// An option given any number of times (its values are strings, checked by the command).
    init(wrappedValue: [String], name: NameSpecification? = nil, parsing: ArrayParsingStrategy = .singleValue, help: ArgumentHelp = "")
    where Value == [String] {
        slot = ArgumentSlot(kind: .option, name: name?.long, help: help, required: false, array: parsing) { $0 }
        fallback = wrappedValue
    }
}

/// `--name`: a flag, false unless given.
@propertyWrapper
struct Flag: SingleSlotWrapper {
    let slot: ArgumentSlot

    var wrappedValue: Bool {
        get { slot.value as? Bool ?? false }
        set { slot.value = newValue }
    }

    init(wrappedValue: Bool = false, name: NameSpecification? = nil, help: ArgumentHelp = "") {
        slot = ArgumentSlot(kind: .flag, name: name?.long, help: help, required: false) { _ in true }
        if wrappedValue { slot.value = true }
    }
}

/// `<name>`: a positional argument.
@propertyWrapper
struct Argument<Value>: SingleSlotWrapper {
    let slot: ArgumentSlot
    private let fallback: Value?

    var wrappedValue: Value {
        get { slot.read(fallback) }
        set { slot.value = newValue }
    }

    /// A required argument.
    init(help: ArgumentHelp = "") where Value: ExpressibleByArgument {
        slot = ArgumentSlot(kind: .argument, name: nil, help: help, required: true) { Value(argument: $0) }
        fallback = nil
    }

    /// An optional argument.
    init<T: ExpressibleByArgument>(help: ArgumentHelp = "") where Value == T? {
        slot = ArgumentSlot(kind: .argument, name: nil, help: help, required: false) { T(argument: $0) }
        fallback = .some(nil)
    }
}

/// Options declared once and shared by several commands.
@propertyWrapper
struct OptionGroup<Value: ParsableArguments>: ArgumentWrapper {
    var wrappedValue: Value

    init() { wrappedValue = Value() }

    func slots(label: String) -> [ArgumentSlot] { CLIReflection.slots(of: wrappedValue) }
}

/// Finds the declared options of a command by reflection over a fresh instance.
enum CLIReflection {
    static func slots(of value: Any) -> [ArgumentSlot] {
        var out: [ArgumentSlot] = []
        for child in Mirror(reflecting: value).children {
            guard let w = child.value as? any ArgumentWrapper else { continue }
            let label = child.label.map { $0.hasPrefix("_") ? String($0.dropFirst()) : $0 } ?? ""
            out += w.slots(label: label)
        }
        return out
    }
}
