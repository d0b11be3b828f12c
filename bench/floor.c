/*
 * floor.c - the cheapest possible version of one vitals sampling cycle, as a baseline.
 *
 * Usage: floor [--listing] [--scan-every N] [--top K] [CYCLES=60]
 *
 * Every second, for CYCLES cycles, it does what one vitals cycle does and no more:
 *   - reads /proc/stat, meminfo, vmstat, loadavg, sys/fs/file-nr, pressure/{cpu,memory,io} (each kept
 *     open and re-read with pread from offset 0, into one static buffer) and parses the numbers vitals
 *     needs; parses self/mountinfo again only when poll() reports a mount table change;
 *   - statvfs() on every mount point from mountinfo whose fstype is a real (block or network) filesystem;
 *   - counts its own open descriptors (/proc/self/fd);
 *   - every Nth cycle (--scan-every N, default 1 = every cycle; the first cycle always scans) the
 *     per-process scan, for every numeric directory in /proc:
 *       default ("stat" form): the open-fd count is the st_size of ONE stat() of /proc/PID/fd (kernels
 *         >= 6.2 report the number of open descriptors there; checked once at start against a listing of
 *         /proc/self/fd, falling back to listing when it does not match, e.g. kernel 6.1), and
 *         /proc/PID/limits ("Max open files") is read only for a pid not seen in the previous scan (pids
 *         no longer present are dropped); then /proc/PID/comm of the top K processes (fds / soft limit);
 *       --listing (the previous floor): counts the /proc/PID/fd entries with a directory listing and
 *         reads /proc/PID/limits of every process, every scan, no comm;
 *     (EACCES/ENOENT on a process are counted as skipped);
 *   - on the other cycles, re-measures only the top K processes of the last scan (one stat() each, or
 *     one listing each with --listing), like vitals between two scans.
 * SIGTERM/SIGINT end the loop early; the summary line is printed either way. The per-process figures
 * of the summary (procs, fds, ...) are averages per scan, the others averages per cycle.
 *
 * Build: gcc -O2 -Wall -o bench/out/floor bench/floor.c
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define MAX_TOP 64

static char buf[1 << 20]; /* 1 MiB: large enough for mountinfo on busy container hosts */
static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

/* Reads a whole file into buf (NUL-terminated) through a descriptor kept open from the first read,
 * with pread from offset 0 (procfs regenerates the text at offset 0): one system call per read, the
 * cheapest form, as vitals does it. Returns its length, or -1. */
#define MAX_KEPT 16
static struct { const char *path; int fd; } kept[MAX_KEPT];
static int kept_n;

static int kept_fd(const char *path)
{
    for (int i = 0; i < kept_n; i++)
        if (kept[i].path == path)
            return kept[i].fd;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && kept_n < MAX_KEPT) {
        kept[kept_n].path = path;
        kept[kept_n].fd = fd;
        kept_n++;
    }
    return fd;
}

static long slurp(const char *path)
{
    int fd = kept_fd(path);
    if (fd < 0)
        return -1;
    long len = 0;
    for (;;) {
        ssize_t n = pread(fd, buf + len, sizeof(buf) - 1 - (size_t)len, (off_t)len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        len += n;
        if ((size_t)len >= sizeof(buf) - 1)
            break;
    }
    buf[len] = '\0';
    return len;
}

/* Value after "key" at the start of a line ("MemAvailable:" or "pswpin "), or -1. */
static long long field(const char *text, const char *key)
{
    size_t k = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
        if (strncmp(p, key, k) == 0)
            return strtoll(p + k, NULL, 10);
    }
    return -1;
}

static int is_real_fs(const char *t)
{
    static const char *const real[] = {
        "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "msdos", "exfat", "ntfs", "ntfs3", "fuseblk",
        "zfs", "f2fs", "jfs", "reiserfs", "bcachefs", "hfsplus", "nfs", "nfs4", "cifs", "smb3",
        "ceph", "glusterfs", "fuse.sshfs", NULL,
    };
    for (int i = 0; real[i]; i++)
        if (strcmp(t, real[i]) == 0)
            return 1;
    return 0;
}

