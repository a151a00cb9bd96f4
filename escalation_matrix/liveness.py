"""Which background processes are alive: each writes its own heartbeat row every few seconds.

A worker process starts a daemon thread that beats while the process lives (``heartbeat_start``); beat
beats from its own loop (``escalation_matrix.beat``). The rows answer two questions within seconds:
/healthz asks whether any live worker consumes each queue, and the outbox sweep asks whether the process
that claimed a notification is still there to finish it — so a claim left by a killed worker is taken
back in seconds, and a claim held by a live one is never sent a second time.

A process is named ``host:pid:token``; the token is new for each process (a pool child forked from its
parent gets its own), so a reused pid is never mistaken for the process that died.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import QuerySet
from django.utils import timezone

from .models import Heartbeat

logger = logging.getLogger(__name__)

_local = {"pid": None, "name": "", "thread": None, "kind": "", "queues": ""}
_lock = threading.Lock()
FORGET_AFTER = dt.timedelta(days=1)


def beat_every() -> float:
    """Seconds between two heartbeats of one process."""
    return float(getattr(settings, "HEARTBEAT_SECONDS", 2))


def dead_after() -> dt.timedelta:
    """A process whose heartbeat is older than this is taken for dead (several beats missed in a row)."""
    return dt.timedelta(seconds=float(getattr(settings, "HEARTBEAT_DEAD_SECONDS", 10)))


def process_name() -> str:
    """This process's name in heartbeat rows and notification claims."""
    pid = os.getpid()
    if _local["pid"] != pid:  # first call, or a child forked from a process that had a name
        _local.update(pid=pid, name=f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:8]}", thread=None)
    return _local["name"]


def heartbeat_record(*, kind: str, queues: str = "", published_at: dt.datetime | None = None,
                     at: dt.datetime | None = None) -> None:
    """Write this process's heartbeat now."""
    defaults = {"kind": kind, "queues": queues, "beat_at": at or timezone.now()}
    if published_at is not None:
        defaults["published_at"] = published_at
    Heartbeat.objects.update_or_create(name=process_name(), defaults=defaults)


def heartbeat_start(*, kind: str, queues: str = "") -> str:
    """Make sure this process beats: the first heartbeat is written before returning (so a claim made
    right after it is never taken for a dead process's), then a daemon thread beats every few seconds."""
    name = process_name()
    with _lock:
        if _local["thread"] is not None and _local["kind"] == kind and _local["queues"] == queues:
            return name
        _local.update(kind=kind, queues=queues)
        heartbeat_record(kind=kind, queues=queues)
        if _local["thread"] is None:
            _local["thread"] = threading.Thread(target=_beat_forever, name="heartbeat", daemon=True)
            _local["thread"].start()
    return name


def heartbeat_ensure() -> str:
    """This process's name, with its heartbeat written now unless a thread keeps it fresh: what a process
    claiming work calls first, so that its claim never looks like a dead process's. Only worker processes
    beat on (``escalation_matrix.celery`` starts their threads); elsewhere — a shell, a test — the row ages
    and what was claimed there is taken back once it is stale."""
    name = process_name()
    if _local["thread"] is None:
        heartbeat_record(kind="process")
    return name


def heartbeat_forget() -> None:
    """A process stopping cleanly says so at once: its claims are finished, nothing is left to wait for."""
    Heartbeat.objects.filter(name=process_name()).delete()


def heartbeats_prune(*, now: dt.datetime | None = None) -> int:
    """Forget processes silent for a day: every restart names a new process, and nothing reads old rows."""
    deleted, _ = Heartbeat.objects.filter(beat_at__lt=(now or timezone.now()) - FORGET_AFTER).delete()
    return deleted


def live(*, kind: str | None = None, now: dt.datetime | None = None) -> QuerySet[Heartbeat]:
    """Heartbeats recent enough for their process to be alive."""
    rows = Heartbeat.objects.filter(beat_at__gte=(now or timezone.now()) - dead_after())
    return rows.filter(kind=kind) if kind else rows


def _beat_forever() -> None:
    pid = os.getpid()
    while _local["pid"] == pid:
        time.sleep(beat_every())
        try:
            close_old_connections()  # a connection the database dropped is replaced, not failed on forever
            heartbeat_record(kind=_local["kind"], queues=_local["queues"])
        except Exception:
            logger.warning("Could not record this process's heartbeat; trying again", exc_info=True)
            connection.close()
