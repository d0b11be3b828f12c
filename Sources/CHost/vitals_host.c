// Host facts the in-process checks ask for, through C because sd-bus's calls are variadic.
#define _GNU_SOURCE
#include "vitals_host.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

/// Opens the system bus for a question to systemd: 0 with *bus set; VITALS_NOT_APPLICABLE when the
/// host was not booted with systemd or has no system bus; -errno otherwise. The reason goes to buf.
static int open_systemd_bus(sd_bus **bus, char *buf, size_t len) {
    if (len) buf[0] = 0;
    if (sd_booted() <= 0) {
        snprintf(buf, len, "this system was not booted with systemd (a container or chroot without it)");
        return VITALS_NOT_APPLICABLE;
    }
    if (access("/run/dbus/system_bus_socket", F_OK) != 0 && !getenv("DBUS_SYSTEM_BUS_ADDRESS")) {
        snprintf(buf, len, "no system bus on this host (/run/dbus/system_bus_socket is missing: dbus is not installed or not running)");
        return VITALS_NOT_APPLICABLE;
    }
    int r = sd_bus_open_system(bus);
    if (r < 0) {
        snprintf(buf, len, "cannot reach the system bus: %s", strerror(-r));
        return r;
    }
    // A systemd that does not answer must not hold a check for sd-bus's default 25 s.
    sd_bus_set_method_call_timeout(*bus, 2 * 1000 * 1000);
    return 0;
}

int vitals_failed_units(char *buf, size_t len) {
    sd_bus *bus = NULL;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message *reply = NULL;
    int count = 0;
    size_t used = 0;
    int r = open_systemd_bus(&bus, buf, len);
    if (r != 0) return r;
    r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
                           "ListUnitsFiltered", &error, &reply, "as", 1, "failed");
    if (r < 0) {
        snprintf(buf, len, "systemd did not answer ListUnitsFiltered: %s", error.message ? error.message : strerror(-r));
        goto done;
    }
    r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
    if (r < 0) goto done;
    const char *name, *desc, *load, *active, *sub, *follow, *path, *jtype, *jpath;
    unsigned jid;
    while ((r = sd_bus_message_read(reply, "(ssssssouso)", &name, &desc, &load, &active, &sub, &follow, &path, &jid, &jtype, &jpath)) > 0) {
        count++;
        size_t n = strlen(name);
        if (used + n + 2 <= len) {
            memcpy(buf + used, name, n);
            used += n;
            buf[used++] = '\n';
            buf[used] = 0;
        }
    }
    if (r < 0) goto done;
    r = count;
done:
    if (r < 0 && len && !buf[0]) snprintf(buf, len, "cannot read the failed units: %s", strerror(-r));
    sd_bus_error_free(&error);
    sd_bus_message_unref(reply);
    sd_bus_unref(bus);
    return r;
}

int vitals_clock_synchronized(long *maxerror_us) {
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    int state = adjtimex(&tx);
    if (state < 0) return -errno;
    if (maxerror_us) *maxerror_us = tx.maxerror;
    // As timedatectl's NTPSynchronized: not STA_UNSYNC, and an error bound under 16 s.
    return (state != TIME_ERROR && !(tx.status & STA_UNSYNC) && tx.maxerror < 16000000) ? 1 : 0;
}

int vitals_timedated_ntp(int *synchronized, int *ntp_service, char *buf, size_t len) {
    sd_bus *bus = NULL;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    int value = 0;
    if (len) buf[0] = 0;
    if (access("/run/dbus/system_bus_socket", F_OK) != 0 && !getenv("DBUS_SYSTEM_BUS_ADDRESS")) {
        snprintf(buf, len, "no system bus");
        return -ENOENT;
    }
    int r = sd_bus_open_system(&bus);
    if (r < 0) {
        snprintf(buf, len, "cannot reach the system bus: %s", strerror(-r));
        return r;
    }
    r = sd_bus_get_property_trivial(bus, "org.freedesktop.timedate1", "/org/freedesktop/timedate1", "org.freedesktop.timedate1",
                                    "NTPSynchronized", &error, 'b', &value);
    if (r < 0) {
        snprintf(buf, len, "systemd-timedated did not answer NTPSynchronized: %s", error.message ? error.message : strerror(-r));
        goto done;
    }
    *synchronized = value ? 1 : 0;
    sd_bus_error_free(&error);
    value = 0;
    // Whether an NTP service (systemd-timesyncd, or chrony/ntpsec through timedated's list) is on;
    // -1 when timedated does not say.
    if (sd_bus_get_property_trivial(bus, "org.freedesktop.timedate1", "/org/freedesktop/timedate1", "org.freedesktop.timedate1",
                                    "NTP", &error, 'b', &value) >= 0)
        *ntp_service = value ? 1 : 0;
    else
        *ntp_service = -1;
    r = 0;
done:
    sd_bus_error_free(&error);
    sd_bus_unref(bus);
    return r;
}

