"""On-call checks: rotations with gaps, and teams that receive incidents with nobody to answer them."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..oncall import on_call_at, shift_index
from ..snapshot import MatrixSnapshot
from .findings import ERROR, WARNING, Finding, rotation_key


def routing_team_ids(snapshot: MatrixSnapshot) -> set[int]:
    """Teams incidents can be routed to: targets of active rules, area owners and the triage team."""
    ids = {rule.team_id for rule in snapshot.rules if rule.active}
    ids |= {area.owner_team_id for area in snapshot.areas.values() if area.owner_team_id}
    if snapshot.triage_team is not None:
        ids.add(snapshot.triage_team.pk)
    return ids


def team_ever_on_call(snapshot: MatrixSnapshot, team_id: int) -> bool:
    """Whether anyone could be on call for the team now or later: a rotation member or a pending override."""
    return any(
        rotation.members.all() or any(o.ends_at > snapshot.now for o in rotation.overrides.all())
        for rotation in snapshot.rotations_by_team.get(team_id, [])
    )


def _valid_time_zone(rotation) -> bool:
    try:
        ZoneInfo(rotation.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _active_on_call_now(snapshot: MatrixSnapshot, rotations) -> bool:
    """Someone who can still act (an active user) is on call now in one of these rotations."""
    for rotation in rotations:
        user = on_call_at(rotation, rotation.members.all(), rotation.overrides.all(), snapshot.now)
        if user is not None and user.is_active:
            return True
    return False


def check_rotations(snapshot: MatrixSnapshot) -> Iterator[Finding]:
    routing_teams = routing_team_ids(snapshot)
    for team in sorted(snapshot.teams.values(), key=lambda t: t.name):
        rotations = snapshot.rotations_by_team.get(team.pk, [])
        usable = []
        for rotation in rotations:
            key = rotation_key(team, rotation)
            label = f"Rotation '{rotation.name}' of {team.name}"
            members = rotation.members.all()
            if not _valid_time_zone(rotation):
                yield Finding("rotation-bad-time-zone", ERROR,
                              f"{label} has an unknown time zone '{rotation.time_zone}'.", "rotation", key)
                continue
            usable.append(rotation)
            if not members:
                yield Finding("rotation-no-members", WARNING, f"{label} has no members.", "rotation", key)
            elif shift_index(rotation, snapshot.now) is None:
                yield Finding("rotation-not-started", WARNING,
                              f"{label} only starts on {rotation.starts_on:%Y-%m-%d}; until then nobody from it "
                              "is on call.", "rotation", key)
            for member in members:
                if not member.user.is_active:
                    yield Finding("rotation-inactive-member", WARNING,
                                  f"{label} still has the inactive user {member.user.username} "
                                  f"at position {member.position}.", "rotation", key)
        if team.pk in routing_teams:
            if not _active_on_call_now(snapshot, usable):
                why = "has no rotation" if not rotations else "has nobody (active) on call right now"
                yield Finding("team-no-on-call-now", ERROR,
                              f"Team {team.name} receives incidents but {why}.", "team", team.key)
        elif not rotations:
            # A team that routes incidents and has no rotation is already reported, as an error, above.
            yield Finding("team-no-rotation", WARNING, f"Team {team.name} has no on-call rotation.",
                          "team", team.key)
