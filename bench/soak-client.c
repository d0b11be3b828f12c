/*
 * soak-client.c - load client for bench/soak: drives the agent's unix status socket with HTTP/1.1
 * keep-alive requests cycling through GET /v1/status, /metrics, /v1/alerts, /v1/health.
 *
 * Usage: soak-client [-n TOTAL=1000000] [-c CONNECTIONS=4] [-p PROGRESS_FILE] [--close] SOCKET
 *
 * CONNECTIONS threads, one connection each, share TOTAL requests. A connection is reused until the
 * server answers "Connection: close" (vitals closes after 100 requests on one connection) or fails;
 * then the thread connects again (counted as a reconnect; a failure is also counted as an error).
 * A reused connection that the server closed before answering (an idle close) is reconnected and the
 * request sent again, once, without counting an error. --close sends "Connection: close" and
 * connects for every request (for a server without keep-alive).
 * Every answer's status is checked (non-200s are counted) and its body read to Content-Length.
 * Latency = from writing the request to the last byte of the answer (a reconnect is not included).
 * If PROGRESS_FILE is given, "done errors non200" is rewritten there about once a second.
 * At the end it prints one line: requests, ok, non200, errors, reconnects, seconds, req/s, p50/p99/max ms.
 * Exit status 0 when every request was answered 200, 1 otherwise.
 *
 * Build: gcc -O2 -Wall -pthread -o bench/out/soak-client bench/soak-client.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *const paths[] = {"/v1/status", "/metrics", "/v1/alerts", "/v1/health"};
#define NPATHS 4

static const char *sock_path;
static int per_request_close;
static long total;
static atomic_long next_req, done_req, ok_req, non200, errors, reconnects, retries;
static uint32_t *lat_us; /* one slot per request, indexed by its number */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_unix(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_un a;
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, sock_path, sizeof(a.sun_path) - 1);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

struct conn {
    int fd;
    char *buf;
    size_t cap, len; /* bytes buffered (may hold the start of the next answer: none expected) */
};

/* Reads one answer. Returns the HTTP status (>0), -2 when the connection was closed before any byte of
 * the answer (an idle keep-alive close: retry on a new connection), or -1 on an I/O or parse error.
 * *close_after is set when the server said "Connection: close" (or the answer ended with EOF). */
static int read_answer(struct conn *c, int *close_after)
{
    size_t head_end = 0;
    *close_after = 0;
    for (;;) { /* until the end of the head */
        if (c->len >= 4) {
            char *e = memmem(c->buf, c->len, "\r\n\r\n", 4);
            if (e) {
                head_end = (size_t)(e - c->buf) + 4;
                break;
            }
        }
        if (c->len == c->cap) {
            c->cap *= 2;
            c->buf = realloc(c->buf, c->cap);
            if (!c->buf)
                abort();
        }
        ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return (c->len == 0 && (r == 0 || errno == ECONNRESET)) ? -2 : -1;
        c->len += (size_t)r;
    }
    int status = 0;
    if (sscanf(c->buf, "HTTP/1.%*d %d", &status) != 1 || status <= 0)
        return -1;
    long clen = -1;
    for (char *p = c->buf; p < c->buf + head_end;) {
        char *eol = memmem(p, (size_t)(c->buf + head_end - p), "\r\n", 2);
        if (!eol)
            break;
        if (strncasecmp(p, "Content-Length:", 15) == 0)
            clen = strtol(p + 15, NULL, 10);
        else if (strncasecmp(p, "Connection:", 11) == 0) {
            char *v = p + 11;
            while (*v == ' ')
                v++;
            if (strncasecmp(v, "close", 5) == 0)
                *close_after = 1;
        }
        p = eol + 2;
    }
    if (clen < 0) { /* no length: the body ends with the connection */
        *close_after = 1;
        for (;;) {
            if (c->len == c->cap) {
                c->cap *= 2;
                c->buf = realloc(c->buf, c->cap);
                if (!c->buf)
                    abort();
            }
            ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                return -1;
            if (r == 0)
                break;
            c->len += (size_t)r;
        }
        c->len = 0;
        return status;
    }
    size_t need = head_end + (size_t)clen;
    while (c->len < need) {
        if (need > c->cap) {
            while (c->cap < need)
                c->cap *= 2;
            c->buf = realloc(c->buf, c->cap);
            if (!c->buf)
                abort();
        }
        ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c->len += (size_t)r;
    }
    memmove(c->buf, c->buf + need, c->len - need);
    c->len -= need;
    return status;
}

