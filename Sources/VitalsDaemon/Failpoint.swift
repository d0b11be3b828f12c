#if canImport(Glibc)
    import Glibc
#endif

/// Named crash points, compiled in and armed only by the environment (etcd's gofail): with
/// `FAILPOINT_VITALS=<name>` the agent kills itself with SIGKILL when it reaches that point, so a
/// test can crash it exactly between two durable steps and check that a restart loses and repeats
/// nothing (issue 15). Unarmed, a point costs one comparison of a string read once at start.
///
/// Points: `alerts-after-outbox` (a decision's messages are in the outbox, its state is not
/// saved), `alerts-after-state` (both are), `outbox-after-tmp` and `outbox-after-rename` (inside
/// an outbox write: before the rename, before the directory fsync), `state-after-tmp`,
/// `state-after-rename`, `controls-after-tmp` and `controls-after-rename` (a silence or an
/// acknowledgement being written), `delivery-after-2xx` (the receiver took a message, its outbox
/// file is still there), `reload-after-load` (a SIGHUP's configuration read, not applied) and
/// `reload-after-apply`.
enum Failpoint {
    /// Not `VITALS_*`: those are configuration overrides.
    static let armed: String? = getenv("FAILPOINT_VITALS").map { String(cString: $0) }

    static func hit(_ name: String) {
        guard let armed, armed == name else { return }
        let text = "vitals: failpoint \(name) reached: SIGKILL\n"
        _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
        kill(getpid(), SIGKILL)
    }
}
