/// The kinds of event vitals logs, each with a constant journal `MESSAGE_ID` so operators can
/// query one kind: `journalctl MESSAGE_ID=<id>`.
public enum EventKind: String, Sendable, CaseIterable {
    case checkTransition = "check_transition"
    case agentStarted = "agent_started"
    case agentStopping = "agent_stopping"
    case configReloaded = "config_reloaded"
    case configRejected = "config_rejected"
    case samplerFailed = "sampler_failed"
    case cycleOverrun = "cycle_overrun"
    case watchdogStuck = "watchdog_stuck"
    case watchdogRecovered = "watchdog_recovered"
    case alertNotification = "alert_notification"
    case alertStateProblem = "alert_state_problem"
    case alertControl = "alert_control"
    case notificationSent = "notification_sent"
    case deliveryFailed = "delivery_failed"
    case heartbeatProblem = "heartbeat_problem"
    case heartbeatRecovered = "heartbeat_recovered"
    case actionRun = "action_run"
    case actionFailed = "action_failed"
    case actionHeld = "action_held"
    case actionGaveUp = "action_gave_up"
    case actionEnded = "action_ended"

    /// The 128-bit journal MESSAGE_ID, as 32 hex digits.
    public var messageID: String {
        switch self {
        case .checkTransition: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a01"
        case .agentStarted: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a02"
        case .agentStopping: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a03"
        case .configReloaded: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a04"
        case .configRejected: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a05"
        case .samplerFailed: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a06"
        case .cycleOverrun: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a07"
        case .watchdogStuck: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a08"
        case .watchdogRecovered: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a09"
        case .alertNotification: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a0a"
        case .alertStateProblem: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a0b"
        case .alertControl: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a0c"
        case .notificationSent: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a0d"
        case .deliveryFailed: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a0e"
        case .heartbeatProblem: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a0f"
        case .heartbeatRecovered: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a10"
        case .actionRun: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a11"
        case .actionFailed: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a12"
        case .actionHeld: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a13"
        case .actionGaveUp: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a14"
        case .actionEnded: "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a15"
        }
    }
}

/// Metadata keys of structured log events. In the journal a key becomes `VITALS_<KEY>` (upper
/// case), except `message_id`, which becomes `MESSAGE_ID`; on stderr the keys stay as they are.
public enum LogKey {
    public static let messageID = "message_id"
    public static let check = "check"
    public static let resource = "resource"
    public static let severity = "severity"
    public static let oldSeverity = "old_severity"
    public static let value = "value"
    public static let threshold = "threshold"
    public static let fingerprint = "fingerprint"
    public static let channel = "channel"
    public static let reason = "reason"
}
