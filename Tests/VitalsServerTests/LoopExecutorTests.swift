import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import VitalsCore
import VitalsProcFS
import VitalsSamplers

@testable import VitalsDaemon

/// Issue 17: the sampling stage's own thread, its timers, and the sleeps a shutdown ends.
@Suite struct LoopExecutorTests {
    /// The name of the thread running the caller (/proc/thread-self/comm).
    private static func threadName() -> String {
        (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
    }

    @Test func aTaskThatPrefersTheLoopRunsOnItsThreadAndSoDoItsChildren() async {
        let loop = LoopExecutor(name: "vitals-test-lp1")
        let names = await withTaskExecutorPreference(loop) {
            let own = Self.threadName()
            async let child = Self.threadName()
            let inGroup = await withTaskGroup(of: String.self) { g in
                g.addTask { Self.threadName() }
                return await g.next() ?? "?"
            }
            return [own, await child, inGroup]
        }
        #expect(names == ["vitals-test-lp1", "vitals-test-lp1", "vitals-test-lp1"])
    }

    @Test func sleepersWakeAtTheirDeadlinesInOrder() async throws {
        let loop = LoopExecutor(name: "vitals-test-lp2")
        let woke = Locked<[Int]>([])
        let start = ContinuousClock.now
        await withTaskExecutorPreference(loop) {
            await withTaskGroup(of: Void.self) { g in
                // Scheduled out of order: the heap hands them back by deadline.
                for (i, ms) in [(3, 90), (1, 30), (2, 60), (4, 120)] {
                    g.addTask {
                        try? await loop.sleep(until: start + .milliseconds(ms))
                        #expect(ContinuousClock.now >= start + .milliseconds(ms), "sleeper \(i) woke early")
                        woke.withLock { $0.append(i) }
                    }
                }
            }
        }
        #expect(woke.withLock { $0 } == [1, 2, 3, 4])
    }

    @Test func cancellationEndsASleepAtOnceEvenBeforeItBegins() async throws {
        let loop = LoopExecutor(name: "vitals-test-lp3")
        let start = ContinuousClock.now
        let sleeper = Task(executorPreference: loop) { try await loop.sleep(until: .now + .seconds(3600)) }
        try await Task.sleep(for: .milliseconds(20))
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        // Cancelled before it sleeps: it never waits.
        let early = Task(executorPreference: loop) {
            withUnsafeCurrentTask { $0?.cancel() }
            try await loop.sleep(until: .now + .seconds(3600))
        }
        await #expect(throws: CancellationError.self) { try await early.value }
        // An interrupt that comes before the sleep begins is kept for it.
        let id = loop.reserveSleep()
        loop.interrupt(id)
        await #expect(throws: CancellationError.self) { try await loop.sleep(until: .now + .seconds(3600), id: id) }
        #expect(start.duration(to: .now) < .seconds(60))
    }

    @Test func aCancelledTimerNeverFiresAndTheOthersDo() async throws {
        let loop = LoopExecutor(name: "vitals-test-lp4")
        let fired = Locked<[String]>([])
        let a = loop.schedule(at: .now + .milliseconds(30)) { fired.withLock { $0.append("a") } }
        _ = loop.schedule(at: .now + .milliseconds(60)) { fired.withLock { $0.append("b") } }
        loop.cancel(a)
        // A later sleep on the same loop: by its end both deadlines have passed.
        try await loop.sleep(until: .now + .milliseconds(150))
        #expect(fired.withLock { $0 } == ["b"])
    }

    /// A graceful shutdown ends the sleep of a service on the loop's clock at once; without a task
    /// group per wait (`cancelWhenGracefulShutdown`), so it must be the handler that ends it.
    @Test func aGracefulShutdownEndsASleepOnTheLoopsClock() async throws {
        struct Sleeper: Service {
            let clock: AgentClock
            let ended: Locked<Bool>
            func run() async throws {
                do { try await clock.sleepUnlessShuttingDown(for: .seconds(3600)) } catch {}
                ended.withLock { $0 = true }
            }
        }
        let loop = LoopExecutor(name: "vitals-test-lp5")
        let sleeper = Sleeper(clock: AgentClock(source: LoopTime(loop: loop)), ended: Locked(false))
        let group = ServiceGroup(configuration: .init(services: [.init(service: sleeper)], logger: Logger(label: "test")))
        let start = ContinuousClock.now
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(50))
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(sleeper.ended.withLock { $0 })
        #expect(start.duration(to: .now) < .seconds(60))
    }

    /// The statvfs batch's deadline on the loop's timers: a hung mount is reported at the deadline.
    @Test func aHungMountIsNotRespondingAtTheDeadlineKeptByTheLoop() async throws {
        let loop = LoopExecutor(name: "vitals-test-lp6")
        let gate = Locked(false)
        let worker = StatvfsWorker(
            statFunction: { path in
                if path == "/hung" { while !gate.withLock({ $0 }) { usleep(1000) } }
                return Syscalls.FSStats(blockSize: 1, blocks: 10, blocksFree: 5, blocksAvailable: 5, files: 10, filesFree: 5)
            }, timers: loop)
        let start = ContinuousClock.now
        let r = await withTaskExecutorPreference(loop) { await worker.stat(["/", "/hung"], timeout: .milliseconds(200)) }
        #expect(start.duration(to: .now) >= .milliseconds(200))
        #expect(r["/hung"] == .notResponding)
        if case .stats = r["/"] {} else { Issue.record("/ should have answered") }
        gate.withLock { $0 = true }
        for _ in 0..<200 where !worker.hung.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(worker.hung.isEmpty)
        // All answer in time: the result comes without waiting for the deadline.
        let quick = ContinuousClock.now
        let ok = await withTaskExecutorPreference(loop) { await worker.stat(["/", "/hung"], timeout: .seconds(30)) }
        #expect(quick.duration(to: .now) < .seconds(20))
        #expect(ok.count == 2 && ok.values.allSatisfy { if case .stats = $0 { true } else { false } })
    }
}

/// A value behind a lock that closures can share.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
