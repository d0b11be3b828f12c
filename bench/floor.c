/*
 * floor.c - the cheapest possible version of one vitals sampling cycle, as a baseline.
 *
 * Every second, for N cycles (argv[1], default 60), it does what one vitals cycle does and no more:
 *   - reads /proc/stat, meminfo, vmstat, loadavg, sys/fs/file-nr, self/mountinfo, pressure/{cpu,memory,io}
 *     (open / read until 0 / close, into one static buffer) and parses the numbers vitals needs;
 *   - statvfs() on every mount point from mountinfo whose fstype is a real (block or network) filesystem;
 *   - for every numeric directory in /proc: counts /proc/PID/fd entries (skipped on EACCES/ENOENT) and
 *     reads /proc/PID/limits ("Max open files");
 *   - counts /proc/self/fd.
 * SIGTERM/SIGINT end the loop early; the summary line is printed either way.
 *
 * Build: gcc -O2 -Wall -o bench/floor bench/floor.c
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 20]; /* 1 MiB: large enough for mountinfo on busy container hosts */
static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

/* Reads a whole file into buf (NUL-terminated). Returns its length, or -1. */
static long slurp(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    long len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        len += n;
        if ((size_t)len >= sizeof(buf) - 1)
            break;
    }
    close(fd);
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
    double load1, psi_avg10;
    long mounts, real_mounts, procs, procs_denied, self_fds;
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

static void cycle(struct totals *t)
{
    char path[sizeof(((struct dirent *)0)->d_name) + 16];

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

    /* mountinfo: "id parent maj:min root mountpoint opts [optional...] - fstype source superopts" */
    long len = slurp("/proc/self/mountinfo");
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
            t->mounts++;
            if (is_real_fs(fstype)) {
                struct statvfs sv;
                unescape(mp);
                t->real_mounts++;
                if (statvfs(mp, &sv) == 0)
                    t->fs_avail_bytes += (unsigned long long)sv.f_bavail * sv.f_frsize;
            }
        }
        line = nl ? nl + 1 : NULL;
    }

    DIR *proc = opendir("/proc");
    if (proc) {
        struct dirent *e;
        while ((e = readdir(proc)) != NULL) {
            if (!isdigit((unsigned char)e->d_name[0]))
                continue;
            t->procs++;
            snprintf(path, sizeof(path), "/proc/%s/fd", e->d_name);
            long n = count_dir(path);
            if (n < 0) {
                t->procs_denied++; /* EACCES (other user) or ENOENT (exited): skip */
                continue;
            }
            t->fds += (unsigned long long)n;
            snprintf(path, sizeof(path), "/proc/%s/limits", e->d_name);
            if (slurp(path) > 0) {
                char *m = strstr(buf, "Max open files");
                if (m)
                    t->nofile_soft += strtoull(m + 14, NULL, 10);
            }
        }
        closedir(proc);
    }
    long self = count_dir("/proc/self/fd");
    t->self_fds += self > 0 ? self : 0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 60;
    if (n <= 0) {
        fprintf(stderr, "usage: %s [CYCLES=60]   (one cycle per second)\n", argv[0]);
        return 2;
    }
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
        cycle(&t);
        done++;
        if (done == n)
            break;
        next.tv_sec += 1;
        while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
            ;
    }
    if (done == 0)
        done = 1;
    printf("floor: cycles=%ld cpu_jiffies_avg=%llu memavail_kb_avg=%llu pswpin=%llu oom_kill=%llu load1_avg=%.2f "
           "psi_avg10_sum=%.2f file_nr_avg=%llu mounts=%ld real_mounts=%ld fs_avail_gib=%.1f procs=%ld "
           "procs_skipped=%ld fds=%llu nofile_soft_sum=%llu self_fds=%ld\n",
           done, t.cpu_jiffies / done, t.mem_avail_kb / done, t.pswpin / done, t.oom_kill / done, t.load1 / done,
           t.psi_avg10 / done, t.file_nr / done, t.mounts / done, t.real_mounts / done,
           (double)t.fs_avail_bytes / done / (1024.0 * 1024 * 1024), t.procs / done, t.procs_denied / done,
           t.fds / done, t.nofile_soft / done, t.self_fds / done);
    return 0;
}
