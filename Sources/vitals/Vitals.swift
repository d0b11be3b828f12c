import VitalsDaemon

/// The `vitals` command: the agent and the tools that talk to it.
@main
struct Vitals: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vitals",
        abstract: "Host health monitor: samples /proc, runs checks, alerts (journal, webhook, mail, Alertmanager), answers a local status socket.",
        discussion: """
            Run the agent in the foreground on its embedded defaults (no config file, no root needed):
              vitals agent
            Then, from another terminal:
              vitals status
              curl --unix-socket "$XDG_RUNTIME_DIR/vitals.sock" http://localhost/v1/status

            Configuration: /etc/vitals/vitals.yaml (or --config). Environment variables override single keys: VITALS_ + the key path in upper case, levels joined by two underscores, e.g. VITALS_INTERVAL=30s, VITALS_THRESHOLDS__DISK__CRITICAL=97.
            """,
        version: Agent.version,
        subcommands: [
            AgentCommand.self, StatusCommand.self, AlertsCommand.self, SilenceCommand.self, AckCommand.self, CheckCommand.self, ConfigCommand.self,
            TestNotifyCommand.self, MetricsCommand.self, ActionCommand.self,
        ]
    )
}
