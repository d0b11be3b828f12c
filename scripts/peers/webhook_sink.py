#!/usr/bin/env python3
"""webhook_sink.py - a small, real HTTP receiver for vitals' webhook tests.

Started by the bash wrapper `webhook-sink` (see it for usage). Standard library
only: http.server.ThreadingHTTPServer on 127.0.0.1, HTTP/1.1 with keep-alive,
Content-Length and chunked request bodies.

Every request (any method, any path) is appended to --requests as ONE JSON line:
  {"seq": 1, "time": "2026-01-01T00:00:00.123456Z", "unix": 1767225600.123,
   "client": "127.0.0.1:40000", "method": "POST", "path": "/hook?x=1",
   "http_version": "HTTP/1.1",
   "headers": {"content-type": "application/json", ...},   # lower-case names
   "raw_headers": [["Content-Type", "application/json"], ...],  # as sent, in order
   "body": "<text>",            # UTF-8 text, or null when not valid UTF-8
   "body_base64": "...",        # only when body is not valid UTF-8
   "body_json": {...},          # only when body parses as JSON
   "signature": "valid" | "invalid" | "missing" | "not-checked",
   "mode": "ok", "status": 200, "delay_s": 0}
The line is written (and flushed) BEFORE the answer is sent, so a client that
times out in "slow" mode still leaves its record.

Modes: ok (200), fail (--fail-status, default 500), slow (sleep --delay s, then
200), flaky (answer --fail-status to the first --flaky-count requests, then 200).
With --secret, the header "X-Vitals-Signature: sha256=<hex>" must equal
HMAC-SHA256(secret, raw body) in lower- or upper-case hex; missing or wrong ->
401, checked before the mode (a 401 does not count towards "flaky").

GET /-/ready is answered 200 and not recorded (used for readiness checks).
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import signal

# A parent that blocks SIGTERM (a test runner's threads) passes the mask on through exec; the
# stop command's SIGTERM would then wait for its SIGKILL fallback. Take the signals back.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SIG_HEADER = "X-Vitals-Signature"


class Sink:
    """Shared state: settings, counters and the append-only request log."""

    def __init__(self, args):
        self.mode = args.mode
        self.fail_status = args.fail_status
        self.delay = args.delay
        self.flaky_count = args.flaky_count
        self.secret = args.secret.encode() if args.secret is not None else None
        self.lock = threading.Lock()
        self.seq = 0  # continues after the lines already in the file (restarts)
        if os.path.exists(args.requests):
            with open(args.requests, "rb") as f:
                self.seq = sum(1 for _ in f)
        self.mode_counter = 0  # requests that reached the mode logic
        self.out = open(args.requests, "a", encoding="utf-8")

    def check_signature(self, headers, body):
        if self.secret is None:
            return "not-checked"
        got = headers.get(SIG_HEADER)
        if not got:
            return "missing"
        got = got.strip()
        if not got.lower().startswith("sha256="):
            return "invalid"
        # vitals signs "<X-Vitals-Timestamp>.<body>" (so a captured request cannot be replayed
        # later); without that header the signature covers the body alone, as before.
        stamp = headers.get("X-Vitals-Timestamp")
        signed = (stamp.strip().encode() + b"." + body) if stamp else body
        want = hmac.new(self.secret, signed, hashlib.sha256).hexdigest()
        return "valid" if hmac.compare_digest(got[7:].lower(), want) else "invalid"

    def decide(self, signature):
        """Return (status, delay_s) for the next request; caller holds the lock."""
        if signature in ("missing", "invalid"):
            return 401, 0
        self.mode_counter += 1
        if self.mode == "ok":
            return 200, 0
        if self.mode == "fail":
            return self.fail_status, 0
        if self.mode == "slow":
            return 200, self.delay
        if self.mode == "flaky":
            return (self.fail_status if self.mode_counter <= self.flaky_count else 200), 0
        raise ValueError(self.mode)

    def record(self, entry):
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        self.out.write(line + "\n")
        self.out.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vitals-webhook-sink/1"

    def version_string(self):
        return self.server_version
    timeout = 120  # idle keep-alive connections are closed after this

    def log_message(self, fmt, *args):  # access log to stderr (the log file)
        sys.stderr.write("%s %s - %s\n" % (
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            self.address_string(), fmt % args))

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)  # CRLF after each chunk
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def answer(self, status, payload):
        data = (json.dumps(payload) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_any(self):
        sink: Sink = self.server.sink
        if self.command == "GET" and self.path == "/-/ready":
            self.answer(200, {"ready": True})
            return
        body = self.read_body()
        signature = sink.check_signature(self.headers, body)
        now = time.time()
        with sink.lock:
            sink.seq += 1
            seq = sink.seq
            status, delay = sink.decide(signature)
            entry = {
                "seq": seq,
                "time": datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
                .strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "unix": round(now, 6),
                "client": "%s:%d" % self.client_address[:2],
                "method": self.command,
                "path": self.path,
                "http_version": self.request_version,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "raw_headers": [[k, v] for k, v in self.headers.items()],
            }
            try:
                entry["body"] = body.decode("utf-8")
            except UnicodeDecodeError:
                entry["body"] = None
                entry["body_base64"] = base64.b64encode(body).decode()
            if body:
                try:
                    entry["body_json"] = json.loads(body)
                except ValueError:
                    pass
            entry.update({"signature": signature, "mode": sink.mode,
                          "status": status, "delay_s": delay})
            sink.record(entry)
        if delay:
            time.sleep(delay)
        reply = {"seq": seq, "status": status}
        if status == 401:
            reply["error"] = "bad or missing %s (signature=%s)" % (SIG_HEADER, signature)
        elif status >= 400:
            reply["error"] = "webhook-sink mode=%s answers %d" % (sink.mode, status)
        try:
            self.answer(status, reply)
        except (BrokenPipeError, ConnectionResetError):
            self.log_message("client went away before the answer (seq %d)", seq)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="0 = any free port")
    ap.add_argument("--mode", choices=["ok", "fail", "slow", "flaky"], default="ok")
    ap.add_argument("--fail-status", type=int, default=500)
    ap.add_argument("--delay", type=float, default=5.0, help="seconds, slow mode")
    ap.add_argument("--flaky-count", type=int, default=2, help="failures before 200, flaky mode")
    ap.add_argument("--secret", default=None, help="HMAC-SHA256 secret (enables checking)")
    ap.add_argument("--secret-file", default=None, help="read the secret from this file")
    ap.add_argument("--requests", required=True, help="JSON-lines file to append to")
    ap.add_argument("--ready-file", required=True, help="written with the port once listening")
    ap.add_argument("--state-dir", required=True, help="marker for the wrapper's PID check")
    ap.add_argument("--tls-cert", default=None, help="serve HTTPS with this certificate")
    ap.add_argument("--tls-key", default=None, help="and this key")
    args = ap.parse_args()
    if args.secret_file:
        with open(args.secret_file, encoding="utf-8") as f:
            args.secret = f.read().rstrip("\r\n")

    sink = Sink(args)
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.sink = sink
    port = server.server_address[1]

    def stop(signum, _frame):
        # Every record is already flushed, so exit at once (faster than
        # server.shutdown(), which waits for the serve_forever poll).
        sys.stderr.write("signal %d: exiting\n" % signum)
        sys.stderr.flush()
        with sink.lock:
            sink.out.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    tmp = args.ready_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, args.ready_file)
    sys.stderr.write("webhook-sink listening on 127.0.0.1:%d mode=%s pid=%d\n"
                     % (port, args.mode, os.getpid()))
    sys.stderr.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        sink.out.close()


if __name__ == "__main__":
    main()
