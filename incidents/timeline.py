"""Writing an incident's timeline: one line per move, with who and when."""

from __future__ import annotations

import datetime as dt

from .models import Incident, TimelineEntry


def timeline_write(
    *, incident: Incident, kind: str, text: str, at: dt.datetime, actor=None, data: dict | None = None
) -> TimelineEntry:
    return TimelineEntry.objects.create(
        incident=incident, kind=kind, text=text, at=at, actor=actor, data=data or {}
    )


def timeline_entry(
    *, incident: Incident, kind: str, text: str, at: dt.datetime, actor=None, data: dict | None = None
) -> TimelineEntry:
    """The line ``timeline_write`` would write, unsaved: for callers that write many with one
    ``bulk_create`` (a timer sweep)."""
    return TimelineEntry(incident=incident, kind=kind, text=text, at=at, actor=actor, data=data or {})


def person(user) -> str:
    """How a person is named in timelines and messages."""
    if user is None:
        return "the system"
    return user.get_full_name() or user.username


def hhmm(at: dt.datetime, now: dt.datetime | None = None) -> str:
    """A time as people read it in timelines, messages and refusals: "10:02 UTC", with the day
    ("Tue 3 Mar 10:02 UTC") when it is not the day of ``now``."""
    at = at.astimezone(dt.UTC)
    if now is not None and now.astimezone(dt.UTC).date() != at.date():
        return f"{at:%a} {at.day} {at:%b %H:%M} UTC"
    return f"{at:%H:%M} UTC"
