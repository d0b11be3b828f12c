public import Testing
import VitalsTestKit

/// Runs a test (or each test of a suite) on `DispatchTaskExecutor`'s threads instead of Swift's
/// cooperative pool. The pool has one thread per core (two on CI): a test that blocks while a
/// child process runs (the end-to-end tests wait for the real binary and real peers) holds one
/// of them, and two such tests stop every async test of the run until they finish. Off the pool,
/// they block threads of their own.
public struct OffThePool: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(DispatchTaskExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OffThePool {
    /// Runs the test, or every test of the suite, off the cooperative pool (see `OffThePool`).
    public static var offThePool: Self { OffThePool() }
}
