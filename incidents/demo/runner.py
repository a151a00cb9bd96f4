"""Playing an incident's life in the past, through the real services and the real timer sweep.

``Life`` walks one incident forward in simulated time. Before each move it lets the clock run to that
moment: every timer of the incident that falls due on the way is fired by ``timers_fire_due(now=…)``
at its own due time — so a missed target is a real breach, an unacknowledged incident climbs its real
escalation steps, a warning lands at 75% — and only then does the person act (``now=`` the moment).
Timelines, timers, breaches and notifications are therefore exactly what the product writes.

Notifications are history too: each one is stamped with the simulated moment it was written and
marked sent then, so the outbox reads like 90 days of delivered messages and nothing of the past is
delivered again. Only the timers still armed at the end (the open incidents') notify for real, later,
from the worker.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth import get_user_model

from matrix.models import ChecklistItem, Clock, MembershipRole, TriageField
from matrix.routing import Router, RouteRequest, RoutingDecision
from matrix.snapshot import MatrixSnapshot
from notifications.models import Notification
from notifications.models import Status as Delivery

from .. import services
from ..clock import working_time_between
from ..models import Handoff, Incident, Status, Timer, TimerKind, TimerState
from ..timers import due_after, timers_fire_due
from .catalogue import CONTAINED_UPDATE, MONITORING_UPDATES, STAKEHOLDER_UPDATES

CHANGE = "incidents.change_incident"
# A message reaches its receiver a moment after its cause (what the outbox shows as "sent").
DELIVERY_DELAY = dt.timedelta(seconds=3)
# More timers than one incident could ever have: a sweep that keeps finding the same due timer (an
# effect that fails and is retried) must not spin the demo forever.
MAX_FIRINGS = 200
ONE_SECOND = dt.timedelta(seconds=1)


# The moves that notify people (the others only write the timeline): stamping after them alone saves
# a query per move. ``Life.finish`` stamps whatever another move wrote anyway.
TELLING = {services.incident_flag_misroute, services.incident_reassign, services.incident_open_war_room,
           services.incident_involve_vendor, services.incident_reopen}


class PastHorizon(Exception):
    """The next move would happen after the moment the demo stops (now): the incident stays open."""


@dataclass
class Cast:
    """The demo's people and the matrix facts a life needs, loaded once for every incident."""

    snapshot: MatrixSnapshot
    users: dict[str, object]  # username → user; the same objects every time, so permissions are cached
    checklists: dict[int, list[ChecklistItem]]  # playbook id → its items in order
    triage_fields: dict[int, list[TriageField]]  # playbook id → its fields in order

    @classmethod
    def load(cls, now: dt.datetime) -> Cast:
        users = {u.username: u for u in get_user_model().objects.filter(is_active=True)}
        checklists: dict[int, list] = {}
        for item in ChecklistItem.objects.order_by("playbook_id", "position", "pk"):
            checklists.setdefault(item.playbook_id, []).append(item)
        fields: dict[int, list] = {}
        for triage_field in TriageField.objects.order_by("playbook_id", "position", "pk"):
            fields.setdefault(triage_field.playbook_id, []).append(triage_field)
        return cls(MatrixSnapshot(now), users, checklists, fields)

    @cached_property
    def router(self) -> Router:
        return Router(self.snapshot)

    def route(self, request: RouteRequest) -> RoutingDecision:
        """Where filing will send it (to know which playbook's triage fields to answer); no query."""
        return self.router.route(request)

    def tier_of(self, impact: str, urgency: str) -> str:
        """The priority matrix's tier key for the pair."""
        snap = self.snapshot
        return snap.tiers[snap.cells[(snap.impacts[impact].pk, snap.urgencies[urgency].pk)]].key

    def user(self, username: str):
        return self.users.get(username)

    def own(self, user):
        """The cast's copy of a user found elsewhere (the snapshot's rotations), for its permission cache."""
        return self.users.get(user.username, user) if user is not None else None

    def can_act(self, user) -> bool:
        return user is not None and user.is_active and user.has_perm(CHANGE)

    def responder(self, team_id: int, at: dt.datetime):
        """Who picks it up for the team at that moment: the on-call person when they may act on incidents,
        otherwise the team's lead or another member who may (support agents may file, not acknowledge),
        otherwise a manager."""
        on_call = self.own(self.snapshot.on_call(team_id, at))
        if self.can_act(on_call):
            return on_call
        members = self.snapshot.memberships_by_team.get(team_id, [])
        leads = [self.own(ms.user) for ms in members if ms.role == MembershipRole.LEAD]
        others = [self.own(ms.user) for ms in members if ms.role != MembershipRole.LEAD]
        for candidate in leads + sorted(others, key=lambda u: u.pk):
            if self.can_act(candidate):
                return candidate
        return self.user("manager")

    def lead(self, team_id: int, at: dt.datetime):
        leads = [self.own(user) for user in self.snapshot.leads(team_id)]
        return next((user for user in leads if self.can_act(user)), None) or self.responder(team_id, at)