/* In-place decode of the kernel's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
            *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 3;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

struct totals {
    unsigned long long cpu_jiffies, mem_avail_kb, pswpin, oom_kill, file_nr, fs_avail_bytes, fds, nofile_soft;
    unsigned long long limits_reads, comm_reads, top_restats, top_fds;
    double load1, psi_avg10;
    long mounts, real_mounts, procs, procs_denied, self_fds, scans;
};

/* Counts the entries of an fd directory (without . and ..); -1 if it cannot be opened. */
static long count_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* ---- open-fd count of one process ------------------------------------------------------------- */

static int listing;       /* --listing: the previous floor's per-process scan */
static int stat_counts;   /* st_size of /proc/PID/fd is the open-fd count (checked at start) */
static const char *fdcount_how = "stat";

/* Decides once whether one stat() of /proc/PID/fd gives the open-fd count (Linux >= 6.2). */
static void detect_stat_counts(void)
{
    struct stat st;
    if (stat("/proc/self/fd", &st) != 0) {
        fdcount_how = "listing(stat-failed)";
        return;
    }
    long listed = count_dir("/proc/self/fd"); /* includes the listing's own descriptor */
    if (st.st_size > 0 && (listed == st.st_size || listed == st.st_size + 1)) {
        stat_counts = 1;
        fdcount_how = "stat";
    } else {
        fdcount_how = "listing(stat-size-unsupported)";
    }
}

/* Open descriptors of the process whose fd directory is `path`; -1 if not readable or gone. */
static long fd_count(const char *path)
{
    if (stat_counts) {
        struct stat st;
        if (stat(path, &st) != 0)
            return -1;
        return (long)st.st_size;
    }
    return count_dir(path);
}

/* ---- limits cache: pids of the previous scan, sorted, with their soft RLIMIT_NOFILE -------------- */

struct known { int pid; unsigned long long soft; };
static struct known *prev, *next_scan;
static size_t prev_n, next_n, cap;

static int cmp_known(const void *a, const void *b)
{
    int x = ((const struct known *)a)->pid, y = ((const struct known *)b)->pid;
    return (x > y) - (x < y);
}

static const struct known *find_prev(int pid)
{
    struct known key = {pid, 0};
    return prev_n ? bsearch(&key, prev, prev_n, sizeof(*prev), cmp_known) : NULL;
}

static void remember(int pid, unsigned long long soft)
{
    if (next_n == cap) {
        size_t c = cap ? cap * 2 : 1024;
        struct known *a = realloc(prev, c * sizeof(*a)), *b;
        if (!a)
            return;
        prev = a;
        b = realloc(next_scan, c * sizeof(*b));
        if (!b)
            return;
        next_scan = b;
        cap = c;
    }
    next_scan[next_n++] = (struct known){pid, soft};
}

/* ---- top K processes by fds / soft limit -------------------------------------------------------- */

struct topp { int pid; long open; unsigned long long soft; };
static struct topp top[MAX_TOP];
static int top_n, top_k = 5;

static int above(long open, unsigned long long soft, const struct topp *t)
{
    /* open/soft > t->open/t->soft (a soft limit of 0, i.e. "unlimited", ranks last); ties by open count */
    double a = soft ? (double)open / (double)soft : 0, b = t->soft ? (double)t->open / (double)t->soft : 0;
    return a > b || (a == b && open > t->open);
}

static void consider(int pid, long open, unsigned long long soft)
{
    if (top_k <= 0)
        return;
    int i = top_n < top_k ? top_n++ : top_k;
    if (i == top_k && !above(open, soft, &top[top_k - 1]))
        return;
    if (i == top_k)
        i = top_k - 1;
    while (i > 0 && above(open, soft, &top[i - 1])) {
        top[i] = top[i - 1];
        i--;
    }
    top[i] = (struct topp){pid, open, soft};
}

/* ---- one cycle ---------------------------------------------------------------------------------- */

