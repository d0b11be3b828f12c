#ifndef VITALS_SPAWN_H
#define VITALS_SPAWN_H

#include <sys/types.h>

/// What the child gets before it executes the plugin. Every field is applied in the child
/// between vfork and execve, with nothing but system calls.
typedef struct vitals_spawn_options {
    const char *path;          // the executable (absolute)
    char *const *argv;         // NULL-terminated
    char *const *envp;         // NULL-terminated: the whole environment
    const char *cwd;           // working directory
    int stdout_fd;             // becomes fd 1
    int stderr_fd;             // becomes fd 2 (stdin is /dev/null)
    long long cpu_seconds;     // RLIMIT_CPU (0 = leave)
    long long address_space;   // RLIMIT_AS in bytes (0 = leave)
    long long open_files;      // RLIMIT_NOFILE (0 = leave)
    long long file_size;       // RLIMIT_FSIZE in bytes (0 = leave)
    long long processes;       // RLIMIT_NPROC: tasks of the plugin's user (0 = leave)
    int change_user;           // 1: setgroups/setgid/setuid to uid/gid below
    uid_t uid;
    gid_t gid;
} vitals_spawn_options;

/// Starts the plugin in a process group of its own (pgid = its pid), with default signal
/// handling, an empty signal mask, stdin from /dev/null, the limits and user above, no ambient
/// capabilities and no new privileges, and every descriptor but 0-2 closed.
/// Returns the pid, or -errno when the child could not be set up or exec failed (the child has
/// then exited with 127 and been reaped); *failed_step names the step that failed.
pid_t vitals_spawn(const vitals_spawn_options *options, const char **failed_step);

/// pipe2(fds, O_CLOEXEC), which Swift's Glibc module does not export without _GNU_SOURCE.
int vitals_pipe_cloexec(int fds[2]);

/// pidfd_open(pid, 0): a descriptor that polls readable when the process exits (Linux 5.3+);
/// -1 with errno when the kernel has none.
int vitals_pidfd_open(pid_t pid);

/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphans of this process's descendants are reparented to it
/// (prctl is variadic, so Swift cannot call it). 0, or -1 with errno.
int vitals_set_child_subreaper(void);

#endif
