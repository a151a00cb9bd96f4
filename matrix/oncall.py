"""Who is on call for a rotation at a moment: pure functions over rows already loaded.

Shifts that are whole days are counted on the rotation's local calendar, so a weekly 09:00 handoff
stays at 09:00 local time across daylight-saving changes; other shift lengths count real hours.
"""

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from .models import Rotation, RotationMember, RotationOverride


def active_override(overrides: Sequence[RotationOverride], at: dt.datetime) -> RotationOverride | None:
    """The override covering ``at``; when several do, the one created last wins."""
    covering = [o for o in overrides if o.starts_at <= at < o.ends_at]
    return max(covering, key=lambda o: o.pk or 0, default=None)


def shift_index(rotation: Rotation, at: dt.datetime) -> int | None:
    """How many whole shifts have begun since the rotation started (None before its first shift)."""
    tz = ZoneInfo(rotation.time_zone)
    if rotation.shift_hours % 24 == 0:
        local = at.astimezone(tz)
        days = (local.date() - rotation.starts_on).days
        if local.time() < rotation.handoff_time:
            days -= 1
        return None if days < 0 else days // (rotation.shift_hours // 24)
    start = dt.datetime.combine(rotation.starts_on, rotation.handoff_time, tzinfo=tz)
    elapsed = at - start
    if elapsed < dt.timedelta(0):
        return None
    return int(elapsed // dt.timedelta(hours=rotation.shift_hours))


def on_call_at(
    rotation: Rotation,
    members: Sequence[RotationMember],
    overrides: Sequence[RotationOverride],
    at: dt.datetime,
):
    """The user on call for ``rotation`` at ``at``, or None when nobody is (a gap)."""
    override = active_override(overrides, at)
    if override is not None:
        return override.user
    if not members:
        return None
    index = shift_index(rotation, at)
    if index is None:
        return None
    ordered = sorted(members, key=lambda m: m.position)
    return ordered[index % len(ordered)].user
