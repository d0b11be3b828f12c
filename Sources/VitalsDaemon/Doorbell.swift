import Synchronization
public import VitalsCore

/// What a loop waits on between two passes: a ring (work arrived: a queued message, a finished
/// run, a reload) or its own next deadline, whichever comes first. A ring while nobody waits is
/// kept, so the next wait returns at once and no ring is lost between a pass and its wait.
///
/// A loop that knows when it next has work sleeps until then instead of waking on a fixed tick:
/// an idle agent's services stay asleep (issue 17: every wake-up is a timer, a thread woken and a
/// context switch, about a tenth of a quiet cycle's cost each). One waiter at a time.
public final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiter, or the next wait if nobody waits now.
    public func ring() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard let w = s.waiter else {
                s.rung = true
                return nil
            }
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }

    /// Returns at a ring, at `deadline` on `clock` (nil: only a ring), or when the task is
    /// cancelled (a graceful shutdown), whichever comes first.
    public func wait(until deadline: ContinuousClock.Instant?, clock: AgentClock) async {
        let rung = state.withLock { s -> Bool in
            defer { s.rung = false }
            return s.rung
        }
        if rung || Task.isCancelled { return }
        await withTaskGroup(of: Void.self) { parts in
            parts.addTask { await self.nextRing() }
            if let deadline { parts.addTask { try? await clock.sleep(until: deadline) } }
            _ = await parts.next()
            parts.cancelAll()
        }
    }

    /// Waits for a ring; a cancelled task stops waiting.
    private func nextRing() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    // Cancelled before the continuation was in place: the handler found nothing.
                    if s.rung || Task.isCancelled {
                        s.rung = false
                        return true
                    }
                    s.waiter = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            let w = state.withLock { s -> CheckedContinuation<Void, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            w?.resume()
        }
    }
}
