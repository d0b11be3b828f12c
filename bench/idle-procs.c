/*
 * idle-procs.c - starts N idle processes (children that only pause()) for bench/run, so the monitors
 * can be measured on a host with many processes. Prints "ready N" on stdout once all N are running,
 * then waits; on SIGTERM/SIGINT/SIGHUP it kills
 * every child by pid, reaps them, and exits. Each child also dies with its parent (PR_SET_PDEATHSIG),
 * so nothing is left running even if this process is SIGKILLed.
 *
 * Usage: idle-procs N
 * Build: gcc -O2 -Wall -o bench/out/idle-procs bench/idle-procs.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    if (n <= 0 || n > 100000) {
        fprintf(stderr, "usage: %s N   (1..100000 idle processes)\n", argv[0]);
        return 2;
    }
    pid_t *kids = calloc((size_t)n, sizeof(*kids));
    if (!kids)
        return 1;
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* Signals are held while forking, so a stop request cannot leave a child unrecorded. */
    sigprocmask(SIG_BLOCK, &block, &old);
    pid_t parent = getpid();
    long started = 0;
    for (; started < n; started++) {
        pid_t p = fork();
        if (p < 0) {
            fprintf(stderr, "idle-procs: fork %ld: %s\n", started + 1, strerror(errno));
            break;
        }
        if (p == 0) {
            signal(SIGTERM, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            signal(SIGHUP, SIG_DFL);
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent)
                _exit(0);
            sigprocmask(SIG_SETMASK, &old, NULL);
            for (;;)
                pause();
        }
        kids[started] = p;
    }
    printf("ready %ld\n", started);
    fflush(stdout);
    while (!stop && started == n)
        sigsuspend(&old);
    sigprocmask(SIG_SETMASK, &old, NULL);
    for (long i = 0; i < started; i++)
        kill(kids[i], SIGKILL);
    for (long i = 0; i < started; i++)
        while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
            ;
    return started == n ? 0 : 1;
}
