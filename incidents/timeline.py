"""Writing an incident's timeline: one line per move, with who and when."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

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


def hhmm(at: dt.datetime, now: dt.datetime | None = None, *, team=None) -> str:
    """A time as people read it in timelines, messages and refusals: "10:02 UTC" — in ``team``'s own zone
    when given ("11:02 CET") — with the day ("Tue 3 Mar 10:02 UTC") when it is not the day of ``now``."""
    zone = ZoneInfo(team.time_zone) if team is not None and team.time_zone else dt.UTC
    at = at.astimezone(zone)
    if now is not None and now.astimezone(zone).date() != at.date():
        return f"{at:%a} {at.day} {at:%b %H:%M} {at.tzname()}"
    return f"{at:%H:%M} {at.tzname()}"
