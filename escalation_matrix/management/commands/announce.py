"""``manage.py announce``: `make run`'s last word — the URL and the demo logins, once everything is up.

Procfile.dev starts it beside web, clock, worker and beat. Printed before them, the URL would scroll away under
their start-up output; so it waits until the web server answers and a live worker serves every queue and beat
beats (their heartbeats: ``escalation_matrix.liveness``), then prints. It then stays, doing nothing, because
honcho stops every process as soon as one of them exits.
"""

from __future__ import annotations

import signal
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection
from django.urls import reverse

from escalation_matrix import liveness
from escalation_matrix.health import queues
from matrix.demo import ROLE_LOGINS, login_lines

POLL_SECONDS = 0.5
# After the last thing came up, its own start-up lines (and the web server's log of our probe) are still on
# their way through honcho: let them pass, so that the announcement comes last.
SETTLE_SECONDS = 1.0
OUTBOX_BACKEND = "escalation_matrix.mail.OutboxBackend"


def web_answers(url: str) -> bool:
    """Whether an HTTP server answers at ``url`` (any status: it is up)."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + reverse("login"), timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):  # refused, reset, timed out (URLError is an OSError)
        return False


def workers_missing() -> list[str]:
    """What has no live heartbeat yet: a worker for each queue, and beat."""
    serving = set()
    for row in liveness.live(kind="worker").values_list("queues", flat=True):
        serving |= set(row.split(","))
    missing = [f"a worker for the {queue} queue" for queue in queues() if queue not in serving]
    if not liveness.live(kind="beat").exists():
        missing.append("beat")
    return missing


def announcement(url: str, missing: list[str]) -> list[str]:
    rule = "─" * 72
    lines = ["", rule]
    if missing:
        lines.append(f"Still waiting for {', '.join(missing)} (see their output above); the site may not work yet.")
    lines.append(f"Escalation Matrix is running at {url}  (Ctrl-C stops web, clock, worker and beat)")
    if get_user_model().objects.filter(username=ROLE_LOGINS[0].username).exists():  # the demo is loaded
        lines += login_lines()
    if settings.EMAIL_BACKEND == OUTBOX_BACKEND:
        outbox = url.rstrip("/") + reverse("dev_outbox")
        lines.append(f"E-mail is not sent in development: each one is a line below, read in full at {outbox}")
    lines += [rule, ""]
    return lines


def _stop(signum, frame) -> None:
    sys.exit(0)


class Command(BaseCommand):
    help = "Wait until web, workers and beat are up, then print the URL and the demo logins (for Procfile.dev)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default=settings.SITE_URL, help="Where the web server answers (SITE_URL).")
        parser.add_argument("--timeout", type=float, default=180.0,
                            help="Seconds to wait before announcing anyway, saying what is not up yet.")
        parser.add_argument("--exit", action="store_true", help="Exit after announcing instead of staying.")

    def handle(self, *args, url: str, timeout: float, exit: bool, **options) -> None:
        if not exit:
            signal.signal(signal.SIGTERM, _stop)  # honcho stops its processes with SIGTERM: no traceback
        try:
            self._wait_and_announce(url, timeout, exit)
        except KeyboardInterrupt:  # Ctrl-C reaches every process of the terminal: stop quietly, like the others
            pass

    def _wait_and_announce(self, url: str, timeout: float, exit: bool) -> None:
        deadline: float | None = time.monotonic() + timeout
        web_up = False
        while True:
            # The web server is asked until it answers, then never again: each probe is a line in its log.
            web_up = web_up or web_answers(url)
            missing = ([] if web_up else ["the web server"]) + workers_missing()
            if not missing:
                break
            if deadline is not None and time.monotonic() >= deadline:
                # Slow to start, or one process failed: say what is missing now, and announce again if it comes.
                self._announce(url, missing)
                if exit:
                    return
                deadline = None
            time.sleep(POLL_SECONDS)
        time.sleep(SETTLE_SECONDS)
        self._announce(url, [])
        connection.close()  # nothing more to read; SQLite's writers need no idle reader
        while not exit:  # honcho stops every process as soon as one exits: stay until stopped
            signal.pause()

    def _announce(self, url: str, missing: list[str]) -> None:
        self.stdout.write("\n".join(announcement(url, missing)))
        self.stdout.flush()
