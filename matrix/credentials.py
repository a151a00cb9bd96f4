"""Secrets and credential URLs: set once, never shown again.

A signing secret (a contact channel's, an inbound integration's) is written and rotated, never read back:
pages, history, change requests, e-mails and the API say only that it is set, when and by whom. A chat or
webhook channel's URL is a credential too (whoever holds a Slack incoming-webhook URL can post as it), so it
is shown whole only to people who may edit contact channels; everyone else sees its scheme and host.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils import timezone

SECRET_FIELDS = frozenset({"secret"})
CREDENTIAL_URL_FIELDS = {"matrix.contactchannel": "target"}  # a URL there is a credential; an e-mail is not
EDIT_CHANNELS = "matrix.change_contactchannel"
NEW_SECRET_BYTES = 32


def may_see_credentials(user) -> bool:
    """Whether ``user`` may read chat and webhook URLs whole: those who may edit contact channels."""
    return bool(user and user.is_active and user.has_perm(EDIT_CHANNELS))


def is_credential_url(value: object) -> bool:
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def mask_url(url: str) -> str:
    """``https://hooks.slack.com/…``: where it goes, not the path or query that make it a credential."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…" if parts.hostname else "(hidden)"


def shown_target(target: str, *, reveal: bool) -> str:
    """A contact channel's target as a viewer may see it: e-mail addresses whole, URLs whole only if ``reveal``."""
    return target if reveal or not is_credential_url(target) else mask_url(target)


def is_credential_field(model_label: str, name: str) -> bool:
    return CREDENTIAL_URL_FIELDS.get(model_label) == name


def new_secret() -> str:
    """A fresh signing secret (256 bits, URL-safe)."""
    return secrets.token_urlsafe(NEW_SECRET_BYTES)


@dataclass(frozen=True)
class SecretSet:
    at: dt.datetime
    by: str | None  # a username; None when no one is recorded (an import, the demo)


def secret_last_set(obj) -> SecretSet | None:
    """When ``obj``'s secret got its current value, and by whom, from its history (one query)."""
    history = getattr(obj, "history", None)
    if history is None or obj.pk is None:
        return None
    found = None
    for record in history.select_related("history_user").order_by("-history_id").only(
        "secret", "history_date", "history_user__username",
    ):
        if record.secret != obj.secret:
            break
        found = record
    if found is None:
        return None
    return SecretSet(found.history_date, found.history_user.get_username() if found.history_user else None)


def secret_status(obj) -> str:
    """"set (last changed 2026-03-02 by max)", or "not set": all anyone reads of a secret."""
    if not obj.secret:
        return "not set"
    last = secret_last_set(obj)
    if last is None:
        return "set"
    when = f"{timezone.localtime(last.at):%Y-%m-%d %H:%M}"
    return f"set (last changed {when} by {last.by})" if last.by else f"set (last changed {when})"