static void scan_processes(struct totals *t)
{
    char path[sizeof(((struct dirent *)0)->d_name) + 16];
    DIR *proc = opendir("/proc");
    if (!proc)
        return;
    t->scans++;
    top_n = 0;
    next_n = 0;
    int sorted = 1, last = -1;
    struct dirent *e;
    while ((e = readdir(proc)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        t->procs++;
        snprintf(path, sizeof(path), "/proc/%s/fd", e->d_name);
        long n = fd_count(path);
        if (n < 0) {
            t->procs_denied++; /* EACCES (other user) or ENOENT (exited): skip */
            continue;
        }
        t->fds += (unsigned long long)n;
        int pid = atoi(e->d_name);
        unsigned long long soft = 0;
        const struct known *k = listing ? NULL : find_prev(pid);
        if (k) {
            soft = k->soft;
        } else {
            snprintf(path, sizeof(path), "/proc/%s/limits", e->d_name);
            t->limits_reads++;
            if (slurp(path) <= 0)
                continue;
            char *m = strstr(buf, "Max open files");
            if (!m)
                continue;
            soft = strtoull(m + 14, NULL, 10); /* "unlimited" parses as 0 */
        }
        t->nofile_soft += soft;
        if (!listing) {
            remember(pid, soft);
            if (pid < last)
                sorted = 0;
            last = pid;
        }
        consider(pid, n, soft);
    }
    closedir(proc);
    if (!listing) { /* this scan's pids become the cache; pids gone since the last scan are dropped */
        if (!sorted)
            qsort(next_scan, next_n, sizeof(*next_scan), cmp_known);
        struct known *tmp = prev;
        prev = next_scan;
        next_scan = tmp;
        prev_n = next_n;
        for (int i = 0; i < top_n; i++) { /* names of the top processes, as vitals reports them */
            snprintf(path, sizeof(path), "/proc/%d/comm", top[i].pid);
            t->comm_reads++;
            (void)slurp(path);
        }
    }
}

/* Between two scans: one fd count of each top process (dropped when gone). */
static void restat_top(struct totals *t)
{
    char path[64];
    int w = 0;
    for (int i = 0; i < top_n; i++) {
        snprintf(path, sizeof(path), "/proc/%d/fd", top[i].pid);
        long n = fd_count(path);
        t->top_restats++;
        if (n < 0)
            continue;
        top[i].open = n;
        t->top_fds += (unsigned long long)n;
        top[w++] = top[i];
    }
    top_n = w;
}

static void cycle(struct totals *t, int scan)
{
    if (slurp("/proc/stat") > 0 && strncmp(buf, "cpu ", 4) == 0) {
        char *p = buf + 4, *end;
        for (int i = 0; i < 10; i++) {
            unsigned long long v = strtoull(p, &end, 10);
            if (end == p)
                break;
            t->cpu_jiffies += v;
            p = end;
        }
    }
    if (slurp("/proc/meminfo") > 0) {
        long long v = field(buf, "MemAvailable:");
        if (v >= 0)
            t->mem_avail_kb += (unsigned long long)v;
    }
    if (slurp("/proc/vmstat") > 0) {
        long long a = field(buf, "pswpin "), b = field(buf, "oom_kill ");
        t->pswpin += a > 0 ? (unsigned long long)a : 0;
        t->oom_kill += b > 0 ? (unsigned long long)b : 0;
    }
    if (slurp("/proc/loadavg") > 0)
        t->load1 += strtod(buf, NULL);
    if (slurp("/proc/sys/fs/file-nr") > 0)
        t->file_nr += strtoull(buf, NULL, 10);
    static const char *const psi[] = {"/proc/pressure/cpu", "/proc/pressure/memory", "/proc/pressure/io"};
    for (int i = 0; i < 3; i++) {
        if (slurp(psi[i]) > 0) {
            char *a = strstr(buf, "avg10=");
            if (a)
                t->psi_avg10 += strtod(a + 6, NULL);
        }
    }

    /* mountinfo: "id parent maj:min root mountpoint opts [optional...] - fstype source superopts",
     * parsed again only when poll() reports a mount table change (POLLPRI), as vitals does; the
     * real mount points are kept between cycles and statvfs'ed every cycle. */
    static char mountpoints[256][256];
    static int n_real, n_mounts, parsed;
    static const char mountinfo[] = "/proc/self/mountinfo";
    struct pollfd pfd = {.fd = kept_fd(mountinfo), .events = POLLPRI};
    if (!parsed || (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLPRI | POLLERR)))) {
        parsed = 1;
        n_real = n_mounts = 0;
        long len = slurp(mountinfo);
        for (char *line = buf; len > 0 && line && *line;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            char *mp = NULL, *sep = strstr(line, " - ");
            char *s = line;
            for (int i = 0; i < 4 && s; i++) { /* skip id, parent, maj:min, root */
                s = strchr(s, ' ');
                if (s)
                    s++;
            }
            if (s && sep) {
                mp = s;
                char *sp = strchr(mp, ' ');
                if (sp)
                    *sp = '\0';
                char *fstype = sep + 3, *fe = strchr(fstype, ' ');
                if (fe)
                    *fe = '\0';
                n_mounts++;
                if (is_real_fs(fstype) && n_real < 256) {
                    unescape(mp);
                    snprintf(mountpoints[n_real++], sizeof mountpoints[0], "%s", mp);
                }
            }
            line = nl ? nl + 1 : NULL;
        }
    }
    t->mounts += n_mounts;
    t->real_mounts += n_real;
    for (int i = 0; i < n_real; i++) {
        struct statvfs sv;
        if (statvfs(mountpoints[i], &sv) == 0)
            t->fs_avail_bytes += (unsigned long long)sv.f_bavail * sv.f_frsize;
    }

    if (scan)
        scan_processes(t);
    else
        restat_top(t);
    long self = listing ? count_dir("/proc/self/fd") : fd_count("/proc/self/fd");
    t->self_fds += self > 0 ? self : 0;
}

