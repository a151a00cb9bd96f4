"""Deadlines on a tier's clock: round the clock, or the owning team's business hours.

A business-hours clock counts only the team's working hours, in its time zone, on its working days,
skipping its country's public holidays (the ``holidays`` package). Working windows are built on the
local wall clock and compared as instants, so a window on a daylight-saving day is still 09:00–17:00
local time, and arithmetic across the change stays exact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from matrix.models import Clock, Team

# A calendar with no working day at all would otherwise search forever: give up after this many days.
MAX_DAYS = 3 * 366


@lru_cache(maxsize=64)
def _country_holidays(country: str) -> holidays.HolidayBase | None:
    """The country's holidays (years are filled in lazily on lookup); None for an unknown code."""
    try:
        return holidays.country_holidays(country.upper())
    except NotImplementedError:
        return None


def _as_time(value: dt.time | str) -> dt.time:
    # An unsaved team still holds the field's "09:00" string default.
    return dt.time.fromisoformat(value) if isinstance(value, str) else value


class BusinessCalendar:
    """A team's working hours as a stream of working windows (UTC instants)."""

    def __init__(self, team: Team) -> None:
        self.tz = ZoneInfo(team.time_zone or "UTC")
        self.start = _as_time(team.workday_start)
        self.end = _as_time(team.workday_end)
        self.days = {int(d) for d in str(team.working_days).split(",") if d.strip().isdigit()}
        self.holidays = _country_holidays(team.holiday_country) if team.holiday_country else None

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.days and not (self.holidays is not None and day in self.holidays)

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The working window that starts on ``day``; an end at or before the start means overnight."""
        opens = dt.datetime.combine(day, self.start, tzinfo=self.tz).astimezone(dt.UTC)
        closes_on = day if self.end > self.start else day + dt.timedelta(days=1)
        closes = dt.datetime.combine(closes_on, self.end, tzinfo=self.tz).astimezone(dt.UTC)
        return opens, closes

    def windows(self, after: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Working windows from ``after`` on, the first one clipped to begin at ``after``."""
        after = after.astimezone(dt.UTC)
        # From the day before: an overnight window that began yesterday may still be open.
        day = after.astimezone(self.tz).date() - dt.timedelta(days=1)
        for _ in range(MAX_DAYS):
            if self.is_working_day(day):
                opens, closes = self.window(day)
                if closes > after:
                    yield max(opens, after), closes
            day += dt.timedelta(days=1)
        raise ValueError("The team's calendar has no working time in the next three years.")


def add_working_time(team: Team, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    """The moment ``amount`` of the team's working time after ``start`` has passed."""
    if amount <= dt.timedelta(0):
        return start
    remaining = amount
    for opens, closes in BusinessCalendar(team).windows(start):
        if opens + remaining <= closes:
            return opens + remaining
        remaining -= closes - opens
    raise AssertionError("unreachable: windows() raises when it runs out")


def working_time_between(team: Team, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """How much of the team's working time lies between two instants (zero when ``end`` ≤ ``start``)."""
    total = dt.timedelta(0)
    if end <= start:
        return total
    for opens, closes in BusinessCalendar(team).windows(start):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return total


def deadline(*, team: Team, start: dt.datetime, minutes: float, clock: str) -> dt.datetime:
    """``minutes`` after ``start`` on the tier's clock (``team`` is the owning team, for business hours)."""
    amount = dt.timedelta(minutes=minutes)
    if clock == Clock.BUSINESS_HOURS:
        return add_working_time(team, start, amount)
    return start + amount


def credited_pause(*, team: Team, paused_at: dt.datetime, resumed_at: dt.datetime, clock: str) -> dt.timedelta:
    """How much a pause moved the deadlines: all of it round the clock; only its working time on business hours."""
    if clock == Clock.BUSINESS_HOURS:
        return working_time_between(team, paused_at, resumed_at)
    return max(resumed_at - paused_at, dt.timedelta(0))


def shift_after_pause(
    *, team: Team, due: dt.datetime, paused_at: dt.datetime, resumed_at: dt.datetime, clock: str
) -> dt.datetime:
    """A due time moved by a pause: what was left of it when the clocks stopped runs on from the resume.

    Round the clock that is ``due + (resumed_at - paused_at)``; on business hours only the working time
    left at the pause counts, so a pause over a weekend moves nothing more than it should.
    """
    if clock == Clock.BUSINESS_HOURS:
        left = working_time_between(team, paused_at, due)
        return add_working_time(team, resumed_at, left) if left else max(due, resumed_at)
    return due + (resumed_at - paused_at)
