#ifndef VITALS_TEST_HARNESS_H
#define VITALS_TEST_HARNESS_H

/// 1 once the test process ignores SIGPIPE (done by a constructor when the test binary loads).
int vitals_test_harness_sigpipe_ignored(void);

#endif
