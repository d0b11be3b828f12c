/// Issue 19: a self-healing action, Monit's `if failed ... then restart` with the action itself
/// watched. Written in vitals.yaml under `actions:`; it names the alerts it answers by matchers
/// (as routes and silences do) and what it does: restart or reload a systemd unit over D-Bus
/// (never a shell), or run an executable under the plugin runner's containment.
///
/// It runs only for an alert past its check's debounce, at most `maxPerHour` times an hour, waits
/// `settle` after each attempt to see whether the problem cleared, and gives up (with an alert of
/// its own) after `giveUpAfter` attempts in one incident that did not clear it. A silence or a
/// maintenance window that mutes the alert holds its actions too (`ActionLedger`).
public struct ActionDefinition: Sendable, Equatable {
    /// What the action does.
    public enum Effect: Sendable, Equatable {
        /// `systemctl restart UNIT`, as systemd's `RestartUnit` over D-Bus.
        case restart(unit: String)
        /// `systemctl reload UNIT`, as `ReloadUnit`.
        case reload(unit: String)
        /// An executable with its arguments, run as a plugin is (argv, no shell, timeout, limits).
        case exec(argv: [String])

        /// "restart nginx.service", "run /usr/local/sbin/drop-caches".
        public var description: String {
            switch self {
            case .restart(let unit): "restart \(unit)"
            case .reload(let unit): "reload \(unit)"
            case .exec(let argv): "run \(argv[0])"
            }
        }

        /// The past tense for messages: "restarted nginx.service".
        public var done: String {
            switch self {
            case .restart(let unit): "restarted \(unit)"
            case .reload(let unit): "reloaded \(unit)"
            case .exec(let argv): "ran \(argv[0])"
            }
        }

        /// The unit, or the command line as one string.
        public var target: String {
            switch self {
            case .restart(let unit), .reload(let unit): unit
            case .exec(let argv): argv.joined(separator: " ")
            }
        }

        /// The unit of a restart or reload.
        public var unit: String? {
            switch self {
            case .restart(let unit), .reload(let unit): unit
            case .exec: nil
            }
        }

        /// The argv of an exec.
        public var argv: [String]? {
            if case .exec(let argv) = self { return argv }
            return nil
        }

        /// The word for the API and the journal: restart, reload or exec.
        public var kind: String {
            switch self {
            case .restart: "restart"
            case .reload: "reload"
            case .exec: "exec"
            }
        }
    }

    public var name: String
    /// The alerts it answers (at least one matcher; never every alert).
    public var matchers: [LabelMatcher]
    /// The severities that set it off (default critical only).
    public var severities: Set<Severity>
    public var effect: Effect
    /// At most this many attempts an hour, over all the alerts it answers (1...60).
    public var maxPerHour: Int
    /// Attempts in one incident that leave the problem in place before it gives up (1...20).
    public var giveUpAfter: Int
    /// After an attempt, how long the problem has to clear before another (10 s ... 1 h).
    public var settle: Duration
    /// The longest one attempt may take (1 s ... 10 min): a unit's job or the executable's run.
    public var timeout: Duration
    /// The user an executable runs as (nil: nobody when the agent is root, else the agent's own).
    public var user: String?
    /// Where it was written (vitals.yaml:LINE), for messages.
    public var source: String

    public init(
        name: String, matchers: [LabelMatcher], severities: Set<Severity> = [.critical], effect: Effect, maxPerHour: Int = 3,
        giveUpAfter: Int = 3, settle: Duration = .seconds(120), timeout: Duration = .seconds(60), user: String? = nil, source: String = ""
    ) {
        self.name = name
        self.matchers = matchers
        self.severities = severities
        self.effect = effect
        self.maxPerHour = maxPerHour
        self.giveUpAfter = giveUpAfter
        self.settle = settle
        self.timeout = timeout
        self.user = user
        self.source = source
    }

    /// Bounds, checked when the configuration is read.
    public static let maxPerHourRange = 1...60
    public static let giveUpRange = 1...20
    public static let settleRange: ClosedRange<Duration> = .seconds(10) ... .seconds(3600)
    public static let timeoutRange: ClosedRange<Duration> = .seconds(1) ... .seconds(600)
    /// At most this many actions in one configuration.
    public static let maxCount = 64

    /// Whether an alert with these labels at this severity sets it off.
    public func answers(_ labels: LabelSet, severity: Severity) -> Bool {
        severities.contains(severity) && matchers.allSatisfy { $0.matches(labels, severity: severity) }
    }

    /// Why `name` is not a unit this action may restart or reload, or nil when it is: a full
    /// unit name as systemd writes it (`nginx.service`, `getty@tty1.service`) of a service,
    /// socket, mount, timer or path (never a target: restarting poweroff.target powers off), no
    /// globs, no template without its instance, at most 255 bytes.
    public static func unitNameProblem(_ name: String) -> String? {
        let suffixes = [".service", ".socket", ".mount", ".timer", ".path"]
        guard !name.isEmpty, name.utf8.count <= 255 else { return "a unit name has 1 to 255 characters" }
        for other in [".target", ".slice", ".scope", ".swap", ".automount", ".device"] where name.hasSuffix(other) {
            return "\"\(name)\" is a \(other.dropFirst()) unit; actions restart or reload services, sockets, mounts, timers and paths"
        }
        guard let suffix = suffixes.first(where: { name.hasSuffix($0) }), name.count > suffix.count else {
            return "\"\(name)\" is not a full unit name; write it with its type, e.g. nginx.service"
        }
        let stem = name.dropLast(suffix.count)
        for c in stem.unicodeScalars {
            let ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || ":-_.\\@".unicodeScalars.contains(c)
            if !ok { return "\"\(name)\" has the character \"\(c)\", which no unit name has (globs are not accepted: name one unit)" }
        }
        if stem.hasSuffix("@") { return "\"\(name)\" is a template; name an instance, e.g. \(stem)main\(suffix)" }
        return nil
    }
}

/// What one attempt of an action did: whether it succeeded, and what systemd or the executable
/// said ("active (running) after 1.2 s", "exited 1 after 0.3 s: no such cache").
public struct ActionOutcome: Sendable, Equatable {
    public var succeeded: Bool
    public var detail: String

    public init(succeeded: Bool, detail: String) {
        self.succeeded = succeeded
        self.detail = detail
    }
}
