"""What the incident pages show, assembled from the selectors and the matrix.

The shared reads (an incident with its timeline, timers, handoffs…) are ``incidents.selectors``; this
module only shapes them for the pages: the filing preview, the deadlines with their states, the
checklist with its ticks, the vendor panel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Case, DateTimeField, F, OuterRef, QuerySet, Subquery, When
from django.http import QueryDict
from django.utils import timezone

from matrix import models as m
from matrix.cache import current_snapshot
from matrix.routing import RouteRequest, RoutingDecision
from matrix.selectors import RoutePreview, route_preview
from matrix.selectors.common import is_stale, person_name
from matrix.snapshot import MatrixSnapshot

from .. import selectors
from ..clock import deadline
from ..firing import PHASE_NOUN
from ..models import (
    PHASE_OF_STEP_KIND,
    STEP_KINDS,
    TARGETS,
    ChecklistTick,
    Incident,
    StakeholderUpdate,
    Status,
    TimerKind,
    TimerState,
)
from ..notify import escalation_recipients


# --- filing -------------------------------------------------------------------------------------------
@dataclass
class FilingPreview:
    route: RoutePreview
    deadlines: dict[str, dt.datetime]  # on the tier's clock: business hours where the tier says so
    triage_fields: list[m.TriageField]

    @property
    def decision(self) -> RoutingDecision:
        return self.route.decision


def route_request(data: QueryDict) -> RouteRequest:
    return RouteRequest(
        area=data.get("product_area", ""),
        impact=data.get("impact", ""),
        urgency=data.get("urgency", ""),
        title=data.get("title", ""),
        description=data.get("description", ""),
        customer_segment=data.get("customer_segment", ""),
        channel=data.get("channel", ""),
    )


def route_filing(data: QueryDict, *, snapshot: MatrixSnapshot) -> RoutingDecision:
    """Where the incident goes; raises ``RoutingError`` naming the field at fault. One ``snapshot`` (the
    request's) serves the routing, the form and the filing: the matrix is read once."""
    return snapshot.router.route(route_request(data))


def triage_fields_of(decision: RoutingDecision | None, *, snapshot: MatrixSnapshot) -> list[m.TriageField]:
    if decision is None or decision.playbook is None:
        return []
    return snapshot.triage_fields(decision.playbook.pk)  # remembered there for the filing's own check


def filing_preview(data: QueryDict, now: dt.datetime | None = None, *,
                   snapshot: MatrixSnapshot | None = None) -> FilingPreview:
    """Where the incident would go if filed now; raises ``RoutingError`` naming the field at fault."""
    now = now or timezone.now()
    snapshot = snapshot or current_snapshot(now)
    preview = route_preview(route_request(data), now, snapshot=snapshot)
    decision = preview.decision
    deadlines = {
        kind: deadline(team=decision.team, start=now, minutes=getattr(decision.tier, f"{kind}_minutes"),
                       clock=decision.tier.clock)
        for kind in ("acknowledge", "contain", "resolve")
    }
    fields = triage_fields_of(decision, snapshot=snapshot)
    return FilingPreview(route=preview, deadlines=deadlines, triage_fields=fields)


def filing_success_message(incident: Incident, decision: RoutingDecision | None, *,
                           snapshot: MatrixSnapshot | None = None) -> str:
    """"Filed #12 — owned by Payments (on call: Ann Lee), acknowledge by 10:15"."""
    if decision is not None and decision.team.pk == incident.team_id:
        on_call = decision.on_call
    else:  # the matrix changed between routing here and filing (or a double submit found an older one)
        on_call = (snapshot or current_snapshot()).on_call(incident.team_id)
    message = f"Filed #{incident.pk} — owned by {incident.team.name} (on call: {person_name(on_call) or 'nobody'})"
    if incident.acknowledge_by:
        message += f", acknowledge by {timezone.localtime(incident.acknowledge_by):%H:%M}"
    return message


# --- the incident page --------------------------------------------------------------------------------
@dataclass
class DeadlineView:
    kind: str  # acknowledge, contain, resolve
    label: str
    due: dt.datetime | None
    done_at: dt.datetime | None
    breached: bool
    paused: bool

    @property
    def running(self) -> bool:
        """Still ticking: a live countdown is shown."""
        return self.due is not None and self.done_at is None and not self.paused

    @property
    def late(self) -> bool:
        """Reached, but after its due time (or after the sweep had already recorded the breach)."""
        return self.done_at is not None and (self.breached or (self.due is not None and self.done_at > self.due))


def deadlines(incident: Incident) -> list[DeadlineView]:
    """The three targets: when each is due, and whether it was met, missed, is paused or is still running."""
    breached = {b.target for b in incident.breaches.all()}
    done_at = {
        TimerKind.ACKNOWLEDGE: incident.acknowledged_at,
        TimerKind.CONTAIN: incident.contained_at,  # resolving straight from acknowledged sets it too
        TimerKind.RESOLVE: incident.resolved_at,
    }
    return [
        DeadlineView(
            kind=str(kind), label=str(kind.label).replace(" target", ""), due=getattr(incident, f"{kind}_by"),
            done_at=done_at[kind], breached=str(kind) in breached, paused=incident.is_paused,
        )
        for kind in TARGETS
    ]


@dataclass
class NextStep:
    """The next rung of the escalation: "step 2 of containment pages Olly Ops (Platform on-call)"."""

    position: int
    phase: str  # "acknowledgement", "containment", "resolution"
    who: str
    due: dt.datetime
    held: bool  # paused: it waits for the resume


def next_step(incident: Incident, snapshot: MatrixSnapshot | None = None) -> NextStep | None:
    """The escalation step due next, of any phase, from the prefetched timers; None when none is live."""
    live = [t for t in incident.timers.all() if t.kind in STEP_KINDS and t.state in (TimerState.ARMED, TimerState.HELD)]
    if not live:
        return None
    timer = min(live, key=lambda t: (t.due_at, t.pk))
    step = timer.data
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=step.get("notify_user_ids", []))}
    recipients = escalation_recipients(incident, step, snapshot or current_snapshot(), users, [])
    who = [recipients.describe()] if recipients else []
    if step.get("notify_executives"):
        who.append("executives")
    return NextStep(position=step.get("position", timer.step), phase=PHASE_NOUN[PHASE_OF_STEP_KIND[timer.kind]],
                    who=", ".join(who) or "nobody", due=timer.due_at, held=timer.state == TimerState.HELD)


