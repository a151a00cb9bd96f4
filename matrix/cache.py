"""One loaded matrix per process, reused between requests while the matrix has not changed.

Loading and compiling the matrix costs about 17 queries and, at 1,000 rules, tens of milliseconds. The
matrix changes a few times a day and is read by every filing and every timer sweep, so each process keeps
the last ``MatrixSnapshot`` it loaded and hands each caller ``snapshot.at(now)``: the loaded parts shared,
the moment (and so who is on call) its own.

Whether the kept matrix is still the matrix is decided on every use by the **matrix version**, a token in
Django's cache framework (Redis, or files under VAR_DIR: shared by the web, worker and beat processes; a
process-local cache would not be). Reading it is a cache GET, not a query. Every save or delete of a
matrix model (``MATRIX_MODELS``, their many-to-many links, and users, whose names, addresses and
active flag the matrix shows) changes it after its transaction commits, through the signals connected in
``MatrixConfig.ready()``. The token is random, never a counter: a cache that was flushed or restarted
can never bring back a value some process still holds.

Writes that send no signal — ``QuerySet.update()``, ``bulk_create()``, ``bulk_update()``, raw SQL — are
invisible here: code that writes the matrix that way must call ``matrix_changed()`` itself. Every
writer in the project saves through ``Model.save()``/``delete()`` (the admin, change-request approvals,
``import_matrix``, ``loaddemo``).

Inside a transaction that has written the matrix and not committed yet, the process sees its own
writes and nobody else does: a snapshot loaded then is kept only for that transaction (tagged with the
pending write's marker, which Django drops on rollback), never handed to anybody else; and a part that a
kept snapshot loads lazily while its connection has such writes stays with that caller alone.

If the cache cannot be reached, every caller gets a freshly loaded matrix (correct, slower), and a kept
matrix is never trusted for more than ``MAX_AGE`` seconds, which bounds how long a version change lost
to a cache outage can go unseen.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import MATRIX_MODELS
from .snapshot import MatrixSnapshot

logger = logging.getLogger(__name__)

MAX_AGE = 300.0  # seconds; see the module's last paragraph


@dataclass
class _Kept:
    version: str
    marker: _PendingWrite | None
    loaded_at: float
    snapshot: MatrixSnapshot


_kept: dict[str, _Kept] = {}
_lock = threading.Lock()


def current_snapshot(now: dt.datetime | None = None, *, using: str = DEFAULT_DB_ALIAS) -> MatrixSnapshot:
    """The matrix as it stands, at ``now``: the process's loaded matrix when it is current, else a
    fresh load (kept for the next caller). Costs one cache GET; about 17 queries after a change."""
    marker = _pending_write(connections[using], seen=True)
    # The version is read before anything is loaded: a part loaded later may be newer than the version
    # it is kept under, never older, and a newer version makes every process load again.
    version = _version(using)
    if version is None:
        return MatrixSnapshot(now)
    key = _cache_key(using)
    kept = _kept.get(key)
    if (kept is None or kept.version != version or kept.marker is not marker
            or time.monotonic() - kept.loaded_at >= MAX_AGE):
        # Parts are loaded on first use, as ever; they join the kept matrix only while this thread's
        # connection has no matrix writes newer than the ones the kept matrix was loaded with.
        base = MatrixSnapshot(now, may_share=lambda: _pending_write(connections[using]) is marker)
        kept = _Kept(version=version, marker=marker, loaded_at=time.monotonic(), snapshot=base)
        with _lock:
            _kept[key] = kept
    return kept.snapshot.at(now)


def matrix_changed(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Tell every process that the matrix changed: after the current transaction commits, or now.

    Called by the signals for every save and delete; call it yourself after writing the matrix with
    ``QuerySet.update()``, ``bulk_create()``, ``bulk_update()`` or SQL."""
    connection = connections[using]
    if not connection.in_atomic_block:
        _bump(using)
        return
    # One marker per group of writes: a new one only when a snapshot was loaded since the last write
    # (that snapshot must not be reused: it misses this write) or when this write is in another
    # savepoint (a rollback to that savepoint must drop the marker with the write).
    last = _pending_write(connection)
    savepoints = set(connection.savepoint_ids)
    if last is not None and not last.seen and last.savepoints == savepoints:
        return
    connection.on_commit(_PendingWrite(using, savepoints, last.commit if last is not None else _Commit()))


def forget_kept() -> None:
    """Drop this process's kept matrices (tests start from nothing)."""
    with _lock:
        _kept.clear()


