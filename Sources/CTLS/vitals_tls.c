#include "vitals_tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * OpenSSL is loaded on first use (dlopen of libssl.so.3, which brings libcrypto.so.3), not linked:
 * an agent without an HTTPS or TLS channel never maps or relocates the two libraries (1.3 MiB of
 * its resident memory, and the dynamic linker's work at every start of every vitals command).
 * Each function below is called through a pointer of the header's own type, so the compiler still
 * checks every call against the installed headers; the #defines route the calls (and the calls
 * hidden in OpenSSL's macros, such as SSL_set_tlsext_host_name -> SSL_ctrl) to the pointers.
 */
#define VITALS_TLS_FUNCTIONS(X)                                                                                \
    X(ERR_clear_error) X(ERR_get_error) X(ERR_peek_error) X(ERR_error_string_n) X(TLS_client_method)          \
    X(SSL_CTX_new) X(SSL_CTX_ctrl) X(SSL_CTX_set_verify) X(SSL_CTX_load_verify_locations)                      \
    X(SSL_CTX_set_default_verify_paths) X(SSL_CTX_free) X(SSL_new) X(SSL_free) X(SSL_ctrl) X(SSL_set1_host)    \
    X(SSL_get0_param) X(X509_VERIFY_PARAM_set1_ip_asc) X(SSL_set_bio) X(SSL_set_connect_state) X(BIO_new)     \
    X(BIO_s_mem) X(BIO_free) X(BIO_ctrl) X(BIO_write) X(BIO_read) X(BIO_ctrl_pending) X(SSL_do_handshake)     \
    X(SSL_get_error) X(SSL_get_verify_result) X(X509_verify_cert_error_string) X(SSL_read_ex) X(SSL_write_ex) \
    X(SSL_shutdown)

#define VITALS_TLS_DECLARE(f) static __typeof__(&f) vt_##f;
VITALS_TLS_FUNCTIONS(VITALS_TLS_DECLARE)

#define ERR_clear_error vt_ERR_clear_error
#define ERR_get_error vt_ERR_get_error
#define ERR_peek_error vt_ERR_peek_error
#define ERR_error_string_n vt_ERR_error_string_n
#define TLS_client_method vt_TLS_client_method
#define SSL_CTX_new vt_SSL_CTX_new
#define SSL_CTX_ctrl vt_SSL_CTX_ctrl
#define SSL_CTX_set_verify vt_SSL_CTX_set_verify
#define SSL_CTX_load_verify_locations vt_SSL_CTX_load_verify_locations
#define SSL_CTX_set_default_verify_paths vt_SSL_CTX_set_default_verify_paths
#define SSL_CTX_free vt_SSL_CTX_free
#define SSL_new vt_SSL_new
#define SSL_free vt_SSL_free
#define SSL_ctrl vt_SSL_ctrl
#define SSL_set1_host vt_SSL_set1_host
#define SSL_get0_param vt_SSL_get0_param
#define X509_VERIFY_PARAM_set1_ip_asc vt_X509_VERIFY_PARAM_set1_ip_asc
#define SSL_set_bio vt_SSL_set_bio
#define SSL_set_connect_state vt_SSL_set_connect_state
#define BIO_new vt_BIO_new
#define BIO_s_mem vt_BIO_s_mem
#define BIO_free vt_BIO_free
#define BIO_ctrl vt_BIO_ctrl
#define BIO_write vt_BIO_write
#define BIO_read vt_BIO_read
#define BIO_ctrl_pending vt_BIO_ctrl_pending
#define SSL_do_handshake vt_SSL_do_handshake
#define SSL_get_error vt_SSL_get_error
#define SSL_get_verify_result vt_SSL_get_verify_result
#define X509_verify_cert_error_string vt_X509_verify_cert_error_string
#define SSL_read_ex vt_SSL_read_ex
#define SSL_write_ex vt_SSL_write_ex
#define SSL_shutdown vt_SSL_shutdown

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[400];
static int load_done;

static void load_openssl(void) {
    void *h = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error, "cannot load OpenSSL (libssl.so.3: %s): install the libssl3 package",
                 why != NULL ? why : "not found");
        return;
    }
#define VITALS_TLS_LOAD(f)                                                                                     \
    vt_##f = (__typeof__(vt_##f))dlsym(h, #f);                                                                 \
    if (vt_##f == NULL) {                                                                                      \
        snprintf(load_error, sizeof load_error, "libssl.so.3 has no %s: install libssl3 3.0 or later", #f);  \
        return;                                                                                                \
    }
    VITALS_TLS_FUNCTIONS(VITALS_TLS_LOAD)
    load_done = 1;
}

int vitals_tls_loaded(void) { return load_done; }

struct vitals_tls {
    SSL *ssl;
    BIO *in;  /* ciphertext from the network, read by the session (owned by ssl) */
    BIO *out; /* ciphertext the session wrote, for the network (owned by ssl) */
    char error[512];
};

static void reason(char *out, size_t len, const char *what) {
    unsigned long e = ERR_get_error();
    char text[256] = "";
    if (e != 0) ERR_error_string_n(e, text, sizeof text);
    snprintf(out, len, "%s%s%s", what, e != 0 ? ": " : "", text);
    ERR_clear_error();
}