@dataclass
class ChecklistRow:
    item: m.ChecklistItem
    tick: ChecklistTick | None


def checklist(incident: Incident) -> list[ChecklistRow]:
    if incident.playbook is None:
        return []
    ticks = {t.item_id: t for t in incident.checklist_ticks.all()}
    return [ChecklistRow(item, ticks.get(item.pk)) for item in incident.playbook.checklist.all()]


@dataclass
class VendorPanel:
    vendor: m.Vendor
    involved: bool  # engaged through "Involve vendor", not only suspected at filing
    contacts: list[tuple[m.VendorContact, bool]] = field(default_factory=list)  # (contact, stale)


def vendor_panel(incident: Incident, now: dt.datetime) -> VendorPanel | None:
    vendor = incident.suspected_vendor
    if vendor is None:
        return None
    involved = any(entry.kind == "vendor" for entry in incident.timeline.all())
    contacts = [(c, is_stale(c.confirmed_at, now)) for c in vendor.contacts.all()]
    return VendorPanel(vendor=vendor, involved=involved, contacts=contacts)


def on_call_now(incident: Incident, now: dt.datetime | None = None):
    """From the process's kept matrix (``matrix.cache``): the page refreshes every few seconds."""
    return current_snapshot(now).on_call(incident.team_id)


# --- lists --------------------------------------------------------------------------------------------
def _next_due() -> Case:
    """The deadline an open incident is racing now: acknowledge, then contain, then resolve."""
    return Case(
        When(status=Status.NEW, then=F("acknowledge_by")),
        When(status=Status.ACKNOWLEDGED, then=F("contain_by")),
        When(status=Status.CONTAINED, then=F("resolve_by")),
        default=None,
        output_field=DateTimeField(),
    )


def incident_rows() -> QuerySet[Incident]:
    """Incidents as the lists show them (newest first), each with its ``next_due``."""
    return selectors.incidents_for_list().annotate(next_due=_next_due())


def queue_rows(user) -> QuerySet[Incident]:
    """My team's queue, most urgent first: the nearest deadline (overdue ones first), then the tier."""
    return (
        selectors.incidents_for_teams_of(user)
        .annotate(next_due=_next_due())
        .order_by(F("next_due").asc(nulls_last=True), "tier__rank", "filed_at")
    )


def war_room_rows() -> QuerySet[Incident]:
    """Live major incidents (open, of a tier that opens a war room), with their last stakeholder update."""
    last = StakeholderUpdate.objects.filter(incident=OuterRef("pk")).order_by("-sent_at", "-pk")
    return (
        selectors.incidents_for_list(open_only=True)
        .filter(tier__opens_war_room=True)
        .select_related("commander")
        .annotate(next_due=_next_due(), last_update_at=Subquery(last.values("sent_at")[:1]),
                  last_update=Subquery(last.values("body")[:1]))
        .order_by("tier__rank", "filed_at")
    )


def triage_details(incident: Incident) -> list[tuple[str, object]]:
    """The triage answers labelled as the playbook asked them (keys it no longer asks keep their key)."""
    if not incident.details:
        return []
    labels = dict(incident.playbook.triage_fields.values_list("key", "label")) if incident.playbook else {}
    return [(labels.get(key, key), value) for key, value in incident.details.items()]
