"""Pieces every page shares: escalation steps in words, upcoming on-call shifts, stale contacts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

from .. import models as m
from ..oncall import on_call_at, shift_index, shift_start
from ..snapshot import MatrixSnapshot


def person_name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


@dataclass(frozen=True)
class Recipient:
    """One kind of recipient of a step, with the people it means today when we know them."""

    label: str  # "on-call", "lead", "product managers", "executives", "vendor owner", or a person's name
    people: tuple[str, ...] = ()
    gap: bool = False  # the step would reach nobody (no one on call, no lead)

    def __str__(self) -> str:
        if self.people:
            return f"{self.label} ({', '.join(self.people)})"
        return f"{self.label} (nobody)" if self.gap else self.label


# Per phase: what the step waits for, and what its delay counts from (``counted_from``).
PHASE_WORDS = {
    m.Phase.ACKNOWLEDGE: ("acknowledged", {"start": "filing", "target": "the acknowledge target"}),
    m.Phase.CONTAIN: ("contained", {"start": "the acknowledgement", "target": "the contain target"}),
    m.Phase.RESOLVE: ("resolved", {"start": "the containment", "target": "the resolve target"}),
}


@dataclass(frozen=True)
class StepView:
    position: int  # within its phase
    delay_minutes: int
    recipients: tuple[Recipient, ...]
    phase: str = m.Phase.ACKNOWLEDGE
    counted_from: str = m.CountedFrom.START

    @property
    def phase_label(self) -> str:
        return m.Phase(self.phase).label.lower()

    @property
    def anchor(self) -> str:
        """What the delay counts from: "filing", "the acknowledgement", "the contain target"…"""
        return PHASE_WORDS[self.phase][1][self.counted_from]

    @property
    def unless(self) -> str:
        """The condition that stops it: "if not contained by then"."""
        return f"if not {PHASE_WORDS[self.phase][0]} by then"

    @property
    def who(self) -> str:
        return ", ".join(str(r) for r in self.recipients) or "nobody"

    @property
    def has_gap(self) -> bool:
        return not self.recipients or any(r.gap for r in self.recipients)

    def __str__(self) -> str:
        return f"+{self.delay_minutes} {self.who}"


def describe_steps(
    snapshot: MatrixSnapshot,
    policy: m.EscalationPolicy | None,
    team: m.Team | None,
    on_call=None,
    vendor_owners: Sequence[str] = (),
) -> list[StepView]:
    """The policy's steps as the people they reach when the incident goes to ``team``.

    ``on_call`` is the team's on-call person now (callers compute it once per team). The suspected
    vendor is only known per incident, so ``vendor_owners`` lists the candidates (an area's vendors).
    """
    if policy is None:
        return []
    views = []
    ranks: dict[str, int] = {}
    for step in sorted(policy.steps.all(), key=m.step_order):
        ranks[step.phase] = ranks.get(step.phase, 0) + 1
        recipients: list[Recipient] = []
        # A step may page another team's people ("SRE on-call"); otherwise the routed team's.
        other = snapshot.teams.get(step.notify_team_id) if step.notify_team_id else None
        whose, paged = (f"{other.name} ", other) if other is not None and other != team else ("", team)
        memberships = snapshot.memberships_by_team.get(paged.pk, []) if paged else []
        reached = on_call if paged == team else snapshot.on_call(paged.pk)
        if step.notify_on_call:
            # An inactive user on call cannot answer: the step reaches nobody.
            gap = reached is None or not reached.is_active
            recipients.append(Recipient(f"{whose}on-call", (person_name(reached),) if reached else (), gap=gap))
        if step.notify_team_lead:
            leads = tuple(person_name(ms.user) for ms in memberships if ms.role == m.MembershipRole.LEAD)
            recipients.append(Recipient(f"{whose}lead", leads, gap=not leads))
        if step.notify_role:
            holders = tuple(person_name(ms.user) for ms in memberships if ms.role == step.notify_role)
            label = f"{whose}{step.get_notify_role_display().lower()}s"
            recipients.append(Recipient(label, holders, gap=not holders))
        recipients.extend(Recipient(person_name(user)) for user in step.notify_users.all())
        if step.notify_vendor_owner:
            recipients.append(Recipient("vendor owner", tuple(vendor_owners)))
        if step.notify_executives:
            recipients.append(Recipient("executives"))
        views.append(StepView(ranks[step.phase], step.delay_minutes, tuple(recipients), step.phase,
                              step.counted_from))
    return views


# --- on-call shifts --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shift:
    starts_at: dt.datetime
    user: object | None  # None = a gap: nobody is on call from this start


def upcoming_shifts(rotation: m.Rotation, now: dt.datetime, count: int = 4) -> list[Shift]:
    """The next ``count`` shift starts after ``now`` and who is on call at each (overrides included)."""
    members, overrides = list(rotation.members.all()), list(rotation.overrides.all())
    current = shift_index(rotation, now)
    first = 0 if current is None else current + 1
    shifts = []
    for index in range(first, first + count):
        starts_at = shift_start(rotation, index)
        shifts.append(Shift(starts_at, on_call_at(rotation, members, overrides, starts_at)))
    return shifts


# --- contacts ----------------------------------------------------------------------------------------
def stale_before(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=settings.MATRIX_CONTACT_STALE_DAYS)


def is_stale(confirmed_at: dt.datetime | None, now: dt.datetime) -> bool:
    """A contact nobody has confirmed within MATRIX_CONTACT_STALE_DAYS (or ever) may no longer work."""
    return confirmed_at is None or confirmed_at < stale_before(now)
