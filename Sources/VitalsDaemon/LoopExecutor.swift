import ServiceLifecycle
public import VitalsCore

#if canImport(Glibc)
    import Glibc
#endif

/// One thread that runs the sampling stage's tasks and keeps their timers (issue 17).
///
/// On Swift's default executor every wait of the sampling loop went through libdispatch: its
/// timer thread woke at the deadline and woke a pool thread to run the cycle, the statvfs
/// deadline armed and cancelled a second timer on that thread, and `cancelWhenGracefulShutdown`'s
/// two child tasks hopped between pool threads: about 17 context switches a cycle, a quarter of a
/// quiet cycle's cost. Here the thread sleeps in one timed wait until its next timer or job, and
/// whatever the cycle resumes on it (its own child tasks, a continuation) runs on it without
/// waking another thread. A job enqueued from another thread (a statvfs answer) wakes it once.
///
/// Tasks run here by asking for it (`withTaskExecutorPreference(loop)`); their child tasks and
/// default actors follow. Work that can block for long (fsync, a D-Bus call) stays off it: the
/// alert stage runs on the default pool, so a slow disk still delays alerts, never a sample.
public final class LoopExecutor: TaskExecutor, DeadlineTimers, @unchecked Sendable {
    private enum Entry {
        /// An id handed out to a sleeper that has not registered its continuation yet.
        case reserved
        /// Cancelled before its sleeper registered: the registration resumes it with the error.
        case cancelled
        case sleeper(CheckedContinuation<Void, any Error>)
        case action(@Sendable () -> Void)
    }

    private struct Timer {
        var deadline: ContinuousClock.Instant
        var id: UInt64
    }

    // Guarded by `mutex`; `cond` wakes the thread.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [UnownedJob] = []
    private var spare: [UnownedJob] = []
    /// A binary min-heap by deadline; entries whose id left `entries` are skipped when they surface.
    private var heap: [Timer] = []
    private var entries: [UInt64: Entry] = [:]
    private var nextID: UInt64 = 1
    /// The thread is in its wait (a job from elsewhere must signal it).
    private var waiting = false
    private let name: String

    /// Starts the thread, named `name` (at most 15 bytes show in `ps -L` and the journal).
    public init(name: String) {
        self.name = name
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let made = pthread_create(
            &thread, nil,
            { raw in
                let loop = Unmanaged<LoopExecutor>.fromOpaque(raw!).takeRetainedValue()
                loop.run()
                return nil
            }, box.toOpaque())
        precondition(made == 0, "cannot start the \(name) thread: \(String(cString: strerror(made)))")
        pthread_detach(thread)
    }

    /// The agent's sampling loop.
    public static let sampling = LoopExecutor(name: "vitals-sampling")

