// The plugin runner's process start, in C because the child between vfork and execve may run
// nothing but system calls: no allocation, no locks, no Swift runtime.
#define _GNU_SOURCE
#include "vitals_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static int set_limit(int resource, long long value) {
    if (value <= 0) return 0;
    struct rlimit r = {(rlim_t)value, (rlim_t)value};
    return setrlimit(resource, &r);
}

pid_t vitals_spawn(const vitals_spawn_options *o, const char **failed_step) {
    // Shared with the vfork child: it writes here before _exit when a step fails.
    volatile int child_errno = 0;
    volatile const char *child_step = 0;

    // No signal handler may run in the child while it shares the parent's memory.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);

    pid_t pid = vfork();
    if (pid == 0) {
        // Child. Default dispositions for every signal, then an empty mask.
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        for (int s = 1; s < NSIG; s++) sigaction(s, &dfl, 0);
        sigset_t none;
        sigemptyset(&none);
        const char *step = "setpgid";
        if (setpgid(0, 0) != 0) goto fail;
        step = "open /dev/null";
        int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null_fd < 0) goto fail;
        step = "dup2";
        if (dup2(null_fd, 0) < 0 || dup2(o->stdout_fd, 1) < 0 || dup2(o->stderr_fd, 2) < 0) goto fail;
        // Everything else closes at exec (close_range with CLOEXEC, Linux 5.11+; else a loop).
        if (syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) != 0) {
            for (int fd = 3; fd < 65536; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
        step = "setrlimit";
        if (set_limit(RLIMIT_CPU, o->cpu_seconds) || set_limit(RLIMIT_AS, o->address_space) ||
            set_limit(RLIMIT_NOFILE, o->open_files) || set_limit(RLIMIT_FSIZE, o->file_size) ||
            set_limit(RLIMIT_NPROC, o->processes))
            goto fail;
        step = "chdir";
        if (chdir(o->cwd) != 0) goto fail;
        if (o->change_user) {
            step = "setgroups";
            if (setgroups(0, 0) != 0) goto fail;
            step = "setgid";
            if (setgid(o->gid) != 0) goto fail;
            step = "setuid";
            if (setuid(o->uid) != 0) goto fail;
        }
        // No capability survives into the plugin, and it cannot gain any (setuid bits included).
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        step = "no_new_privs";
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) goto fail;
        sigprocmask(SIG_SETMASK, &none, 0);
        step = "execve";
        execve(o->path, o->argv, o->envp);
    fail:
        child_errno = errno;
        child_step = step;
        _exit(127);
    }
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, 0);
    if (pid < 0) {
        if (failed_step) *failed_step = "vfork";
        return -saved;
    }
    if (child_errno != 0) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        if (failed_step) *failed_step = (const char *)child_step;
        return -child_errno;
    }
    return pid;
}

int vitals_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int vitals_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
#else
    errno = ENOSYS;
    return -1;
#endif
}

int vitals_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }
