/// The one staleness rule (issue 16: there were three, each a little different): a result is
/// stale when no fresh one came for two intervals plus the longest one run may take. For the
/// sampling cycle that run time is the statvfs deadline (`Config.cycleStaleAfter`: the status
/// document, `/v1/health` and the watchdog's deadline for sampling); for a custom check it is its
/// timeout.
public enum Staleness {
    /// How long a result stays fresh.
    public static func limit(interval: Duration, runTime: Duration) -> Duration { interval * 2 + runTime }
}

extension Config {
    /// How long a sampling cycle's results stay fresh.
    public var cycleStaleAfter: Duration { Staleness.limit(interval: interval, runTime: effectiveStatvfsTimeout) }
}
