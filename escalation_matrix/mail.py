"""E-mail in development: each message kept whole in a folder, announced in one line, read at /dev/outbox/.

Django's console backend prints every message in full, headers and all, so in ``make run`` a few escalations
fill the terminal and push the URL and the logins out of sight. ``OutboxBackend`` (the backend when
``EMAIL_HOST`` is unset and DEBUG is on: settings) writes each message to ``DEV_OUTBOX_DIR`` as an .eml file
and logs one line — to whom, the subject, and where to read it. The outbox page lists them, newest first.

Each message is written under a temporary name and renamed into place, so the page (another process) never
reads half a message; only the newest ``KEEP`` are kept.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

logger = logging.getLogger(__name__)

KEEP = 200  # messages kept in the folder; older ones are deleted as new ones arrive
SUFFIX = ".eml"


def outbox_dir() -> Path:
    return Path(settings.DEV_OUTBOX_DIR)


def outbox_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("dev_outbox")


class OutboxBackend(BaseEmailBackend):
    """Keeps each message in the development outbox instead of sending it (see the module's docstring)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            try:
                outbox_write(message)
            except Exception:
                if not self.fail_silently:
                    raise
                continue
            logger.info("mail to %s: %s (full text: %s)", ", ".join(message.recipients()), message.subject,
                        outbox_url())
            sent += 1
        if sent:
            outbox_prune()
        return sent


def outbox_write(message: EmailMessage) -> Path:
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # Names sort oldest first: nanoseconds since the epoch, then a random part for messages of the same instant.
    path = folder / f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}{SUFFIX}"
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(message.message().as_bytes(linesep="\n"))
    os.replace(partial, path)
    return path


def outbox_prune() -> None:
    """Delete all but the newest ``KEEP`` messages."""
    for path in _paths()[:-KEEP]:
        path.unlink(missing_ok=True)  # another process may have pruned it first


def _paths() -> list[Path]:
    """The kept messages, oldest first."""
    folder = outbox_dir()
    return sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []


@dataclass(frozen=True)
class KeptMessage:
    name: str
    written_at: dt.datetime
    sender: str
    to: str
    subject: str
    headers: list[tuple[str, str]]
    body: str


def outbox_messages(limit: int = 50) -> tuple[list[KeptMessage], int]:
    """The newest ``limit`` messages, newest first, and how many are kept in all."""
    paths = _paths()
    messages = []
    for path in reversed(paths[-limit:]):
        try:
            messages.append(_read(path))
        except FileNotFoundError:  # pruned since it was listed
            continue
    return messages, len(paths)


def _read(path: Path) -> KeptMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    part = parsed.get_body(preferencelist=("plain", "html"))
    body = part.get_content() if part is not None else ""
    nanoseconds = int(path.name.split("-", 1)[0])
    return KeptMessage(
        name=path.name,
        written_at=dt.datetime.fromtimestamp(nanoseconds / 1e9, tz=dt.UTC),
        sender=str(parsed.get("From", "")),
        to=", ".join(str(parsed.get(name)) for name in ("To", "Cc") if parsed.get(name)),
        subject=str(parsed.get("Subject", "")),
        headers=[(name, str(value)) for name, value in parsed.items()],
        body=body,
    )
