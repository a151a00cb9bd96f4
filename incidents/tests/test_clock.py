"""Deadlines on a tier's clock: round the clock, or the owning team's business hours."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from incidents.clock import deadline, shift_after_pause, working_time_between
from matrix.models import Clock, Team

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def team(**calendar) -> Team:
    # Unsaved: the calendar is plain fields, so no database is needed.
    defaults = {"key": "t", "name": "T", "time_zone": "UTC", "workday_start": dt.time(9), "workday_end": dt.time(17),
                "working_days": "0,1,2,3,4", "holiday_country": ""}
    return Team(**{**defaults, **calendar})


def at(year, month, day, hour, minute=0, tz=dt.UTC) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


def business(team_, start, minutes):
    return deadline(team=team_, start=start, minutes=minutes, clock=Clock.BUSINESS_HOURS)


def test_round_the_clock_deadlines_ignore_the_calendar():
    friday_evening = at(2026, 3, 6, 16)

    assert deadline(team=team(), start=friday_evening, minutes=120, clock=Clock.ALWAYS) == at(2026, 3, 6, 18)


def test_a_deadline_inside_one_working_day_is_plain_addition():
    assert business(team(), at(2026, 3, 2, 10), 90) == at(2026, 3, 2, 11, 30)


def test_business_hours_skip_the_night_and_the_weekend():
    # Friday 16:00 + 2 working hours: one hour on Friday, one on Monday morning.
    assert business(team(), at(2026, 3, 6, 16), 120) == at(2026, 3, 9, 10)


def test_filed_outside_hours_the_clock_starts_when_work_starts():
    saturday = at(2026, 3, 7, 12)
    before_work = at(2026, 3, 3, 6)

    assert business(team(), saturday, 30) == at(2026, 3, 9, 9, 30)
    assert business(team(), before_work, 30) == at(2026, 3, 3, 9, 30)


def test_a_target_longer_than_a_working_day_spans_several_days():
    # 20 working hours from Monday 10:00 = 7 h Monday, 8 h Tuesday, 5 h Wednesday.
    assert business(team(), at(2026, 3, 2, 10), 20 * 60) == at(2026, 3, 4, 14)


def test_public_holidays_of_the_teams_country_are_not_working_days():
    # Thursday before Easter 2026, 16:00 + 2 working hours. In Germany Good Friday (3 April) and Easter
    # Monday (6 April) are holidays: one hour on Thursday, the next on Tuesday morning.
    thursday = at(2026, 4, 2, 16)

    assert business(team(holiday_country="DE"), thursday, 120) == at(2026, 4, 7, 10)
    assert business(team(), thursday, 120) == at(2026, 4, 3, 10)


def test_working_hours_are_the_teams_local_hours():
    new_york = team(time_zone="America/New_York")
    # 08:00 in New York is before work: the hour counts from 09:00 local time (13:00 UTC).
    start = at(2026, 3, 10, 8, tz=NEW_YORK)

    assert business(new_york, start, 60) == at(2026, 3, 10, 10, tz=NEW_YORK)


def test_working_hours_stay_local_across_a_daylight_saving_change():
    berlin = team(time_zone="Europe/Berlin")
    # Friday 27 March 2026 16:00 CET + 2 h: the clocks go forward on Sunday; Monday's 09:00 is CEST.
    due = business(berlin, at(2026, 3, 27, 16, tz=BERLIN), 120)

    assert due == at(2026, 3, 30, 10, tz=BERLIN)
    assert due.utcoffset() == dt.timedelta(0) and due == at(2026, 3, 30, 8)


def test_custom_working_days_and_an_overnight_shift():
    # Nights from Sunday to Wednesday, 22:00 to 06:00.
    night_desk = team(workday_start=dt.time(22), workday_end=dt.time(6), working_days="6,0,1,2")

    assert business(night_desk, at(2026, 3, 8, 23), 60) == at(2026, 3, 9, 0)
    # Thursday 05:00 is the last working hour of Wednesday night; Thursday to Saturday nights are off,
    # so the second hour is Sunday 22:00–23:00.
    assert business(night_desk, at(2026, 3, 12, 5), 120) == at(2026, 3, 15, 23)


def test_zero_minutes_is_the_start_itself():
    assert business(team(), at(2026, 3, 7, 12), 0) == at(2026, 3, 7, 12)


def test_working_time_between_two_moments_counts_only_working_hours():
    assert working_time_between(team(), at(2026, 3, 6, 16), at(2026, 3, 9, 10)) == dt.timedelta(hours=2)
    assert working_time_between(team(), at(2026, 3, 7, 10), at(2026, 3, 8, 10)) == dt.timedelta(0)
    assert working_time_between(team(), at(2026, 3, 9, 10), at(2026, 3, 6, 10)) == dt.timedelta(0)


def test_a_pause_round_the_clock_moves_the_deadline_by_the_paused_time():
    due = shift_after_pause(team=team(), due=at(2026, 3, 2, 12), paused_at=at(2026, 3, 2, 10),
                            resumed_at=at(2026, 3, 2, 10, 45), clock=Clock.ALWAYS)

    assert due == at(2026, 3, 2, 12, 45)


def test_a_pause_on_business_hours_keeps_the_working_time_that_was_left():
    # Due Friday 17:00, paused Friday 16:00 (1 working hour left), resumed Monday 10:00 → Monday 11:00.
    due = shift_after_pause(team=team(), due=at(2026, 3, 6, 17), paused_at=at(2026, 3, 6, 16),
                            resumed_at=at(2026, 3, 9, 10), clock=Clock.BUSINESS_HOURS)

    assert due == at(2026, 3, 9, 11)


def test_a_calendar_without_working_days_is_refused_rather_than_searched_forever():
    never = team(working_days="")

    with pytest.raises(ValueError, match="no working time"):
        business(never, at(2026, 3, 2, 10), 60)
