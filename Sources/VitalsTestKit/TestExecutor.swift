import Dispatch

/// A task executor on threads of its own, off Swift's cooperative pool: the in-process agent's
/// services and the test that drives them keep running while other tests in the same run block
/// the pool's few threads (one per core) with synchronous waits. Each job goes to a serial queue
/// of its own, which libdispatch serves from its overcommitting pool: a thread is added whenever
/// none is idle, so a job that blocks never holds up another (a concurrent queue would be held to
/// about one thread per core, like the pool it replaces).
public final class DispatchTaskExecutor: TaskExecutor {
    /// One for the whole test run.
    public static let shared = DispatchTaskExecutor()

    public init() {}

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        DispatchQueue(label: "vitals.tests.job").async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
