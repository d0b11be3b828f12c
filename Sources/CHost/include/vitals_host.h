#ifndef VITALS_HOST_H
#define VITALS_HOST_H

#include <stddef.h>

/// Returned when the question cannot apply to this host (no systemd, no system bus).
#define VITALS_NOT_APPLICABLE (-10000)

/// The names of the systemd units in state "failed", newline-separated into buf (truncated to
/// len), through the system bus (org.freedesktop.systemd1 ListUnitsFiltered). Returns how many
/// failed; VITALS_NOT_APPLICABLE when the host has no systemd or no system bus at all; or -errno
/// when the bus cannot be asked. On anything but a count, buf holds the reason.
int vitals_failed_units(char *buf, size_t len);

/// The services systemd has loaded (ListUnitsByPatterns *.service, at most max_units) that
/// restarted automatically: one line `unit\tNRestarts\tResult\n` each for NRestarts > 0, into buf
/// (lines that do not fit are left out). Returns how many services were looked at;
/// VITALS_NOT_APPLICABLE without systemd or a system bus; -errno with the reason in buf.
int vitals_service_restarts(char *buf, size_t len, int max_units);

/// Asks systemd over the system bus to restart (`method` "RestartUnit") or reload ("ReloadUnit")
/// `unit` in mode "replace", then waits up to timeout_ms for the job to finish, looking every
/// 200 ms. Returns 0 when the job finished with the unit active; VITALS_NOT_APPLICABLE without
/// systemd or a system bus; -errno otherwise (EACCES: systemd, asking polkit, refused; ETIME: the
/// job did not finish in time). buf always holds what happened, e.g. "active (running) after 1.2 s"
/// or "job failed: the unit is failed (exit-code)".
int vitals_unit_job(const char *method, const char *unit, int timeout_ms, char *buf, size_t len);

/// The unit's load, active and sub state as systemd has them ("loaded active running"), into
/// buf, for a dry run; 0, VITALS_NOT_APPLICABLE, or -errno with the reason in buf.
int vitals_unit_state(const char *unit, char *buf, size_t len);

/// The kernel's clock discipline (adjtimex): 1 synchronised, 0 not, -errno on error; the
/// estimated maximum error in microseconds goes to *maxerror_us.
int vitals_clock_synchronized(long *maxerror_us);

/// systemd-timedated's NTPSynchronized (and NTP: whether an NTP service is on, -1 when not said)
/// over the system bus: the kernel's clock state as timedated reads it, for a caller whose
/// sandbox forbids adjtimex (ProtectClock=). 0 on success, -errno with the reason in buf.
int vitals_timedated_ntp(int *synchronized, int *ntp_service, char *buf, size_t len);

/// Seconds since systemd-timesyncd last marked the clock synchronised
/// (/run/systemd/timesync/synchronized), or -1 when the file is not there.
long vitals_timesyncd_synchronized_age(void);

/// 1 when the descriptor is on procfs (statfs magic PROC_SUPER_MAGIC), 0 when not or unknown
/// (fstatfs is not in Swift's Glibc module).
int vitals_fd_on_procfs(int fd);

/// 1 when the descriptor is on a filesystem that regenerates a file's text when it is read at
/// offset 0 again (procfs, cgroup2), so it can be kept open and re-read with pread; 0 when not.
int vitals_fd_regenerates(int fd);

/// A non-blocking, close-on-exec inotify descriptor, or -errno.
int vitals_inotify_open(void);

/// Watches the directory `path` for subdirectories made, removed or moved in or out; the watch
/// descriptor, or -errno.
int vitals_inotify_watch_dirs(int fd, const char *path);

/// Reads every pending event: 1 when any was about a directory (or the queue overflowed, or a
/// watched directory went away), 0 when none was, -errno when the descriptor cannot be read.
int vitals_inotify_drain(int fd);

#endif
