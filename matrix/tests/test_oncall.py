"""Who is on call: shifts across handoffs, overrides, time zones and daylight-saving changes."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from matrix.oncall import on_call_at, shift_index, shift_start
from matrix.snapshot import MatrixSnapshot
from matrix.tests import factories as f

pytestmark = pytest.mark.django_db

UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
MINUTE = dt.timedelta(minutes=1)


def rotation_with(names: list[str], **kwargs):
    """A rotation whose members take shifts in the order given."""
    rotation = f.RotationFactory(**kwargs)
    for position, name in enumerate(names, start=1):
        f.RotationMemberFactory(rotation=rotation, position=position, user=f.UserFactory(username=name))
    return rotation


def who(rotation, at: dt.datetime) -> str | None:
    user = on_call_at(rotation, list(rotation.members.all()), list(rotation.overrides.all()), at)
    return user.username if user else None


def test_a_weekly_rotation_hands_off_at_the_handoff_time_and_wraps_around():
    # Monday 5 January 2026, 09:00 UTC.
    rotation = rotation_with(["ann", "bob", "cat"], shift_hours=168, starts_on=dt.date(2026, 1, 5))
    handoff = dt.datetime(2026, 1, 12, 9, 0, tzinfo=UTC)

    assert who(rotation, dt.datetime(2026, 1, 5, 9, 0, tzinfo=UTC)) == "ann"
    assert who(rotation, handoff - MINUTE) == "ann"
    assert who(rotation, handoff) == "bob"
    assert who(rotation, handoff + dt.timedelta(days=7)) == "cat"
    assert who(rotation, handoff + dt.timedelta(days=14)) == "ann"


def test_members_take_shifts_by_position_not_by_creation_order():
    rotation = f.RotationFactory(shift_hours=168, starts_on=dt.date(2026, 1, 5))
    f.RotationMemberFactory(rotation=rotation, position=2, user=f.UserFactory(username="second"))
    f.RotationMemberFactory(rotation=rotation, position=1, user=f.UserFactory(username="first"))

    assert who(rotation, dt.datetime(2026, 1, 6, tzinfo=UTC)) == "first"
    assert who(rotation, dt.datetime(2026, 1, 13, tzinfo=UTC)) == "second"


def test_a_daily_rotation_hands_off_every_day_at_the_handoff_time():
    rotation = rotation_with(["ann", "bob"], shift_hours=24, handoff_time=dt.time(8, 30),
                             starts_on=dt.date(2026, 2, 1))
    handoff = dt.datetime(2026, 2, 2, 8, 30, tzinfo=UTC)

    assert who(rotation, handoff - MINUTE) == "ann"
    assert who(rotation, handoff) == "bob"
    assert who(rotation, handoff + dt.timedelta(days=1) - MINUTE) == "bob"
    assert who(rotation, handoff + dt.timedelta(days=1)) == "ann"


def test_twelve_hour_shifts_hand_off_at_the_handoff_time_and_twelve_hours_later():
    rotation = rotation_with(["day", "night"], shift_hours=12, handoff_time=dt.time(9, 0),
                             starts_on=dt.date(2026, 2, 1))
    evening = dt.datetime(2026, 2, 3, 21, 0, tzinfo=UTC)

    assert who(rotation, evening - MINUTE) == "day"
    assert who(rotation, evening) == "night"
    assert who(rotation, evening + dt.timedelta(hours=12) - MINUTE) == "night"
    assert who(rotation, evening + dt.timedelta(hours=12)) == "day"


def test_nobody_is_on_call_before_the_rotation_starts():
    rotation = rotation_with(["ann"], starts_on=dt.date(2026, 1, 5))
    start = dt.datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    assert who(rotation, start - MINUTE) is None
    assert who(rotation, start) == "ann"


def test_a_rotation_without_members_has_nobody_on_call():
    rotation = f.RotationFactory(starts_on=dt.date(2026, 1, 5))

    assert who(rotation, dt.datetime(2026, 1, 6, tzinfo=UTC)) is None


def test_an_override_puts_its_user_on_call_only_inside_its_window():
    rotation = rotation_with(["ann"], starts_on=dt.date(2026, 1, 5))
    starts, ends = dt.datetime(2026, 1, 7, 18, tzinfo=UTC), dt.datetime(2026, 1, 8, 6, tzinfo=UTC)
    f.RotationOverrideFactory(rotation=rotation, user=f.UserFactory(username="cover"), starts_at=starts, ends_at=ends)

    assert who(rotation, starts - MINUTE) == "ann"
    assert who(rotation, starts) == "cover"
    assert who(rotation, ends - MINUTE) == "cover"
    assert who(rotation, ends) == "ann"


def test_when_overrides_overlap_the_latest_created_wins():
    rotation = rotation_with(["ann"], starts_on=dt.date(2026, 1, 5))
    ends = dt.datetime(2026, 1, 9, tzinfo=UTC)
    # The older one starts later: creation order decides, not which override started last.
    f.RotationOverrideFactory(rotation=rotation, user=f.UserFactory(username="older"),
                              starts_at=dt.datetime(2026, 1, 7, 12, tzinfo=UTC), ends_at=ends)
    f.RotationOverrideFactory(rotation=rotation, user=f.UserFactory(username="newer"),
                              starts_at=dt.datetime(2026, 1, 7, tzinfo=UTC), ends_at=ends)

    assert who(rotation, dt.datetime(2026, 1, 8, tzinfo=UTC)) == "newer"


def test_an_override_covers_a_rotation_that_has_nobody_on_call():
    rotation = f.RotationFactory(starts_on=dt.date(2026, 6, 1))
    f.RotationOverrideFactory(rotation=rotation, user=f.UserFactory(username="cover"),
                              starts_at=dt.datetime(2026, 1, 1, tzinfo=UTC),
                              ends_at=dt.datetime(2026, 1, 2, tzinfo=UTC))

    assert who(rotation, dt.datetime(2026, 1, 1, 12, tzinfo=UTC)) == "cover"


def test_the_handoff_time_is_local_to_the_rotation_time_zone():
    # 09:00 in New York in January is 14:00 UTC.
    rotation = rotation_with(["ann", "bob"], shift_hours=24, time_zone="America/New_York",
                             starts_on=dt.date(2026, 1, 5))
    handoff = dt.datetime(2026, 1, 6, 14, 0, tzinfo=UTC)

    assert who(rotation, handoff - MINUTE) == "ann"
    assert who(rotation, handoff) == "bob"
    assert who(rotation, handoff.astimezone(NEW_YORK)) == "bob"


def test_a_weekly_09_00_handoff_stays_at_09_00_local_across_the_end_of_march_clock_change():
    # Monday 23 March 2026 09:00 GMT; the clocks go forward on Sunday 29 March; the next handoff is
    # Monday 30 March 09:00 BST, which is 08:00 UTC.
    rotation = rotation_with(["ann", "bob"], shift_hours=168, time_zone="Europe/London",
                             starts_on=dt.date(2026, 3, 23))
    first = dt.datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
    handoff = dt.datetime(2026, 3, 30, 8, 0, tzinfo=UTC)

    assert who(rotation, first - MINUTE) is None
    assert who(rotation, first) == "ann"
    assert who(rotation, handoff - MINUTE) == "ann"
    assert who(rotation, handoff) == "bob"
    assert who(rotation, dt.datetime(2026, 3, 30, 9, 0, tzinfo=LONDON)) == "bob"


def test_twelve_hour_shifts_keep_their_local_handoff_times_across_a_clock_change():
    # 09:00 and 21:00 London time: 09:00/21:00 UTC before 29 March, 08:00/20:00 UTC after.
    rotation = rotation_with(["day", "night"], shift_hours=12, time_zone="Europe/London",
                             starts_on=dt.date(2026, 3, 27))
    morning = dt.datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    evening = dt.datetime(2026, 3, 29, 20, 0, tzinfo=UTC)

    assert who(rotation, dt.datetime(2026, 3, 28, 21, 0, tzinfo=UTC)) == "night"
    assert who(rotation, morning - MINUTE) == "night"
    assert who(rotation, morning) == "day"
    assert who(rotation, evening - MINUTE) == "day"
    assert who(rotation, evening) == "night"


def test_shifts_that_do_not_divide_a_day_count_real_hours_whatever_zone_the_moment_is_given_in():
    # 36-hour shifts from Saturday 28 March 09:00 GMT: the handoff is 36 real hours later, 21:00 UTC on
    # Sunday (22:00 BST), even though the wall clock moved an hour in between.
    rotation = rotation_with(["ann", "bob"], shift_hours=36, time_zone="Europe/London",
                             starts_on=dt.date(2026, 3, 28))
    handoff = dt.datetime(2026, 3, 29, 21, 0, tzinfo=UTC)

    for at in (handoff - MINUTE, (handoff - MINUTE).astimezone(LONDON)):
        assert who(rotation, at) == "ann"
    for at in (handoff, handoff.astimezone(LONDON)):
        assert who(rotation, at) == "bob"


@pytest.mark.parametrize("shift_hours", [168, 24, 12, 8, 36])
def test_shift_start_is_where_shift_index_changes_across_a_clock_change(shift_hours):
    rotation = f.RotationFactory(shift_hours=shift_hours, time_zone="Europe/London", starts_on=dt.date(2026, 3, 20))

    for index in range(30):
        starts = shift_start(rotation, index)
        assert shift_index(rotation, starts) == index
        assert shift_index(rotation, starts - MINUTE) == (index - 1 if index else None)


def test_shift_start_keeps_whole_day_and_day_dividing_handoffs_at_local_time():
    weekly = f.RotationFactory(shift_hours=168, time_zone="Europe/London", starts_on=dt.date(2026, 3, 23))
    twelve = f.RotationFactory(shift_hours=12, time_zone="Europe/London", starts_on=dt.date(2026, 3, 27))

    assert shift_start(weekly, 1) == dt.datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert [shift_start(twelve, i).astimezone(LONDON).hour for i in range(8)] == [9, 21] * 4


# --- the snapshot's view: a team's on-call person ---------------------------------------------------

def test_the_team_on_call_comes_from_its_first_rotation_with_somebody_on_call():
    team = f.TeamFactory(key="sre")
    rotation_with(["primary"], team=team, name="Primary", order=1, starts_on=dt.date(2026, 3, 1))
    rotation_with(["secondary"], team=team, name="Secondary", order=2, starts_on=dt.date(2026, 1, 1))
    f.RotationFactory(team=team, name="Empty", order=0, starts_on=dt.date(2026, 1, 1))

    february = dt.datetime(2026, 2, 1, 12, tzinfo=UTC)
    march = dt.datetime(2026, 3, 2, 12, tzinfo=UTC)

    assert MatrixSnapshot(now=february).on_call(team.pk).username == "secondary"
    assert MatrixSnapshot(now=march).on_call(team.pk).username == "primary"
    assert MatrixSnapshot(now=february).on_call(team.pk, at=march).username == "primary"


def test_a_team_without_rotations_has_nobody_on_call():
    team = f.TeamFactory(key="lonely")

    assert MatrixSnapshot().on_call(team.pk) is None


def test_on_call_for_many_teams_costs_a_constant_number_of_queries(django_assert_num_queries):
    teams = [f.TeamFactory(key=f"team-{n}") for n in range(5)]
    for team in teams:
        rotation = rotation_with([f"{team.key}-a", f"{team.key}-b"], team=team, starts_on=dt.date(2026, 1, 1))
        f.RotationOverrideFactory(rotation=rotation, user=f.UserFactory(),
                                  starts_at=dt.datetime(2026, 1, 1, tzinfo=UTC),
                                  ends_at=dt.datetime(2026, 1, 2, tzinfo=UTC))
    snapshot = MatrixSnapshot(now=dt.datetime(2026, 1, 10, tzinfo=UTC))

    with django_assert_num_queries(3):  # rotations, their members, their overrides
        assert [snapshot.on_call(team.pk).username for team in teams] == [f"{t.key}-b" for t in teams]
