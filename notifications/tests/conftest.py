"""Shared fixtures of the outbox tests: a stand-in broker, a real HTTP receiver on 127.0.0.1 and a stand-in DNS."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest


@pytest.fixture(autouse=True)
def broker(request):
    """Captures delivery tasks instead of publishing them (tests call ``notification_deliver`` directly).

    ``broker.ids()`` lists the notification ids handed over; set ``broker.side_effect`` to make the
    broker fail. A test that asks for ``real_broker`` publishes for real (a live worker takes them).
    """
    if "real_broker" in request.fixturenames:
        yield None
        return
    from notifications.tasks import deliver_notifications

    with mock.patch.object(deliver_notifications, "apply_async") as apply_async:
        apply_async.ids = lambda: [pk for call in apply_async.call_args_list for pk in call.args[0][0]]
        yield apply_async


@pytest.fixture
def real_broker():
    return True


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """What a webhook receiver got; ``answers`` are the statuses of the next responses (then 200)."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    hold: threading.Event | None = None  # when set, each request waits for it (to overlap senders)


@pytest.fixture
def receiver():
    received = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                received.requests.append(Received(self.path, dict(self.headers.items()), body))
                status = received.answers.pop(0) if received.answers else 200
            if received.hold is not None:
                received.hold.wait(10)
            answer = b"ok" if status < 400 else b"receiver says no"
            try:
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender gave up waiting (the timeout test)

        def log_message(self, *args):
            """Quiet: keeps the test output clean."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    received.url = f"http://127.0.0.1:{server.server_port}/hook/T01/B02/xyz"
    yield received
    server.shutdown()
    server.server_close()


@pytest.fixture
def dns(monkeypatch):
    """Names of the test's choosing resolve to what it says (``fake_dns.FakeDNS``); the rest for real."""
    from .fake_dns import FakeDNS

    fake = FakeDNS()
    monkeypatch.setattr("socket.getaddrinfo", fake)
    return fake
