// Set-up of the test process itself, before any test runs (a constructor: Swift Testing has no
// hook that runs first).
#include "vitals_test_harness.h"

#include <signal.h>

/// A write to a pipe or socket whose reader is gone (a child that exited before the test wrote
/// its input, a peer that closed) must fail that test with EPIPE, not kill the whole test
/// process with SIGPIPE: a killed test process leaves its children behind holding swift test's
/// output pipe, and the run then hangs until CI's own timeout (seen: exit by signal 13). The
/// agent and the plugins it starts are unaffected: the plugin runner resets every signal's
/// disposition in the child, and the agent binary does not link this.
__attribute__((constructor)) static void ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

int vitals_test_harness_sigpipe_ignored(void) {
    struct sigaction sa;
    return sigaction(SIGPIPE, 0, &sa) == 0 && sa.sa_handler == SIG_IGN;
}
