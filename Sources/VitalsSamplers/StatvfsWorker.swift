import Synchronization
public import VitalsCore
public import VitalsProcFS

#if canImport(Dispatch)
    import Dispatch
#endif

/// Runs statvfs off the sampling loop, all mounts at once, with one deadline for the batch.
///
/// A mount that does not answer by the deadline is reported as not responding and the cycle goes
/// on. Its statvfs keeps its thread until the kernel returns; until then the mount is not asked
/// again, so a hung NFS server costs one blocked thread, never one per cycle.
public final class StatvfsWorker: Sendable {
    /// What statvfs said about one mount.
    public enum Outcome: Sendable, Equatable {
        case stats(Syscalls.FSStats)
        case failed(VitalsError)
        case notResponding
    }

    /// The call that does the work; tests inject one that hangs.
    public typealias StatFunction = @Sendable (String) throws -> Syscalls.FSStats

    private let statFunction: StatFunction
    private let inFlight = Mutex<Set<String>>([])
    /// Keep the batch's deadline: the agent's sampling loop, whose own thread holds it (no other
    /// thread wakes to arm or cancel it); by default dispatch timers on a queue of their own.
    private let timers: any DeadlineTimers

    public init(statFunction: @escaping StatFunction = { try Syscalls.fsStats($0) }, timers: (any DeadlineTimers)? = nil) {
        self.statFunction = statFunction
        self.timers = timers ?? DispatchDeadlineTimers()
    }

    /// Mount points whose earlier statvfs has not returned yet.
    public var hung: Set<String> { inFlight.withLock { $0 } }

    /// statvfs of every path, waiting at most `timeout` for the batch.
    public func stat(_ paths: [String], timeout: Duration) async -> [String: Outcome] {
        var results: [String: Outcome] = [:]
        var toRun: [String] = []
        inFlight.withLock { busy in
            for p in paths {
                if busy.contains(p) {
                    results[p] = .notResponding
                } else {
                    busy.insert(p)
                    toRun.append(p)
                }
            }
        }
        guard !toRun.isEmpty else { return results }
        let batch = Batch(expected: toRun.count)
        let fn = statFunction
        let done: [String: Outcome] = await withCheckedContinuation { cont in
            batch.attach(cont)
            for p in toRun {
                // A serial queue per call runs on an overcommitting thread, so hung calls never
                // starve the others (the default concurrent pool has only one thread per core).
                DispatchQueue(label: "vitals.statvfs").async {
                    let outcome: Outcome
                    do {
                        outcome = .stats(try fn(p))
                    } catch let e as VitalsError {
                        outcome = .failed(e)
                    } catch {
                        outcome = .failed(VitalsError(.io, "\(p): statvfs failed", cause: "\(error)"))
                    }
                    _ = self.inFlight.withLock { $0.remove(p) }
                    batch.deliver(p, outcome)
                }
            }
            // A timer, cancelled when the last answer comes (the usual case): a timer left to
            // fire would wake two threads every cycle for nothing (issue 17).
            let id = timers.schedule(at: .now + timeout) { batch.expire() }
            batch.attach(DeadlineTimer(timers: timers, id: id))
        }
        results.merge(done) { a, _ in a }
        for p in toRun where results[p] == nil { results[p] = .notResponding }
        return results
    }
}

/// Collects a batch's results and resumes its waiter exactly once: when all arrived or at the deadline.
private final class Batch: Sendable {
    private struct State {
        var expected: Int
        var results: [String: StatvfsWorker.Outcome] = [:]
        var waiter: CheckedContinuation<[String: StatvfsWorker.Outcome], Never>?
        var finished = false
        var timer: DeadlineTimer?
    }

    private let state: Mutex<State>

    init(expected: Int) { state = Mutex(State(expected: expected)) }

    func attach(_ c: CheckedContinuation<[String: StatvfsWorker.Outcome], Never>) {
        state.withLock { $0.waiter = c }
    }

    /// The deadline's timer, cancelled when every answer has come first.
    func attach(_ timer: DeadlineTimer) {
        state.withLock { s in
            if s.finished { timer.cancel() } else { s.timer = timer }
        }
    }

    func deliver(_ path: String, _ outcome: StatvfsWorker.Outcome) {
        let resume = state.withLock { s -> (CheckedContinuation<[String: StatvfsWorker.Outcome], Never>, [String: StatvfsWorker.Outcome])? in
            guard !s.finished else { return nil }
            s.results[path] = outcome
            guard s.results.count == s.expected, let w = s.waiter else { return nil }
            s.finished = true
            return (w, s.results)
        }
        if let (w, r) = resume {
            state.withLock { s in
                s.timer?.cancel()
                s.timer = nil
            }
            w.resume(returning: r)
        }
    }

    func expire() {
        let resume = state.withLock { s -> (CheckedContinuation<[String: StatvfsWorker.Outcome], Never>, [String: StatvfsWorker.Outcome])? in
            guard !s.finished, let w = s.waiter else { return nil }
            s.finished = true
            return (w, s.results)
        }
        if let (w, r) = resume { w.resume(returning: r) }
    }
}

/// A batch's deadline timer, safe to cancel from any thread.
private struct DeadlineTimer: Sendable {
    let timers: any DeadlineTimers
    let id: UInt64
    func cancel() { timers.cancel(id) }
}

/// `DeadlineTimers` on libdispatch, for a worker outside the agent's loop. The timers have their
/// own queue: they must fire even while statvfs calls are blocked.
final class DispatchDeadlineTimers: DeadlineTimers {
    private let queue = DispatchQueue(label: "vitals.statvfs.deadline")
    private let live = Mutex<(next: UInt64, sources: [UInt64: SourceBox])>((1, [:]))

    /// A dispatch source; dispatch sources are safe to use from any thread.
    private final class SourceBox: @unchecked Sendable {
        let source: any DispatchSourceTimer
        init(_ source: any DispatchSourceTimer) { self.source = source }
    }

    func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let id = live.withLock { l in
            defer { l.next += 1 }
            l.sources[l.next] = SourceBox(timer)
            return l.next
        }
        let wait = ContinuousClock.now.duration(to: deadline)
        timer.schedule(deadline: .now() + .milliseconds(max(0, Int(wait.wholeMilliseconds))))
        timer.setEventHandler { [weak self] in
            _ = self?.live.withLock { $0.sources.removeValue(forKey: id) }
            action()
        }
        timer.resume()
        return id
    }

    func cancel(_ id: UInt64) {
        live.withLock { $0.sources.removeValue(forKey: id) }?.source.cancel()
    }
}
