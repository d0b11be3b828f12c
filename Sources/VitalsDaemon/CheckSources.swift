public import VitalsCore

/// The checks whose states do not come from sampling: the custom and compiled-in checks' latest
/// results (`PluginResults`, written by the plugin runs) and every durable channel's health
/// (`Delivery`: critical while its breaker is open). The alert stage takes them beside each
/// cycle's result; the status socket reads them at each request. Sampling knows of neither.
public struct CheckSources: Sendable {
    public let plugins: PluginResults?
    public let delivery: Delivery?

    public init(plugins: PluginResults?, delivery: Delivery?) {
        self.plugins = plugins
        self.delivery = delivery
    }

    /// No sources (sampling only).
    public static let none = CheckSources(plugins: nil, delivery: nil)

    /// Their states now: the plugin checks the configuration names, then the channels.
    public func statuses(_ config: Config, now: ContinuousClock.Instant, wall: Double) -> [CheckStatus] {
        (plugins?.statuses(config.checks, now: now, wall: wall) ?? []) + (delivery?.statuses(wall: wall) ?? [])
    }
}
