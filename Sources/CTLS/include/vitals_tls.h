#ifndef VITALS_TLS_H
#define VITALS_TLS_H

#include <stddef.h>
#include <stdint.h>

/// TLS client sessions over memory buffers, on the host's OpenSSL (libssl3 from Debian, patched by
/// its security updates): the caller moves ciphertext between the session and the network, so the
/// session never touches a socket. OpenSSL types stay inside; Swift sees opaque pointers.

/// 1 once OpenSSL has been loaded (by the first vitals_tls_context_new), 0 before or when it
/// could not be.
int vitals_tls_loaded(void);

/// A client configuration (the first call loads OpenSSL; when that fails, NULL with the reason): peer verification on, TLS 1.2 at least, trusting the system's roots or
/// only those in `ca_file` (PEM) when given. NULL on failure, with the reason in err.
void *vitals_tls_context_new(const char *ca_file, char *err, size_t errlen);
void vitals_tls_context_free(void *ctx);

/// One connection's session. `host` is the server's name (sent as SNI and checked against the
/// certificate) or an IP address literal (checked against the certificate's addresses; no SNI).
/// NULL on failure, with the reason in err.
void *vitals_tls_new(void *ctx, const char *host, char *err, size_t errlen);
void vitals_tls_free(void *session);

/// Results of the calls below.
#define VITALS_TLS_OK 1
#define VITALS_TLS_WANT 0
#define VITALS_TLS_ERROR (-1)
#define VITALS_TLS_CLOSED (-2)

/// Advances the handshake: VITALS_TLS_OK once done, VITALS_TLS_WANT while it needs the peer's
/// bytes, VITALS_TLS_ERROR when it failed (the reason from vitals_tls_error).
int vitals_tls_handshake(void *session);
/// Hands ciphertext from the network to the session. VITALS_TLS_ERROR when it cannot be taken.
int vitals_tls_feed(void *session, const uint8_t *bytes, size_t len);
/// Plaintext out: a count > 0, VITALS_TLS_WANT when more ciphertext is needed, VITALS_TLS_CLOSED
/// when the peer closed the session (close_notify), VITALS_TLS_ERROR on a failure.
long vitals_tls_read(void *session, uint8_t *buf, size_t len);
/// Plaintext in (all of it, or VITALS_TLS_ERROR); its ciphertext waits for vitals_tls_take.
int vitals_tls_write(void *session, const uint8_t *bytes, size_t len);
/// How many ciphertext bytes wait for the network.
size_t vitals_tls_pending(void *session);
/// Moves up to len waiting ciphertext bytes into buf; returns how many.
size_t vitals_tls_take(void *session, uint8_t *buf, size_t len);
/// Queues the session's close_notify (then vitals_tls_take it).
void vitals_tls_shutdown(void *session);
/// Why the last call failed: the certificate check's verdict when that was the cause, else
/// OpenSSL's reason.
const char *vitals_tls_error(void *session);

#endif