class Life:
    """One incident's simulated time line. ``at(moment)`` runs the clock; the moves act at ``self.t``."""

    def __init__(self, cast: Cast, rng: random.Random, *, horizon: dt.datetime, watermark: int) -> None:
        self.cast, self.rng, self.horizon, self.watermark = cast, rng, horizon, watermark
        self.t: dt.datetime | None = None
        self.incident: Incident | None = None
        self.updates_to_miss = 0  # stakeholder updates to let slip (an overdue update is a breach)
        self.updater = None  # who posts the stakeholder updates (the commander, else the assignee)
        self.updates_posted = 0

    # --- the clock --------------------------------------------------------------------------------
    def fits(self, moment: dt.datetime) -> bool:
        return moment <= self.horizon

    def at(self, moment: dt.datetime) -> None:
        """Run the clock to ``moment`` (never backwards), firing every timer that falls due on the way.

        A stakeholder update that falls due is posted a few minutes before it, unless the story lets
        it slip; anything else fires at its own due time, as the beat would have fired it.
        """
        if moment > self.horizon:
            raise PastHorizon
        moment = max(moment, self.t)
        armed = Timer.objects.filter(incident=self.incident, state=TimerState.ARMED)
        for _ in range(MAX_FIRINGS):
            due = list(armed.filter(due_at__lt=moment).order_by("due_at", "pk").values_list("kind", "due_at"))
            if not due:
                break
            first = due[0][1]
            # An update due by then comes first: the sweep at that moment would fire it too.
            if any(kind == TimerKind.UPDATE and at == first for kind, at in due):
                if not self.updates_to_miss:
                    self.t = max(self.t, first - dt.timedelta(minutes=self.rng.randint(2, 9)))
                    self.post_update()
                    continue
                self.updates_to_miss -= 1  # this one slips: the sweep below records it overdue
            self.t = max(self.t, first + ONE_SECOND)
            timers_fire_due(now=first + ONE_SECOND)  # as the beat would: the first sweep after it fell due
            self._stamp()
        self.t = moment

    def after(self, minutes: float, *, start: dt.datetime | None = None) -> dt.datetime:
        """``minutes`` after ``start`` (default: now in the story) on the incident's own clock, so a
        business-hours incident's people act in the owning team's working hours."""
        return due_after(self.incident, start or self.t, minutes)

    def minutes_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """How much of the incident's clock runs between two moments (working minutes on business hours)."""
        if self.incident.tier.clock == Clock.BUSINESS_HOURS:
            return working_time_between(self.incident.team, start, end).total_seconds() / 60
        return max((end - start).total_seconds() / 60, 0)

    def minutes_of(self, target: str) -> int:
        return getattr(self.incident.tier, f"{target}_minutes")

    # --- moves --------------------------------------------------------------------------------------
    def do(self, service: Callable, **kwargs):
        """Call one service at the story's ``now``, and stamp what it told people."""
        result = service(now=self.t, **kwargs)
        if service in TELLING:
            self._stamp()
        if isinstance(result, Incident):
            self.incident = result  # the service's own copy: fresh from its lock, with tier and team
        elif isinstance(result, Handoff):  # a handoff moved or assigned it: read it again
            self.incident = Incident.objects.select_related("tier", "team").get(pk=self.incident.pk)
        # Notes, checklist ticks and stakeholder updates change nothing on the incident's own row.
        return result

    def file(self, *, at: dt.datetime, **kwargs) -> Incident:
        self.t = at
        self.incident = services.incident_file(now=at, **kwargs)
        self._stamp()
        self.at(at)  # the first escalation step is due at once: the next sweep fires it
        return self.incident

    def finish(self) -> None:
        """Stamp anything a move wrote that was not expected to tell anyone (a late target found by an
        acknowledge records its breach there) — at the story's last moment rather than never."""
        self._stamp()

    def responder(self):
        return self.cast.responder(self.incident.team_id, self.t)

    def post_update(self) -> None:
        """The update that falls due, in words that fit how far the incident has come."""
        author = self.updater or self.incident.assignee or self.responder()
        number, last = self.updates_posted, len(STAKEHOLDER_UPDATES)
        if self.incident.status == Status.CONTAINED:
            number = max(number, CONTAINED_UPDATE)  # past "still investigating"
        if number >= last:
            number = last - MONITORING_UPDATES + (number - last) % MONITORING_UPDATES
        self.do(services.incident_post_update, incident=self.incident, user=self.cast.own(author),
                body=STAKEHOLDER_UPDATES[number])
        self.updates_posted += 1

    def _stamp(self) -> None:
        """What this step wrote to the outbox happened now in the story, and was delivered then."""
        Notification.objects.filter(
            pk__gt=self.watermark, status=Delivery.PENDING, payload__incident=self.incident.pk
        ).update(status=Delivery.SENT, attempts=1, created_at=self.t, next_attempt_at=self.t,
                 sent_at=self.t + DELIVERY_DELAY)

