import CTestHarness

/// The test process's own set-up (`Sources/CTestHarness`), done before any test runs.
public enum TestHarness {
    /// Whether the test process ignores SIGPIPE, as its constructor arranges: a write to a
    /// closed pipe or socket fails one test with EPIPE instead of killing the whole run.
    public static var ignoresSIGPIPE: Bool { vitals_test_harness_sigpipe_ignored() == 1 }
}
