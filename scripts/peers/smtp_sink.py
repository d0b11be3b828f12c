#!/usr/bin/env python3
"""smtp_sink.py - a real SMTP server (aiosmtpd) that stores every message it accepts.

Started by the bash wrapper `smtp-sink` (see it for usage). Needs aiosmtpd
(Debian: python3-aiosmtpd, 1.4.x; or `pip install aiosmtpd`).

Each accepted message becomes two files in --maildir, written atomically (the
.json first, then the .eml renamed into place, so a poller that sees NNNNNN.eml
can always read NNNNNN.json):
  NNNNNN.eml   the DATA exactly as received (dot-unstuffed, CRLF line ends)
  NNNNNN.json  the envelope: {"id","received_at","peer","helo","mail_from",
               "mail_options","rcpt_tos","rcpt_options","tls","tls_version",
               "auth_user","size","file"}
Events (connections refused by fail mode, AUTH results, stored messages,
rejections) are appended as JSON lines to --events.

TLS: --tls none | starttls (STARTTLS offered and REQUIRED before MAIL) |
implicit (TLS from the first byte, "SMTPS" as on port 465).
AUTH: --auth-user/--auth-password make AUTH PLAIN/LOGIN mandatory; --auth-require-tls
advertises AUTH only after TLS (otherwise AUTH is allowed on a plain connection).
Fail: --fail-code (421, 450, 451, 452 or any 4xx/5xx) at --fail-stage connect |
mail | rcpt | data, for the first --fail-count answers (0 = always). 421 also
closes the connection, as RFC 5321 requires.
"""
import argparse
import asyncio
import datetime
import json
import logging
import os
import re
import signal

# A parent that blocks SIGTERM (a test runner's threads) passes the mask on through exec; the
# stop command's SIGTERM would then wait for its SIGKILL fallback. Take the signals back.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
import ssl
import sys
import warnings

try:
    from aiosmtpd import __version__ as AIOSMTPD_VERSION
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError:  # pragma: no cover
    sys.stderr.write("smtp_sink.py: aiosmtpd missing (apt-get install python3-aiosmtpd)\n")
    sys.exit(3)