static void usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [--listing] [--scan-every N] [--top K] [CYCLES=60]   (one cycle per second)\n",
            argv0);
    exit(2);
}

int main(int argc, char **argv)
{
    long n = 60, every = 1;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--listing") == 0) {
            listing = 1;
        } else if (strcmp(argv[i], "--scan-every") == 0 && i + 1 < argc) {
            every = strtol(argv[++i], &end, 10);
            if (*end || every <= 0)
                usage(argv[0]);
        } else if (strcmp(argv[i], "--top") == 0 && i + 1 < argc) {
            top_k = (int)strtol(argv[++i], &end, 10);
            if (*end || top_k < 0 || top_k > MAX_TOP)
                usage(argv[0]);
        } else {
            n = strtol(argv[i], &end, 10);
            if (*end || n <= 0)
                usage(argv[0]);
        }
    }
    if (listing)
        fdcount_how = "listing";
    else
        detect_stat_counts();

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    struct totals t;
    memset(&t, 0, sizeof(t));
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    long done = 0;
    while (done < n && !stop) {
        cycle(&t, done % every == 0);
        done++;
        if (done == n)
            break;
        next.tv_sec += 1;
        while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
            ;
    }
    if (done == 0)
        done = 1;
    long scans = t.scans ? t.scans : 1;
    long restat_cycles = done - t.scans > 0 ? done - t.scans : 1;
    printf("floor: cycles=%ld cpu_jiffies_avg=%llu memavail_kb_avg=%llu pswpin=%llu oom_kill=%llu load1_avg=%.2f "
           "psi_avg10_sum=%.2f file_nr_avg=%llu mounts=%ld real_mounts=%ld fs_avail_gib=%.1f procs=%ld "
           "procs_skipped=%ld fds=%llu nofile_soft_sum=%llu self_fds=%ld "
           "form=%s fdcount=%s scan_every=%ld scans=%ld limits_reads=%llu comm_reads=%llu top=%d "
           "top_restats=%llu top_fds_avg=%llu\n",
           done, t.cpu_jiffies / done, t.mem_avail_kb / done, t.pswpin / done, t.oom_kill / done, t.load1 / done,
           t.psi_avg10 / done, t.file_nr / done, t.mounts / done, t.real_mounts / done,
           (double)t.fs_avail_bytes / done / (1024.0 * 1024 * 1024), t.procs / scans, t.procs_denied / scans,
           t.fds / scans, t.nofile_soft / scans, t.self_fds / done,
           listing ? "listing" : "stat", fdcount_how, every, t.scans, t.limits_reads / scans,
           t.comm_reads / scans, top_k, t.top_restats, t.top_fds / restat_cycles);
    return 0;
}