static void *worker(void *arg)
{
    (void)arg;
    struct conn c = {.fd = -1, .cap = 65536, .len = 0};
    c.buf = malloc(c.cap);
    if (!c.buf)
        abort();
    char req[256];
    int fresh = 1, served = 0, retried = 0;
    for (;;) {
        long i = atomic_fetch_add(&next_req, 1);
        if (i >= total)
            break;
    again:
        if (c.fd < 0) {
            served = 0;
            c.fd = connect_unix();
            c.len = 0;
            if (!fresh)
                atomic_fetch_add(&reconnects, 1);
            fresh = 0;
            if (c.fd < 0) {
                atomic_fetch_add(&errors, 1);
                atomic_fetch_add(&done_req, 1);
                lat_us[i] = UINT32_MAX; /* not a latency: excluded below */
                retried = 0;
                usleep(10000);
                continue;
            }
        }
        int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n%s\r\n", paths[i % NPATHS],
                         per_request_close ? "Connection: close\r\n" : "");
        double t0 = now_s();
        int status = -1, close_after = 1;
        if (write_all(c.fd, req, (size_t)n) == 0)
            status = read_answer(&c, &close_after);
        else if (served > 0)
            status = -2;
        double dt = now_s() - t0;
        if (status == -2 && served > 0 && !retried) { /* closed while idle: send it again, once */
            close(c.fd);
            c.fd = -1;
            retried = 1;
            atomic_fetch_add(&retries, 1);
            goto again;
        }
        retried = 0;
        served++;
        if (status < 0) {
            atomic_fetch_add(&errors, 1);
            lat_us[i] = UINT32_MAX;
        } else {
            if (status == 200)
                atomic_fetch_add(&ok_req, 1);
            else
                atomic_fetch_add(&non200, 1);
            double us = dt * 1e6;
            lat_us[i] = us >= 4e9 ? 4000000000u : (uint32_t)us;
        }
        atomic_fetch_add(&done_req, 1);
        if (status < 0 || close_after) {
            close(c.fd);
            c.fd = -1;
        }
    }
    if (c.fd >= 0)
        close(c.fd);
    free(c.buf);
    return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {{"close", no_argument, NULL, 'C'}, {NULL, 0, NULL, 0}};
    long conns = 4;
    const char *progress = NULL;
    int o;
    total = 1000000;
    while ((o = getopt_long(argc, argv, "n:c:p:", longopts, NULL)) != -1) {
        switch (o) {
        case 'n': total = strtol(optarg, NULL, 10); break;
        case 'c': conns = strtol(optarg, NULL, 10); break;
        case 'p': progress = optarg; break;
        case 'C': per_request_close = 1; break;
        default: total = -1;
        }
    }
    if (optind != argc - 1 || total <= 0) {
        fprintf(stderr, "usage: %s [-n TOTAL=1000000] [-c CONNECTIONS=4] [-p PROGRESS_FILE] [--close] SOCKET\n", argv[0]);
        return 2;
    }
    sock_path = argv[optind];
    if (total <= 0 || conns <= 0 || conns > 64 || strlen(sock_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        fprintf(stderr, "soak-client: bad arguments\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    lat_us = malloc((size_t)total * sizeof(*lat_us));
    if (!lat_us)
        return 1;
    pthread_t th[64];
    double t0 = now_s();
    for (long i = 0; i < conns; i++)
        if (pthread_create(&th[i], NULL, worker, NULL) != 0) {
            fprintf(stderr, "soak-client: pthread_create failed\n");
            return 1;
        }
    while (atomic_load(&done_req) < total) {
        usleep(200000);
        static double last;
        if (progress && now_s() - last >= 1.0) {
            last = now_s();
            char tmp[4096];
            snprintf(tmp, sizeof(tmp), "%s.tmp", progress);
            FILE *f = fopen(tmp, "w");
            if (f) {
                fprintf(f, "%ld %ld %ld\n", atomic_load(&done_req), atomic_load(&errors), atomic_load(&non200));
                fclose(f);
                rename(tmp, progress);
            }
        }
    }
    for (long i = 0; i < conns; i++)
        pthread_join(th[i], NULL);
    double secs = now_s() - t0;

    size_t m = 0; /* latencies of answered requests */
    for (long i = 0; i < total; i++)
        if (lat_us[i] != UINT32_MAX)
            lat_us[m++] = lat_us[i];
    qsort(lat_us, m, sizeof(*lat_us), cmp_u32);
    double p50 = m ? lat_us[(m - 1) / 2] / 1000.0 : 0, p99 = m ? lat_us[(size_t)((double)(m - 1) * 0.99)] / 1000.0 : 0;
    double mx = m ? lat_us[m - 1] / 1000.0 : 0;
    long ok = atomic_load(&ok_req), bad = atomic_load(&non200), err = atomic_load(&errors);
    printf("soak-client: requests=%ld ok=%ld non200=%ld errors=%ld connections=%ld reconnects=%ld retries=%ld seconds=%.1f "
           "req_per_s=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
           total, ok, bad, err, conns, atomic_load(&reconnects), atomic_load(&retries), secs, (double)total / secs, p50, p99, mx);
    if (progress) {
        FILE *f = fopen(progress, "w");
        if (f) {
            fprintf(f, "%ld %ld %ld\n", total, err, bad);
            fclose(f);
        }
    }
    return ok == total ? 0 : 1;
}
