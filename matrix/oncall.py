"""Who is on call for a rotation at a moment: pure functions over rows already loaded.

Shifts that are whole days, or that divide a day evenly (12, 8, 6 … hours), are counted on the
rotation's local wall clock, so a weekly 09:00 handoff — or a 09:00/21:00 pair of 12-hour shifts — stays
at those local times across daylight-saving changes (``handoff_time`` is a local time). Other shift
lengths drift across the day anyway, so they count real elapsed hours.
"""

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from .models import Rotation, RotationMember, RotationOverride


def active_override(overrides: Sequence[RotationOverride], at: dt.datetime) -> RotationOverride | None:
    """The override covering ``at``; when several do, the one created last wins."""
    at = at.astimezone(dt.UTC)  # compare instants, never wall-clock times that happen to share a tzinfo
    covering = [o for o in overrides if o.starts_at <= at < o.ends_at]
    return max(covering, key=lambda o: o.pk or 0, default=None)


def _local_handoff(rotation: Rotation) -> dt.datetime:
    """The first shift's start as a naive local time."""
    handoff = rotation.handoff_time
    if isinstance(handoff, str):  # an unsaved or unrefreshed instance still holds the field's "09:00" default
        handoff = dt.time.fromisoformat(handoff)
    return dt.datetime.combine(rotation.starts_on, handoff)


def _counts_wall_clock(rotation: Rotation) -> bool:
    hours = rotation.shift_hours
    return hours % 24 == 0 or 24 % hours == 0


def shift_index(rotation: Rotation, at: dt.datetime) -> int | None:
    """How many whole shifts have begun since the rotation started (None before its first shift)."""
    tz = ZoneInfo(rotation.time_zone)
    if _counts_wall_clock(rotation):
        # Wall-clock arithmetic on naive local times: the shift that spans a DST change is an hour
        # shorter or longer, and every handoff stays at its local time.
        elapsed = at.astimezone(tz).replace(tzinfo=None) - _local_handoff(rotation)
    else:
        # Both sides in UTC: subtracting two datetimes that share a tzinfo ignores their offsets.
        elapsed = at.astimezone(dt.UTC) - _local_handoff(rotation).replace(tzinfo=tz).astimezone(dt.UTC)
    if elapsed < dt.timedelta(0):
        return None
    return int(elapsed // dt.timedelta(hours=rotation.shift_hours))


def shift_start(rotation: Rotation, index: int) -> dt.datetime:
    """When shift number ``index`` begins (in UTC): the inverse of ``shift_index``."""
    tz = ZoneInfo(rotation.time_zone)
    offset = dt.timedelta(hours=index * rotation.shift_hours)
    if _counts_wall_clock(rotation):
        return (_local_handoff(rotation) + offset).replace(tzinfo=tz).astimezone(dt.UTC)
    return _local_handoff(rotation).replace(tzinfo=tz).astimezone(dt.UTC) + offset


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