FAIL_TEXT = {
    421: "4.3.2 vitals smtp-sink: service not available, closing transmission channel",
    450: "4.2.1 vitals smtp-sink: mailbox unavailable (fail mode), try again later",
    451: "4.3.0 vitals smtp-sink: local error in processing (fail mode), try again later",
    452: "4.3.1 vitals smtp-sink: insufficient system storage (fail mode), try again later",
}


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Sink:
    """aiosmtpd handler: stores messages, applies fail mode, logs events."""

    def __init__(self, args):
        self.maildir = args.maildir
        self.events_path = args.events
        self.fail_code = args.fail_code
        self.fail_stage = args.fail_stage
        self.fail_count = args.fail_count
        self.failures_sent = 0
        # (no attribute may start with "auth_": aiosmtpd takes those as AUTH mechanisms)
        self.with_auth = args.auth_user is not None
        os.makedirs(self.maildir, exist_ok=True)
        nums = [int(m.group(1)) for m in
                (re.match(r"^(\d+)\.eml$", n) for n in os.listdir(self.maildir)) if m]
        self.next_id = max(nums, default=0) + 1  # numbering continues across restarts

    def event(self, kind, **fields):
        rec = {"time": utcnow(), "event": kind}
        rec.update(fields)
        with open(self.events_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec, separators=(",", ":")) + "\n")

    # -- fail mode --
    def should_fail(self, stage):
        if self.fail_code is None or stage != self.fail_stage:
            return False
        if self.fail_count and self.failures_sent >= self.fail_count:
            return False
        self.failures_sent += 1
        return True

    def fail_reply(self, server, session, stage):
        code = self.fail_code
        text = FAIL_TEXT.get(code, "%d.0.0 vitals smtp-sink: failure (fail mode)" % (code // 100))
        self.event("rejected", stage=stage, code=code, peer=peer_str(session),
                   failures_sent=self.failures_sent)
        if code == 421:
            # Send the reply, then close: asyncio flushes the write buffer first.
            server.loop.call_soon(lambda: server.transport and server.transport.close())
        return "%d %s" % (code, text)

    # -- aiosmtpd hooks --
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # 5-argument form: we get aiosmtpd's EHLO lines and return the final list.
        session.host_name = hostname
        if not self.with_auth:  # modes without AUTH must not advertise it
            responses = [r for r in responses if not r.startswith("250-AUTH")]
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.should_fail("mail"):
            return self.fail_reply(server, session, "mail")
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.should_fail("rcpt"):
            return self.fail_reply(server, session, "rcpt")
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.should_fail("data"):
            return self.fail_reply(server, session, "data")
        msg_id = "%06d" % self.next_id
        self.next_id += 1
        data = envelope.original_content or b""
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        ssl_obj = session.ssl.get("ssl_object") if isinstance(session.ssl, dict) else None
        meta = {
            "id": msg_id,
            "received_at": utcnow(),
            "peer": peer_str(session),
            "helo": session.host_name,
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "rcpt_options": envelope.rcpt_options,
            "tls": bool(session.ssl) or server.implicit_tls,
            "tls_version": ssl_obj.version() if ssl_obj else server.implicit_tls_version(),
            "auth_user": auth_user(session),
            "size": len(data),
            "file": msg_id + ".eml",
        }
        write_atomic(os.path.join(self.maildir, msg_id + ".json"),
                     (json.dumps(meta, indent=2) + "\n").encode())
        write_atomic(os.path.join(self.maildir, msg_id + ".eml"), data)
        self.event("stored", id=msg_id, mail_from=envelope.mail_from,
                   rcpt_tos=envelope.rcpt_tos, size=len(data), peer=meta["peer"])
        return "250 2.0.0 OK: queued as %s" % msg_id


class SinkSMTP(SMTP):
    """aiosmtpd's SMTP with fail-at-connect and implicit-TLS bookkeeping."""

    implicit_tls = False

    def implicit_tls_version(self):
        if not self.implicit_tls or self.transport is None:
            return None
        obj = self.transport.get_extra_info("ssl_object")
        return obj.version() if obj else None

    async def _handle_client(self):
        sink = self.event_handler
        if sink.should_fail("connect"):
            code = sink.fail_code
            text = FAIL_TEXT.get(code, "%d.0.0 vitals smtp-sink: failure (fail mode)" % (code // 100))
            sink.event("rejected", stage="connect", code=code, peer=peer_str(self.session),
                       failures_sent=sink.failures_sent)
            await self.push("%d %s" % (code, text))
            self.transport.close()
            return
        await super()._handle_client()


def peer_str(session):
    p = getattr(session, "peer", None)
    return "%s:%s" % (p[0], p[1]) if isinstance(p, tuple) and len(p) >= 2 else str(p)


def auth_user(session):
    data = getattr(session, "auth_data", None)
    if isinstance(data, LoginPassword):
        return data.login.decode("utf-8", "replace")
    return None


def write_atomic(path, data):
    tmp = os.path.join(os.path.dirname(path), ".tmp-" + os.path.basename(path))
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="0 = any free port")
    ap.add_argument("--hostname", default="smtp-sink.localhost", help="name in the 220 greeting")
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--events", required=True)
    ap.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--auth-user")
    ap.add_argument("--auth-password-file", help="file holding the password")
    ap.add_argument("--auth-require-tls", action="store_true")
    ap.add_argument("--fail-code", type=int, default=None)
    ap.add_argument("--fail-stage", choices=["connect", "mail", "rcpt", "data"], default="data")
    ap.add_argument("--fail-count", type=int, default=0, help="0 = fail forever")
    ap.add_argument("--ready-file", required=True, help="written with the port once listening")
    ap.add_argument("--state-dir", required=True, help="marker for the wrapper's PID check")
    args = ap.parse_args()

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    warnings.simplefilter("ignore")  # "AUTH without TLS" warning is intended here
    log = logging.getLogger("smtp-sink")

    sink = Sink(args)
    tls_ctx = None
    if args.tls != "none":
        tls_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_ctx.load_cert_chain(args.cert, args.key)

    password = None
    if args.auth_user is not None:
        with open(args.auth_password_file, "rb") as f:
            password = f.read().rstrip(b"\r\n")
    user = args.auth_user.encode() if args.auth_user is not None else None

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and user is not None
              and auth_data.login == user and auth_data.password == password)
        sink.event("auth", mechanism=mechanism, ok=ok, peer=peer_str(session),
                   login=auth_data.login.decode("utf-8", "replace")
                   if isinstance(auth_data, LoginPassword) else None)
        # auth_data ends up in session.auth_data (recorded as "auth_user").
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    smtp_kwargs = dict(
        hostname=args.hostname,  # avoids a slow getfqdn() lookup
        ident="vitals smtp-sink (aiosmtpd %s)" % AIOSMTPD_VERSION,
        enable_SMTPUTF8=True,
        decode_data=False,
    )
    if args.tls == "starttls":
        smtp_kwargs.update(tls_context=tls_ctx, require_starttls=True)
    if user is not None:
        # aiosmtpd only counts STARTTLS as "TLS" for auth_require_tls; with
        # implicit TLS the whole connection is encrypted, so don't require it.
        smtp_kwargs.update(auth_required=True, authenticator=authenticator,
                           auth_require_tls=args.auth_require_tls and args.tls != "implicit")
    else:
        smtp_kwargs.update(auth_require_tls=True)  # AUTH not offered: nothing to log in to

    def factory():
        proto = SinkSMTP(sink, **smtp_kwargs)
        proto.implicit_tls = args.tls == "implicit"
        return proto

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            factory, host="127.0.0.1", port=args.port,
            ssl=tls_ctx if args.tls == "implicit" else None, reuse_address=True)
        port = server.sockets[0].getsockname()[1]
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.ready_file)
        log.info("listening on 127.0.0.1:%d tls=%s auth=%s fail=%s pid=%d", port, args.tls,
                 "required" if user is not None else "off",
                 "%s@%s x%s" % (args.fail_code, args.fail_stage, args.fail_count or "inf")
                 if args.fail_code else "off", os.getpid())
        await stop.wait()
        log.info("signal: shutting down")
        server.close()
        try:  # Python >= 3.12 waits here for open client connections too
            await asyncio.wait_for(server.wait_closed(), 2)
        except asyncio.TimeoutError:
            pass

    asyncio.run(serve())


if __name__ == "__main__":
    main()