long vitals_timesyncd_synchronized_age(void) {
    struct stat st;
    if (stat("/run/systemd/timesync/synchronized", &st) != 0) return -1;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    long age = (long)(now.tv_sec - st.st_mtim.tv_sec);
    return age < 0 ? 0 : age;
}

// libdispatch (statically linked into vitals) gives every worker thread it starts the nice value
// of its QoS class: 0 for default, -2 for user-initiated, -4 for its manager thread (timers,
// sources, Task.sleep). A service without CAP_SYS_NICE or RLIMIT_NICE may not lower its nice,
// so each such thread failed with EACCES and libdispatch wrote "Failed to set thread priority
// for worker thread ... errno=13" to syslog, which journald files under the unit outside vitals'
// own events (issue 13). This definition takes the place of libc's for the whole program: a
// request to lower the calling thread's nice below what it may have keeps the nice it has (what
// the kernel would leave anyway) and reports success, so nothing is logged; every other call
// goes to the kernel unchanged. Nice= in the unit therefore holds for every thread.
int setpriority(__priority_which_t which, id_t who, int prio) {
    long r = syscall(SYS_setpriority, which, who, prio);
    if (r == -1 && errno == EACCES && which == PRIO_PROCESS && who == 0) {
        errno = 0;
        int current = getpriority(PRIO_PROCESS, 0);
        if (errno == 0 && prio < current) return 0;
        errno = EACCES;
    }
    return (int)r;
}

int vitals_inotify_open(void) {
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int vitals_inotify_watch_dirs(int fd, const char *path) {
    int wd = inotify_add_watch(fd, path, IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR);
    return wd < 0 ? -errno : wd;
}

int vitals_inotify_drain(int fd) {
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    int changed = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return changed;
            return -errno;
        }
        if (n == 0) return changed;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *e = (const struct inotify_event *)p;
            if ((e->mask & (IN_ISDIR | IN_Q_OVERFLOW | IN_IGNORED | IN_DELETE_SELF)) != 0) changed = 1;
            p += sizeof(struct inotify_event) + e->len;
        }
    }
}

int vitals_fd_regenerates(int fd) {
    struct statfs s;
    if (fstatfs(fd, &s) != 0) return 0;
    return s.f_type == PROC_SUPER_MAGIC || s.f_type == 0x63677270 /* CGROUP2_SUPER_MAGIC */;
}

int vitals_fd_on_procfs(int fd) {
    struct statfs s;
    if (fstatfs(fd, &s) != 0) return 0;
    return s.f_type == PROC_SUPER_MAGIC;
}

int vitals_service_restarts(char *buf, size_t len, int max_units) {
    sd_bus *bus = NULL;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message *reply = NULL;
    int services = 0;
    size_t used = 0;
    int r = open_systemd_bus(&bus, buf, len);
    if (r != 0) return r;
    r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
                           "ListUnitsByPatterns", &error, &reply, "asas", 0, 1, "*.service");
    if (r < 0) {
        snprintf(buf, len, "systemd did not answer ListUnitsByPatterns: %s", error.message ? error.message : strerror(-r));
        goto done;
    }
    r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
    if (r < 0) goto done;
    const char *name, *desc, *load, *active, *sub, *follow, *path, *jtype, *jpath;
    unsigned jid;
    while (services < max_units &&
           (r = sd_bus_message_read(reply, "(ssssssouso)", &name, &desc, &load, &active, &sub, &follow, &path, &jid, &jtype, &jpath)) > 0) {
        services++;
        uint32_t restarts = 0;
        sd_bus_error_free(&error);
        if (sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Service", "NRestarts", &error, 'u',
                                        &restarts) < 0 || restarts == 0)
            continue;
        char *result = NULL;
        sd_bus_error_free(&error);
        if (sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Service", "Result", &error, &result) < 0)
            result = NULL;
        int n = snprintf(buf + used, len - used, "%s\t%u\t%s\n", name, restarts, result ? result : "unknown");
        free(result);
        if (n < 0 || (size_t)n >= len - used) {
            buf[used] = 0;  // the line did not fit: the list ends before it
            break;
        }
        used += (size_t)n;
    }
    if (r < 0) goto done;
    r = services;
done:
    if (r < 0 && len && !buf[0]) snprintf(buf, len, "cannot read the services' restarts: %s", strerror(-r));
    sd_bus_error_free(&error);
    sd_bus_message_unref(reply);
    sd_bus_unref(bus);
    return r;
}

/// The unit's object path (LoadUnit loads it when it is not loaded, as systemctl does).
static int unit_path(sd_bus *bus, const char *unit, char **path, sd_bus_error *error) {
    sd_bus_message *reply = NULL;
    int r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "LoadUnit",
                               error, &reply, "s", unit);
    if (r < 0) return r;
    const char *p = NULL;
    r = sd_bus_message_read(reply, "o", &p);
    if (r >= 0) *path = strdup(p);
    sd_bus_message_unref(reply);
    return r < 0 ? r : (*path ? 0 : -ENOMEM);
}

