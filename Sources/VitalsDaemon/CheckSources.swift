public import VitalsCore

/// The checks whose states do not come from sampling: the custom and compiled-in checks' latest
/// results (`PluginResults`, written by the plugin runs) and every durable channel's health
/// (`Delivery`: critical while its breaker is open) and the self-healing actions (`ActionBoard`). The alert stage takes them beside each
/// cycle's result; the status socket reads them at each request. Sampling knows of neither.
public struct CheckSources: Sendable {
    public let plugins: PluginResults?
    public let delivery: Delivery?
    /// The self-healing actions (check `action`: critical while one has given up).
    public let actions: ActionBoard?

    public init(plugins: PluginResults?, delivery: Delivery?, actions: ActionBoard? = nil) {
        self.plugins = plugins
        self.delivery = delivery
        self.actions = actions
    }

    /// No sources (sampling only).
    public static let none = CheckSources(plugins: nil, delivery: nil)

    /// Their states now: the plugin checks the configuration names, the channels, the actions.
    public func statuses(_ config: Config, now: ContinuousClock.Instant, wall: Double) -> [CheckStatus] {
        (plugins?.statuses(config.checks, now: now, wall: wall) ?? []) + (delivery?.statuses(wall: wall) ?? [])
            + (actions?.statuses(config, wall: wall) ?? [])
    }
}
