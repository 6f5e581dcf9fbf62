"""Sinks that record every message an external channel sends: an SMTP server (aiosmtpd, in this
process, on a thread) that refuses chosen addresses with 550, and a webhook server that records
each post with its Idempotency-Key. Used by the delivery tests, the fault suite and bench/faults.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at DEBUG


class _Recorder:
    def __init__(self, refuse: set[str], delay: float = 0.0):
        self.refuse = {a.lower() for a in refuse}
        self.delay = delay
        self.received: list[tuple[str, str]] = []  # (address, subject)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.delay:  # a slow server, so that a fault lands in the middle of a chunk
            await asyncio.sleep(self.delay)
        text = envelope.content.decode("utf-8", errors="replace")
        subject = next(
            (line[9:] for line in text.splitlines() if line.lower().startswith("subject: ")), ""
        )
        with self.lock:
            for address in envelope.rcpt_tos:
                self.received.append((address.lower(), subject))
        return "250 Message accepted"


class SmtpSink:
    """`with SmtpSink(refuse={"bad@x"}) as smtp:` then EMAIL_HOST/PORT = smtp.host/smtp.port."""

    def __init__(self, *, refuse: set[str] = frozenset(), port: int = 0, delay: float = 0.0):
        self.recorder = _Recorder(set(refuse), delay)
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=port or _free())
        self.host = "127.0.0.1"
        self.port = self.controller.port

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[tuple[str, str]]:
        with self.recorder.lock:
            return list(self.recorder.received)

    def counts(self) -> Counter:
        return Counter(address for address, _subject in self.received)


class _Hook(BaseHTTPRequestHandler):
    sink: WebhookSink

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.sink.lock:
            self.sink.received.append(
                {"key": self.headers.get("Idempotency-Key", ""), "body": json.loads(body)}
            )
        answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


class WebhookSink:
    def __init__(self):
        self.received: list[dict] = []
        self.lock = threading.Lock()
        handler = type("Hook", (_Hook,), {"sink": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/webhook/send?key=t"

    def __enter__(self) -> WebhookSink:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def counts(self) -> Counter:
        with self.lock:
            return Counter(hit["key"] for hit in self.received)


def _free() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
