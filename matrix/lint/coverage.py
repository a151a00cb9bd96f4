"""Coverage checks: areas with nobody owning them or nothing to follow, stale contacts, no triage team."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.conf import settings

from ..snapshot import MatrixSnapshot
from .findings import ERROR, WARNING, Finding


def check_areas_without_owner(snapshot: MatrixSnapshot) -> Iterator[Finding]:
    for area in sorted(snapshot.areas.values(), key=lambda a: a.name):
        if area.owner_team_id is None:
            yield Finding("area-no-owner", ERROR, f"Area '{area.name}' has no owner team.", "area", area.key)


def check_areas_without_playbook(snapshot: MatrixSnapshot) -> Iterator[Finding]:
    """A playbook applies to its area and every area below it; one with no area applies everywhere."""
    if any(playbook.area_id is None for playbook in snapshot.playbooks):
        return
    covered: set[int] = set()
    for playbook in snapshot.playbooks:
        covered |= snapshot.descendants.get(playbook.area_id, frozenset())
    for area in sorted(snapshot.areas.values(), key=lambda a: a.name):
        if area.pk not in covered:
            yield Finding("area-no-playbook", WARNING, f"No playbook applies to area '{area.name}'.",
                          "area", area.key)


def check_triage_team(snapshot: MatrixSnapshot) -> Iterator[Finding]:
    if snapshot.triage_team is None:
        yield Finding("no-triage-team", WARNING,
                      "No team is marked as the triage team: an incident in an area with no owner that no rule "
                      "matches cannot be routed.", "matrix", "triage")


def _staleness(confirmed_at: dt.datetime | None, cutoff: dt.datetime) -> str | None:
    if confirmed_at is None:
        return "has never been confirmed"
    if confirmed_at < cutoff:
        return f"was last confirmed on {confirmed_at:%Y-%m-%d}"
    return None


def check_stale_contacts(snapshot: MatrixSnapshot) -> Iterator[Finding]:
    """Contacts nobody confirmed within MATRIX_CONTACT_STALE_DAYS: a page to a dead address reaches no one."""
    days = settings.MATRIX_CONTACT_STALE_DAYS
    cutoff = snapshot.now - dt.timedelta(days=days)
    for team in sorted(snapshot.teams.values(), key=lambda t: t.name):
        for channel in snapshot.contact_channels_by_team.get(team.pk, []):
            stale = _staleness(channel.confirmed_at, cutoff)
            if stale:
                yield Finding("team-contact-stale", WARNING,
                              f"{team.name}'s {channel.get_kind_display()} contact '{channel.label or channel.target}' "
                              f"{stale} (contacts must be confirmed every {days} days).", "team", team.key)
    for contact in sorted(snapshot.vendor_contacts, key=lambda c: (c.vendor.name, c.name)):
        stale = _staleness(contact.confirmed_at, cutoff)
        if stale:
            yield Finding("vendor-contact-stale", WARNING,
                          f"{contact.vendor.name}'s support contact {contact.name} {stale} "
                          f"(contacts must be confirmed every {days} days).", "vendor", contact.vendor.key)
