"""Template helpers for the incident pages: badges, countdowns and the top bar's incident links."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django import template
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils import timezone

register = template.Library()

STATUS_STYLES = {
    "new": "text-bg-danger",
    "acknowledged": "text-bg-warning",
    "contained": "text-bg-info",
    "resolved": "text-bg-success",
    "closed": "text-bg-secondary",
}
TIER_STYLES = {1: "text-bg-danger", 2: "text-bg-warning", 3: "text-bg-primary"}


@register.filter
def status_style(status: str) -> str:
    return STATUS_STYLES.get(str(status), "text-bg-light")


@register.filter
def tier_style(tier) -> str:
    return TIER_STYLES.get(getattr(tier, "rank", None), "text-bg-secondary")


@register.filter
def iso(value: dt.datetime | None) -> str:
    """An instant for ``data-due`` attributes: what the countdown script parses (UTC, ISO 8601)."""
    return value.astimezone(dt.UTC).isoformat() if value else ""


@register.filter
def until(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """The countdown's first text, before the script takes over ("in 12m 30s", "3m overdue")."""
    if value is None:
        return ""
    seconds = int((value - (now or timezone.now())).total_seconds())
    text = _duration(abs(seconds))
    return f"{text} overdue" if seconds < 0 else f"in {text}"


@register.simple_tag
def local_time(value: dt.datetime | None, team=None) -> str:
    """A deadline as its team reads it — date, time and zone ("Mon 7 Dec 14:32 CET") — and as the viewer
    does when their zone differs ("Mon 7 Dec 14:32 CET · 13:32 UTC here")."""
    if value is None:
        return "—"
    zone = ZoneInfo(team.time_zone) if team is not None and team.time_zone else timezone.get_current_timezone()
    theirs = value.astimezone(zone)
    text = f"{theirs:%a} {theirs.day} {theirs:%b %H:%M %Z}"
    mine = timezone.localtime(value)
    if mine.utcoffset() != theirs.utcoffset():
        text += f" · {mine:%H:%M %Z} here" if mine.date() == theirs.date() else f" · {mine:%a %H:%M %Z} here"
    return text


def _duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs:02d}s"


@dataclass(frozen=True)
class IncidentNav:
    can_view: bool
    can_file: bool


@register.simple_tag(takes_context=True)
def incident_nav(context) -> IncidentNav:
    """Which incident links the top bar shows, in ONE query.

    ``perms.incidents.add_incident`` would cost two queries (user and group permissions) on every
    page, and the matrix page has a hard budget of 20. Same rule as the model backend: active users,
    superusers have everything, otherwise their own permissions and their groups'.
    """
    user = context["request"].user
    if not user.is_active:
        return IncidentNav(False, False)
    if user.is_superuser:
        return IncidentNav(True, True)
    codenames = set(
        Permission.objects.filter(content_type__app_label="incidents", codename__in=("view_incident", "add_incident"))
        .filter(Q(user=user) | Q(group__user=user))
        .values_list("codename", flat=True)
    )
    return IncidentNav(can_view="view_incident" in codenames, can_file="add_incident" in codenames)


@register.filter
def person(user, default: str = "") -> str:
    """A person's name as pages show it; ``default`` when there is nobody."""
    if user is None:
        return default
    return user.get_full_name() or user.username
