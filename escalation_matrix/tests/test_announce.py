"""`manage.py announce`: `make run`'s URL and logins, printed once web, workers and beat are up — and last."""

import datetime as dt
import http.server
import io
import socket
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from escalation_matrix.management.commands import announce
from escalation_matrix.models import Heartbeat
from matrix.demo import login_lines
from matrix.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


class Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"login page")

    def log_message(self, *args):
        """Quiet: keeps the test output clean."""


@pytest.fixture
def web():
    """A web server answering on a free port, like runserver once it is up."""
    server = http.server.HTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def nothing_listening() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def no_settling(monkeypatch):
    monkeypatch.setattr(announce, "SETTLE_SECONDS", 0)


def beating(name: str, *, kind: str = "worker", queues: str = "", seconds_ago: float = 1) -> None:
    beat_at = timezone.now() - dt.timedelta(seconds=seconds_ago)
    Heartbeat.objects.create(name=name, kind=kind, queues=queues, beat_at=beat_at)


def dev_stack_beating() -> None:
    """What Procfile.dev starts: the clock (timers), one worker for the rest, and beat."""
    beating("h:1:clock", queues="timers")
    beating("h:2:worker", queues="celery,notifications")
    beating("h:3:beat", kind="beat")


def run(url: str, timeout: float = 5) -> str:
    out = io.StringIO()
    call_command("announce", url=url, timeout=timeout, exit=True, stdout=out)
    return out.getvalue()


def test_once_everything_is_up_it_prints_the_url_and_every_demo_login(web, settings):
    settings.EMAIL_BACKEND = "escalation_matrix.mail.OutboxBackend"
    UserFactory(username="manager")  # the demo is loaded
    dev_stack_beating()

    out = run(web)

    assert f"Escalation Matrix is running at {web}" in out
    for line in login_lines():
        assert line in out
    assert "…or as anyone else in the demo, with the same password" in out
    assert f"read in full at {web}/dev/outbox/" in out
    assert "Still waiting" not in out


def test_it_says_what_is_not_up_when_it_gives_up_waiting(nothing_listening):
    beating("h:1:clock", queues="timers")
    beating("h:2:old-worker", queues="celery,notifications", seconds_ago=60)  # dead: a previous run's
    beating("h:3:beat", kind="beat")

    out = run(nothing_listening, timeout=0.6)

    assert ("Still waiting for the web server, a worker for the celery queue, a worker for the notifications "
            "queue") in out
    assert f"Escalation Matrix is running at {nothing_listening}" in out


def test_without_the_demo_it_prints_no_logins(web):
    dev_stack_beating()

    out = run(web)

    assert "Escalation Matrix is running at" in out
    assert "Log in as:" not in out


def test_make_run_starts_it_after_the_others_and_no_longer_echoes_the_url_first():
    procfile = (ROOT / "Procfile.dev").read_text().splitlines()
    assert procfile[-1].startswith("hello: .venv/bin/python manage.py announce")
    makefile = (ROOT / "Makefile").read_text()
    assert "is starting at http://127.0.0.1:8000" not in makefile
    # Beat and the workers are quiet once started: warnings and errors only (escalation_matrix.celery).
    for line in procfile:
        if "celery" in line:
            assert "--loglevel WARNING" in line, line


def test_after_saying_what_is_missing_it_announces_again_once_everything_is_up(web, monkeypatch):
    answers = iter([["beat"], ["beat"], []])
    monkeypatch.setattr(announce, "workers_missing", lambda: next(answers))
    monkeypatch.setattr(announce, "POLL_SECONDS", 0)
    monkeypatch.setattr(announce.signal, "signal", lambda *args: None)  # leave pytest's own SIGTERM alone

    def stopped_by_ctrl_c():
        raise KeyboardInterrupt

    monkeypatch.setattr(announce.signal, "pause", stopped_by_ctrl_c)
    out = io.StringIO()

    call_command("announce", url=web, timeout=0, stdout=out)  # stays after announcing, until Ctrl-C

    before_first, _, second = out.getvalue().split("Escalation Matrix is running at")
    assert "Still waiting for beat" in before_first
    assert "Still waiting" not in second
