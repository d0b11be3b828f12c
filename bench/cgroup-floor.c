// The C floor of the units family: every second, for each unit directory given, pread its kept
// cpu.stat (usage_usec) and memory.current, as vitals' UnitSampler does between detail reads.
// Usage: cgroup-floor SECONDS DIR...   (bench/units-cost runs it)
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: cgroup-floor SECONDS DIR...\n"); return 2; }
    int seconds = atoi(argv[1]);
    int n = argc - 2;
    int *cpu = calloc(n, sizeof(int)), *mem = calloc(n, sizeof(int));
    char path[4096], buf[4096];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/cpu.stat", argv[i + 2]);
        cpu[i] = open(path, O_RDONLY | O_CLOEXEC);
        snprintf(path, sizeof path, "%s/memory.current", argv[i + 2]);
        mem[i] = open(path, O_RDONLY | O_CLOEXEC);
    }
    unsigned long long sum = 0;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (int s = 0; s < seconds; s++) {
        for (int i = 0; i < n; i++) {
            if (cpu[i] >= 0) {
                ssize_t k = pread(cpu[i], buf, sizeof buf - 1, 0);
                if (k > 0) { buf[k] = 0; char *p = strstr(buf, "usage_usec "); if (p) sum += strtoull(p + 11, NULL, 10); }
            }
            if (mem[i] >= 0) {
                ssize_t k = pread(mem[i], buf, sizeof buf - 1, 0);
                if (k > 0) { buf[k] = 0; sum += strtoull(buf, NULL, 10); }
            }
        }
        next.tv_sec += 1;
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    printf("%llu\n", sum & 1);
    return 0;
}
