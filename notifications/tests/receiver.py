"""A standalone "real receiver" for fault-injection tests and benchmarks.

It runs in a process of its own (``python -m notifications.tests.receiver --http-port P --smtp-port Q
--delay 1.0 --log FILE``) with an HTTP server for webhooks and an SMTP server for e-mail, both on
127.0.0.1. Every message it accepts is appended as one JSON line to the log file, at the moment of
acceptance (just before answering 200/250), so the log counts what a real receiver actually got – even
when the sender is killed or times out afterwards. ``delay`` makes the receiver slow on purpose.

``ReceiverProcess`` starts such a process on free ports and reads its log. Nothing here imports Django or
the project: the receiver must stay independent of the code under test.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]


class Receiver:
    """State shared by both servers: the current delay and the log file (one lock, so lines never interleave)."""

    def __init__(self, log: Path, delay: float) -> None:
        self.log = log
        self.delay = delay
        self._lock = threading.Lock()

    def record(self, entry: dict[str, Any]) -> None:
        """Appends one complete JSON line for an accepted message."""
        line = json.dumps(entry) + "\n"
        with self._lock, self.log.open("a", encoding="utf-8") as log:
            log.write(line)
            log.flush()


def dedupe_key_of(body: bytes) -> str | None:
    """The ``dedupe_key`` of a JSON object body, or None for any other body."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    return payload.get("dedupe_key") if isinstance(payload, dict) else None


class WebhookHandler(BaseHTTPRequestHandler):
    """Accepts every POST as a webhook; ``/_ready`` and ``/_delay`` are the control endpoints."""

    server: ReceiverHTTPServer

    def do_GET(self) -> None:
        if self.path == "/_ready":
            self._answer(200, b'{"ready": true}')
        else:
            self._answer(404, b"")

    def do_POST(self) -> None:
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/_delay":
            receiver.delay = float(body)
            self._answer(204, b"")
            return
        time.sleep(receiver.delay)
        receiver.record(
            {
                "kind": "http",
                "at": time.time(),
                "path": self.path,
                "idempotency_key": self.headers.get("Idempotency-Key"),
                "delivery": self.headers.get("X-Escalation-Delivery"),
                "dedupe_key": dedupe_key_of(body),
            }
        )
        self._answer(200, b'{"ok": true}')

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        if status != 204:  # a 204 must not carry a body, not even an empty length
            self.send_header("Content-Type", "application/json" if status == 200 else "text/plain")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Stays quiet: one line per request on stderr would drown the output of tests and benchmarks."""


class ReceiverHTTPServer(ThreadingHTTPServer):
    """One thread per request, so slow (delayed) requests are served in parallel."""

    daemon_threads = True
    # socketserver's default backlog of 5 drops connections of a burst, and their senders retry only after
    # a second: that would look like a slow receiver.
    request_queue_size = 128

    def __init__(self, port: int, receiver: Receiver) -> None:
        super().__init__((HOST, port), WebhookHandler)
        self.receiver = receiver


class MailHandler:
    """aiosmtpd handler: accepts every message after ``delay`` seconds."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # asyncio.sleep, not time.sleep: concurrent connections must wait in parallel on the one loop.
        await asyncio.sleep(self.receiver.delay)
        message = email.message_from_bytes(envelope.content)
        self.receiver.record(
            {
                "kind": "smtp",
                "at": time.time(),
                "message_id": message.get("Message-ID"),
                "to": list(envelope.rcpt_tos),
                "subject": message.get("Subject"),
            }
        )
        return "250 Message accepted for delivery"


def serve(http_port: int, smtp_port: int, delay: float, log: Path) -> None:
    """Runs both servers until SIGTERM or SIGINT, then stops them cleanly."""
    receiver = Receiver(log, delay)
    smtp = Controller(MailHandler(receiver), hostname=HOST, port=smtp_port)
    smtp.start()
    httpd = ReceiverHTTPServer(http_port, receiver)
    # serve_forever runs in a thread so that the main thread is free to wait for the signal;
    # shutdown() called from the thread running serve_forever would deadlock.
    http_thread = threading.Thread(target=httpd.serve_forever, name="receiver-http", daemon=True)
    http_thread.start()
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    print(f"receiver: http on {HOST}:{http_port}, smtp on {HOST}:{smtp_port}, log {log}", flush=True)
    while not stopping.is_set():
        stopping.wait(0.2)  # a timeout keeps the main thread responsive to signals
    httpd.shutdown()
    httpd.server_close()
    smtp.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before accepting a message")
    parser.add_argument("--log", type=Path, required=True, help="file to append one JSON line per message to")
    args = parser.parse_args(argv)
    serve(args.http_port, args.smtp_port, args.delay, args.log)


def free_port() -> int:
    """A port that is free right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class ReceiverProcess:
    """A receiver in a process of its own on free ports; ``messages()`` reads what it accepted."""

    def __init__(self, folder: Path, delay: float = 0.0) -> None:
        self.folder = Path(folder)
        self.delay = delay
        self.http_port = free_port()
        self.smtp_port = free_port()
        self.http_url = f"http://{HOST}:{self.http_port}/hooks"
        self.log = self.folder / "receiver.jsonl"
        self.output = self.folder / "receiver.out"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> ReceiverProcess:
        """Starts the process and waits (up to 10 s) until both servers answer."""
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "notifications.tests.receiver", "--http-port", str(self.http_port)]
        command += ["--smtp-port", str(self.smtp_port), "--delay", str(self.delay), "--log", str(self.log)]
        # Output goes to a file, not a pipe: nobody reads a pipe while the receiver runs, and a full one blocks.
        with self.output.open("wb") as output:
            self._process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not (self._http_ready() and self._smtp_ready()):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"the receiver did not start:\n{self.output.read_text(errors='replace')}")
            time.sleep(0.05)
        return self

    def set_delay(self, seconds: float) -> None:
        """Changes how long the running receiver waits before accepting a message."""
        request = urllib.request.Request(f"http://{HOST}:{self.http_port}/_delay", data=str(seconds).encode())
        urllib.request.urlopen(request, timeout=5).close()

    def messages(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The accepted messages in log order, optionally only those of ``kind`` ("http" or "smtp")."""
        try:
            text = self.log.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        # Only complete lines: the receiver may be writing the last one right now.
        lines = text.split("\n")[:-1]
        entries = [json.loads(line) for line in lines if line]
        return [entry for entry in entries if kind is None or entry["kind"] == kind]

    def stop(self) -> None:
        """Stops the process: SIGTERM first, SIGKILL if it does not exit within 5 s."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def _http_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{self.http_port}/_ready", timeout=1) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def _smtp_ready(self) -> bool:
        try:
            with socket.create_connection((HOST, self.smtp_port), timeout=1) as sock:
                return sock.recv(3) == b"220"  # the SMTP greeting, not just any listener
        except OSError:
            return False


if __name__ == "__main__":
    main()
