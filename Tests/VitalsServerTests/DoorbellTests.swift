import Testing
import VitalsDaemon
import VitalsTestKit
import VitalsTestSupport

/// The wake-up the plugin and delivery loops sleep on between passes (issue 17).
@Suite(.offThePool) struct DoorbellTests {
    /// Waits (real time, bounded) until `time` has `n` sleepers.
    static func sleepers(_ n: Int, on time: ManualTime) async throws {
        for _ in 0..<5000 where time.sleeping != n { try await Task.sleep(for: .milliseconds(1)) }
        try #require(time.sleeping == n)
    }

    @Test func aRingWhileNobodyWaitsIsKeptForTheNextWaitAndUsedOnce() async throws {
        let bell = Doorbell()
        let time = ManualTime()
        bell.ring()
        bell.ring()
        await bell.wait(until: nil, clock: time.clock)
        #expect(time.elapsed == .zero, "the kept ring returns the wait at once")
        // Two rings are one: the next wait sleeps until its deadline.
        let waiter = Task(executorPreference: DispatchTaskExecutor.shared) {
            await bell.wait(until: time.now.advanced(by: .seconds(5)), clock: time.clock)
        }
        try await Self.sleepers(1, on: time)
        time.advance(by: .seconds(4))
        try await Task.sleep(for: .milliseconds(20))
        #expect(time.sleeping == 1, "not before its deadline")
        time.advance(by: .seconds(1))
        await waiter.value
        #expect(time.elapsed == .seconds(5))
        #expect(time.sleeping == 0)
    }

    @Test func aRingWakesTheWaiterBeforeItsDeadlineAndItsTimerIsGone() async throws {
        let bell = Doorbell()
        let time = ManualTime()
        let waiter = Task(executorPreference: DispatchTaskExecutor.shared) {
            await bell.wait(until: time.now.advanced(by: .seconds(60)), clock: time.clock)
        }
        try await Self.sleepers(1, on: time)
        bell.ring()
        await waiter.value
        #expect(time.elapsed == .zero)
        #expect(time.sleeping == 0, "the deadline's sleep is cancelled with the wait")
    }

    @Test func cancellingTheWaitingTaskEndsAWaitWithoutDeadline() async throws {
        let bell = Doorbell()
        let time = ManualTime()
        let waiter = Task(executorPreference: DispatchTaskExecutor.shared) { await bell.wait(until: nil, clock: time.clock) }
        try await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        await waiter.value
        // A ring after the cancelled wait is kept for the next one.
        bell.ring()
        await bell.wait(until: nil, clock: time.clock)
    }
}
