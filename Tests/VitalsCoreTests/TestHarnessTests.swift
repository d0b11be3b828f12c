import Testing
import VitalsTestKit

#if canImport(Glibc)
    import Glibc
#endif

/// The test run itself: a test that writes to a closed pipe fails alone. (A CI run once hung for
/// its whole 90 minutes: the test process died of SIGPIPE, and a child it had started held swift
/// test's output pipe open.)
@Suite struct TestHarnessTests {
    @Test func aWriteToAClosedPipeFailsWithEPIPEInsteadOfKillingTheRun() {
        #expect(TestHarness.ignoresSIGPIPE)
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        let byte: [UInt8] = [1]
        let n = write(fds[1], byte, 1)
        let err = errno
        close(fds[1])
        #expect(n == -1 && err == EPIPE)
    }
}