void *vitals_tls_context_new(const char *ca_file, char *err, size_t errlen) {
    pthread_once(&load_once, load_openssl);
    if (!load_done) {
        snprintf(err, errlen, "%s", load_error);
        return NULL;
    }
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        reason(err, errlen, "cannot create a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int loaded = ca_file != NULL ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL) : SSL_CTX_set_default_verify_paths(ctx);
    if (loaded != 1) {
        char what[300];
        snprintf(what, sizeof what, "cannot load the trusted certificates from %s", ca_file != NULL ? ca_file : "the system's store");
        reason(err, errlen, what);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

void vitals_tls_context_free(void *ctx) { SSL_CTX_free(ctx); }

static int is_address(const char *host) {
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

void *vitals_tls_new(void *ctx, const char *host, char *err, size_t errlen) {
    ERR_clear_error();
    struct vitals_tls *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->ssl = SSL_new(ctx);
    s->in = BIO_new(BIO_s_mem());
    s->out = BIO_new(BIO_s_mem());
    if (s->ssl == NULL || s->in == NULL || s->out == NULL) {
        reason(err, errlen, "cannot create a TLS session");
        if (s->ssl != NULL) SSL_free(s->ssl);
        BIO_free(s->in);
        BIO_free(s->out);
        free(s);
        return NULL;
    }
    /* An empty input means "wait for more", not the end of the stream. */
    BIO_set_mem_eof_return(s->in, -1);
    SSL_set_bio(s->ssl, s->in, s->out);
    SSL_set_connect_state(s->ssl);
    int named;
    if (is_address(host)) {
        named = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl), host);
    } else {
        named = SSL_set_tlsext_host_name(s->ssl, host) == 1 && SSL_set1_host(s->ssl, host) == 1;
    }
    if (named != 1) {
        reason(err, errlen, "cannot set the server name to check");
        vitals_tls_free(s);
        return NULL;
    }
    return s;
}

void vitals_tls_free(void *session) {
    struct vitals_tls *s = session;
    if (s == NULL) return;
    SSL_free(s->ssl); /* frees both memory BIOs */
    free(s);
}

/* Records why an SSL call failed; the certificate check's verdict first when it failed. */
static int failed(struct vitals_tls *s, int ret) {
    int code = SSL_get_error(s->ssl, ret);
    if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        return VITALS_TLS_WANT;
    }
    if (code == SSL_ERROR_ZERO_RETURN) {
        ERR_clear_error();
        return VITALS_TLS_CLOSED;
    }
    long verify = SSL_get_verify_result(s->ssl);
    if (verify != X509_V_OK) {
        snprintf(s->error, sizeof s->error, "certificate verify failed: %s", X509_verify_cert_error_string(verify));
        ERR_clear_error();
    } else if (code == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
        snprintf(s->error, sizeof s->error, "the server closed the connection during TLS");
    } else {
        reason(s->error, sizeof s->error, "TLS failed");
    }
    return VITALS_TLS_ERROR;
}

int vitals_tls_handshake(void *session) {
    struct vitals_tls *s = session;
    ERR_clear_error();
    int r = SSL_do_handshake(s->ssl);
    return r == 1 ? VITALS_TLS_OK : failed(s, r);
}

int vitals_tls_feed(void *session, const uint8_t *bytes, size_t len) {
    struct vitals_tls *s = session;
    while (len > 0) {
        int chunk = len > 1 << 20 ? 1 << 20 : (int)len;
        int n = BIO_write(s->in, bytes, chunk);
        if (n <= 0) {
            snprintf(s->error, sizeof s->error, "TLS input buffer full");
            return VITALS_TLS_ERROR;
        }
        bytes += n;
        len -= (size_t)n;
    }
    return VITALS_TLS_OK;
}

long vitals_tls_read(void *session, uint8_t *buf, size_t len) {
    struct vitals_tls *s = session;
    ERR_clear_error();
    size_t got = 0;
    int r = SSL_read_ex(s->ssl, buf, len, &got);
    return r == 1 ? (long)got : failed(s, 0);
}

int vitals_tls_write(void *session, const uint8_t *bytes, size_t len) {
    struct vitals_tls *s = session;
    while (len > 0) {
        ERR_clear_error();
        size_t written = 0;
        if (SSL_write_ex(s->ssl, bytes, len, &written) != 1) {
            int r = failed(s, 0);
            return r == VITALS_TLS_WANT ? VITALS_TLS_ERROR : r;
        }
        bytes += written;
        len -= written;
    }
    return VITALS_TLS_OK;
}

size_t vitals_tls_pending(void *session) {
    struct vitals_tls *s = session;
    return BIO_ctrl_pending(s->out);
}

size_t vitals_tls_take(void *session, uint8_t *buf, size_t len) {
    struct vitals_tls *s = session;
    int n = BIO_read(s->out, buf, len > 1 << 20 ? 1 << 20 : (int)len);
    return n > 0 ? (size_t)n : 0;
}

void vitals_tls_shutdown(void *session) {
    struct vitals_tls *s = session;
    ERR_clear_error();
    SSL_shutdown(s->ssl);
    ERR_clear_error();
}

const char *vitals_tls_error(void *session) {
    struct vitals_tls *s = session;
    return s->error[0] != '\0' ? s->error : "TLS failed";
}