/// "loaded active running (exit-code)": the unit's states and, for a service, its Result.
static void describe_unit(sd_bus *bus, const char *path, char *buf, size_t len) {
    const char *names[] = {"LoadState", "ActiveState", "SubState"};
    size_t used = 0;
    if (len == 0) return;
    buf[0] = 0;
    for (int i = 0; i < 3; i++) {
        char *v = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        if (sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Unit", names[i], &e, &v) >= 0) {
            int n = snprintf(buf + used, len - used, "%s%s", used ? " " : "", v);
            if (n > 0 && (size_t)n < len - used) used += (size_t)n;
        }
        free(v);
        sd_bus_error_free(&e);
    }
    char *result = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    if (sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Service", "Result", &e, &result) >= 0 &&
        strcmp(result, "success") != 0) {
        int n = snprintf(buf + used, len - used, " (%s)", result);
        if (n > 0 && (size_t)n < len - used) used += (size_t)n;
    }
    free(result);
    sd_bus_error_free(&e);
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vitals_unit_job(const char *method, const char *unit, int timeout_ms, char *buf, size_t len) {
    sd_bus *bus = NULL;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message *reply = NULL;
    char *path = NULL, *job = NULL;
    int r = open_systemd_bus(&bus, buf, len);
    if (r != 0) return r;
    long long start = now_ms();
    r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", method, &error,
                           &reply, "ss", unit, "replace");
    if (r < 0) {
        const char *hint = "";
        if (sd_bus_error_has_name(&error, SD_BUS_ERROR_ACCESS_DENIED) || sd_bus_error_has_name(&error, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired")) {
            hint = " (polkit refused it: allow the actions' units with: sudo vitals action polkit-rule --install; needs polkitd)";
            r = -EACCES;
        }
        snprintf(buf, len, "systemd refused %s %s: %s%s", method, unit, error.message ? error.message : strerror(-r), hint);
        goto done;
    }
    const char *j = NULL;
    r = sd_bus_message_read(reply, "o", &j);
    if (r < 0 || !(job = strdup(j))) {
        snprintf(buf, len, "systemd's answer to %s carried no job", method);
        r = r < 0 ? r : -ENOMEM;
        goto done;
    }
    // The job is done when its object is gone.
    for (;;) {
        char *state = NULL;
        sd_bus_error_free(&error);
        int q = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", job, "org.freedesktop.systemd1.Job", "State", &error, &state);
        free(state);
        // Gone: the job finished. Any other error (a busy PID 1 past the call timeout, ...) says
        // nothing about the job: look again until the timeout.
        if (q < 0 && (sd_bus_error_has_name(&error, "org.freedesktop.DBus.Error.UnknownObject") ||
                      sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchJob")))
            break;
        if (now_ms() - start >= timeout_ms) {
            snprintf(buf, len, "the %s job of %s did not finish within %d ms", method, unit, timeout_ms);
            r = -ETIME;
            goto done;
        }
        usleep(200 * 1000);
    }
    sd_bus_error_free(&error);
    r = unit_path(bus, unit, &path, &error);
    if (r < 0) {
        snprintf(buf, len, "cannot read %s after its job: %s", unit, error.message ? error.message : strerror(-r));
        goto done;
    }
    char state[256];
    describe_unit(bus, path, state, sizeof state);
    double took = (double)(now_ms() - start) / 1000.0;
    if (strstr(state, " active ") || strstr(state, " reloading ")) {
        snprintf(buf, len, "%s after %.1f s", state, took);
        r = 0;
    } else {
        snprintf(buf, len, "the job ended after %.1f s with the unit %s", took, state);
        r = -EIO;
    }
done:
    sd_bus_error_free(&error);
    sd_bus_message_unref(reply);
    sd_bus_unref(bus);
    free(path);
    free(job);
    return r;
}

int vitals_unit_state(const char *unit, char *buf, size_t len) {
    sd_bus *bus = NULL;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    char *path = NULL;
    int r = open_systemd_bus(&bus, buf, len);
    if (r != 0) return r;
    r = unit_path(bus, unit, &path, &error);
    if (r < 0) {
        snprintf(buf, len, "systemd does not know %s: %s", unit, error.message ? error.message : strerror(-r));
    } else {
        describe_unit(bus, path, buf, len);
    }
    sd_bus_error_free(&error);
    sd_bus_unref(bus);
    free(path);
    return r;
}

/// One malloc arena for the whole process, set before main (and so before any thread allocates):
/// glibc gives each thread that contends for the heap an arena of its own, up to 8 per core, and
/// each keeps its freed pages. vitals allocates little, from a handful of threads, once a second;
/// its 5-7 arenas held about 1 MiB resident, about 0.3 MiB more than one heap (issue 17).
/// MALLOC_ARENA_MAX in the environment still decides, as glibc documents.
__attribute__((constructor)) static void vitals_one_malloc_arena(void) {
    if (!getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 1);
}