    // MARK: TaskExecutor

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pthread_mutex_lock(mutex)
        jobs.append(job)
        let wake = waiting
        pthread_mutex_unlock(mutex)
        if wake { pthread_cond_signal(cond) }
    }

    // MARK: timers

    public func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        pthread_mutex_lock(mutex)
        let id = nextID
        nextID += 1
        entries[id] = .action(action)
        let wake = push(Timer(deadline: deadline, id: id))
        pthread_mutex_unlock(mutex)
        if wake { pthread_cond_signal(cond) }
        return id
    }

    public func cancel(_ id: UInt64) {
        pthread_mutex_lock(mutex)
        if case .action = entries[id] { entries[id] = nil }
        pthread_mutex_unlock(mutex)
    }

    /// Returns at or after `deadline` (the continuous clock's); throws `CancellationError` at
    /// once when the task is cancelled meanwhile.
    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await sleep(until: deadline, id: reserveSleep())
    }

    /// An id for a sleep that `interrupt` can end early, even before the sleep has begun.
    public func reserveSleep() -> UInt64 {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        let id = nextID
        nextID += 1
        entries[id] = .reserved
        return id
    }

    /// `sleep(until:)` under a reserved id: `interrupt(id)` or the task's cancellation ends it
    /// with `CancellationError`.
    public func sleep(until deadline: ContinuousClock.Instant, id: UInt64) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                pthread_mutex_lock(mutex)
                var early = false
                var wake = false
                if case .cancelled = entries[id] {
                    entries[id] = nil
                    early = true
                } else {
                    entries[id] = .sleeper(c)
                    wake = push(Timer(deadline: deadline, id: id))
                }
                pthread_mutex_unlock(mutex)
                if early { c.resume(throwing: CancellationError()) }
                if wake { pthread_cond_signal(cond) }
            }
        } onCancel: {
            interrupt(id)
        }
    }

    /// Ends the sleep with this id now (or, reserved and not begun, as soon as it begins).
    public func interrupt(_ id: UInt64) {
        pthread_mutex_lock(mutex)
        var waiter: CheckedContinuation<Void, any Error>?
        switch entries[id] {
        case .reserved: entries[id] = .cancelled
        case .sleeper(let c):
            entries[id] = nil
            waiter = c
        default: break
        }
        pthread_mutex_unlock(mutex)
        waiter?.resume(throwing: CancellationError())
    }

    // MARK: the thread

    private func run() {
        // pthread_setname_np is _GNU_SOURCE only, out of Swift's reach; the thread's comm file is not.
        let comm = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        if comm >= 0 {
            let bytes = Array(name.utf8.prefix(15))
            _ = bytes.withUnsafeBytes { write(comm, $0.baseAddress, $0.count) }
            close(comm)
        }
        let me = asUnownedTaskExecutor()
        var due: [Entry] = []
        pthread_mutex_lock(mutex)
        while true {
            // The timers that are due, then the jobs, outside the lock.
            let now = ContinuousClock.now
            while let top = heap.first, top.deadline <= now || entries[top.id] == nil {
                popTop()
                if top.deadline <= now, let e = entries.removeValue(forKey: top.id) { due.append(e) }
            }
            if due.isEmpty && jobs.isEmpty {
                waiting = true
                if let top = heap.first {
                    var at = Self.monotonicTimespec(after: now.duration(to: top.deadline))
                    _ = pthread_cond_timedwait(cond, mutex, &at)
                } else {
                    _ = pthread_cond_wait(cond, mutex)
                }
                waiting = false
                continue
            }
            swap(&jobs, &spare)
            pthread_mutex_unlock(mutex)
            for e in due {
                switch e {
                case .sleeper(let c): c.resume()
                case .action(let a): a()
                case .reserved, .cancelled: break
                }
            }
            due.removeAll(keepingCapacity: true)
            for job in spare { job.runSynchronously(on: me) }
            spare.removeAll(keepingCapacity: true)
            pthread_mutex_lock(mutex)
        }
    }

    /// CLOCK_MONOTONIC now plus `d` (at least 0), for the timed wait. The continuous clock is
    /// CLOCK_BOOTTIME, which a condition variable cannot wait on; they differ only by time
    /// suspended, and a wait that spans a suspend ends at most its own length late.
    private static func monotonicTimespec(after d: Duration) -> timespec {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let (secs, attos) = d.components
        let wait = max(0, secs * 1_000_000_000 + attos / 1_000_000_000)
        let total = Int64(ts.tv_nsec) + wait % 1_000_000_000
        ts.tv_sec += Int(wait / 1_000_000_000 + total / 1_000_000_000)
        ts.tv_nsec = Int(total % 1_000_000_000)
        return ts
    }

    // MARK: the heap (caller holds the lock)

    /// Adds a timer; true when it is the new earliest while the thread waits (it must wake to
    /// shorten its wait).
    private func push(_ t: Timer) -> Bool {
        heap.append(t)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].deadline < heap[parent].deadline else { break }
            heap.swapAt(i, parent)
            i = parent
        }
        return i == 0 && waiting
    }

    private func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1
            let r = l + 1
            var m = i
            if l < heap.count && heap[l].deadline < heap[m].deadline { m = l }
            if r < heap.count && heap[r].deadline < heap[m].deadline { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }
}

/// The host's clocks, with sleeps kept by a `LoopExecutor`'s timers instead of libdispatch's.
public struct LoopTime: TimeSource {
    public let loop: LoopExecutor
    public init(loop: LoopExecutor) { self.loop = loop }
    public var now: ContinuousClock.Instant { .now }
    public var wall: Double { WallClock.now() }
    public func sleep(until deadline: ContinuousClock.Instant) async throws { try await loop.sleep(until: deadline) }

    /// Sleeps until `deadline`; a graceful shutdown (or cancellation) ends it with
    /// `CancellationError`. `cancelWhenGracefulShutdown` does the same with two child tasks and
    /// an unstructured one at every wake-up, which run on the default pool and wake its threads.
    public func sleepUnlessShuttingDown(until deadline: ContinuousClock.Instant) async throws {
        let id = loop.reserveSleep()
        let loop = self.loop
        try await withGracefulShutdownHandler {
            try await loop.sleep(until: deadline, id: id)
        } onGracefulShutdown: {
            loop.interrupt(id)
        }
    }
}

extension AgentClock {
    /// Sleeps until `deadline`; a graceful shutdown (or cancellation) ends it early with
    /// `CancellationError`. On a loop's clock without a task: `LoopTime.sleepUnlessShuttingDown`.
    public func sleepUnlessShuttingDown(until deadline: Instant) async throws {
        if let loopTime = source as? LoopTime {
            try await loopTime.sleepUnlessShuttingDown(until: deadline)
        } else {
            try await cancelWhenGracefulShutdown { try await self.sleep(until: deadline) }
        }
    }

    /// `sleepUnlessShuttingDown(until:)` `duration` from now.
    public func sleepUnlessShuttingDown(for duration: Duration) async throws {
        try await sleepUnlessShuttingDown(until: now + duration)
    }
}