def reset(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Forget the kept matrices and the version (a test's clean slate). Deletes only the version key:
    the cache may share its Redis database with the broker, which ``cache.clear()`` would flush."""
    forget_kept()
    try:
        cache.delete(_cache_key(using))
    except Exception:  # no cache: nothing to forget
        logger.debug("matrix cache: could not delete the version", exc_info=True)


# --- the version ----------------------------------------------------------------------------------

def _cache_key(using: str) -> str:
    """One version per database: the dev server, each test database and the bench never share one. An
    in-memory SQLite database (tests) exists in one process only, and so does its version."""
    connection = connections[using]
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        name = f"{name}:{os.getpid()}"
    return f"matrix:version:{name}"


def _version(using: str) -> str | None:
    """The current version, created when missing (first use, or a flushed cache); None when the cache
    cannot answer."""
    key = _cache_key(using)
    try:
        version = cache.get(key)
        if version is None:
            cache.add(key, uuid.uuid4().hex, timeout=None)  # two processes may race: the first one wins
            version = cache.get(key)
    except Exception as exc:  # an unreachable cache costs speed, never correctness
        logger.warning("matrix cache: version unavailable (%s); reading the matrix afresh", exc)
        return None
    return version


def _bump(using: str) -> None:
    try:
        cache.set(_cache_key(using), uuid.uuid4().hex, timeout=None)
    except Exception:
        # Other processes may keep their matrix for up to MAX_AGE seconds; this one reloads now.
        logger.error("matrix cache: could not announce a matrix change", exc_info=True)
        forget_kept()


class _Commit:
    """The writes of one transaction: announced once, however many markers it has."""

    announced = False


class _PendingWrite:
    """An ``on_commit`` callback that announces a matrix change, and the marker of uncommitted writes.

    Django keeps it in ``connection.run_on_commit`` until the transaction ends and drops it when the
    savepoint it was registered in rolls back, so "is it still pending?" is exactly "are the writes it
    stands for still there, uncommitted?"."""

    def __init__(self, using: str, savepoints: set[str], commit: _Commit) -> None:
        self.using = using
        self.savepoints = savepoints
        self.commit = commit
        self.seen = False  # a snapshot was loaded after these writes

    def __call__(self) -> None:
        if not self.commit.announced:
            self.commit.announced = True
            _bump(self.using)


def _pending_write(connection, *, seen: bool = False) -> _PendingWrite | None:
    """The latest marker of matrix writes not committed yet on this connection, or None; ``seen``: a
    snapshot is being read now (a later write needs a marker of its own).

    Reads ``run_on_commit``, where Django keeps a connection's commit callbacks (an attribute of every
    database wrapper since Django 1.9). Django only appends to that list, or replaces it (commit,
    rollback, a savepoint rolled back), so the answer is remembered with the list and its length, and
    only callbacks added since are looked at: a long transaction (a test, the bench) registers one per
    notification, and this runs on every use of the matrix."""
    callbacks = connection.run_on_commit
    found, start = None, 0
    memo = getattr(connection, "_matrix_pending_write", None)
    if memo is not None and memo[0] is callbacks and memo[1] <= len(callbacks):
        found, start = memo[2], memo[1]
    for _, func, _ in callbacks[start:]:
        if isinstance(func, _PendingWrite):
            found = func
    connection._matrix_pending_write = (callbacks, len(callbacks), found)
    if found is not None and seen:
        found.seen = True
    return found


# --- the signals ----------------------------------------------------------------------------------
# They cover ``Model.save()``/``delete()`` (cascades included) and many-to-many add/remove/clear.

M2M_ACTIONS = ("post_add", "post_remove", "post_clear")


def _saved_or_deleted(sender, using=None, **kwargs) -> None:
    matrix_changed(using=using or DEFAULT_DB_ALIAS)


def _links_changed(sender, action, using=None, **kwargs) -> None:
    if action in M2M_ACTIONS:
        matrix_changed(using=using or DEFAULT_DB_ALIAS)


def _user_saved(sender, update_fields=None, using=None, **kwargs) -> None:
    """The matrix shows people (names, email addresses, whether they are active), so a change to one is
    a matrix change. Not a login, which only stamps ``last_login`` and happens all day."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    matrix_changed(using=using or DEFAULT_DB_ALIAS)


def connect_signals() -> None:
    """Called by ``MatrixConfig.ready()``; idempotent (``dispatch_uid``)."""
    for model in MATRIX_MODELS:
        label = model._meta.label
        post_save.connect(_saved_or_deleted, sender=model, dispatch_uid=f"matrix.cache:save:{label}")
        post_delete.connect(_saved_or_deleted, sender=model, dispatch_uid=f"matrix.cache:delete:{label}")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_links_changed, sender=through, dispatch_uid=f"matrix.cache:m2m:{through._meta.label}")
    user = get_user_model()
    post_save.connect(_user_saved, sender=user, dispatch_uid="matrix.cache:save:user")
    post_delete.connect(_saved_or_deleted, sender=user, dispatch_uid="matrix.cache:delete:user")
