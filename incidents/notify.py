"""Who gets told what: every incident notification is decided here and written to the outbox.

Each function picks the recipients of one cause and writes one notification per channel or person,
with a dedupe key naming that cause and that recipient, so a cause never tells anyone twice (a
redelivered task, a retried sweep, a person who is both on call and the lead). Recipients are resolved
when the cause happens — who is on call *now*, the team's leads *now* — from a ``MatrixSnapshot``.
Notifications are written in the caller's transaction (``notification_enqueue``), so a rolled-back
cause tells nobody. Given an ``Outbox``, the functions collect their messages instead, and the caller
writes them all with one INSERT (``Outbox.flush``, in the same transaction): filing, and a timer sweep
over many timers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from escalation_matrix.roles import EXECUTIVES
from matrix.models import Clock, MembershipRole, Team, Vendor
from matrix.snapshot import MatrixSnapshot
from notifications.models import Notification
from notifications.services import notification_enqueue, notification_enqueue_many, notification_prepare

from .models import Handoff, HandoffKind, Incident, Timer
from .timeline import hhmm, person

logger = logging.getLogger(__name__)


class Recipients:
    """People to tell about one cause, each once, with why ("on-call", "team lead") for the timeline."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[object, list[str]]] = {}

    def add(self, user, why: str) -> None:
        if user is None or not user.is_active:
            return
        _, reasons = self._by_id.setdefault(user.pk, (user, []))
        if why not in reasons:
            reasons.append(why)

    def __iter__(self) -> Iterator:
        return (user for user, _ in self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def describe(self) -> str:
        """ "Ann Lee (on-call, team lead), Bo Chen (executive)" """
        return ", ".join(f"{person(user)} ({', '.join(why)})" for user, why in self._by_id.values())


def incident_url(incident: Incident) -> str:
    try:
        path = reverse("incidents:detail", args=[incident.pk])
    except NoReverseMatch:  # the pages are not mounted (a worker-only deployment, some tests)
        path = f"/incidents/{incident.pk}/"
    return settings.SITE_URL.rstrip("/") + path


def _url(incident: Incident) -> str:
    """``incident_url``, worked out once per incident object: a sweep writes several messages about
    one incident, each with its link in the body and the payload."""
    url = incident.__dict__.get("_notify_url")
    if url is None:
        url = incident.__dict__["_notify_url"] = incident_url(incident)
    return url


def executives() -> list:
    """Active members of the Executives group."""
    return list(get_user_model().objects.filter(groups__name=EXECUTIVES, is_active=True).order_by("pk"))


def _headline(incident: Incident) -> str:
    return f"{incident.tier.name} #{incident.pk}"


def _body(incident: Incident, lead: str) -> str:
    lines = [
        lead,
        "",
        f"{_headline(incident)}: {incident.title}",
        f"Owning team: {incident.team.name}. Status: {incident.get_status_display()}.",
    ]
    deadlines = [(label, at) for label, at in (
        ("acknowledge", incident.acknowledge_by), ("contain", incident.contain_by), ("resolve", incident.resolve_by),
    ) if at is not None]
    if deadlines:
        due = ", ".join(f"{label} by {hhmm(at, incident.filed_at, team=incident.team)}" for label, at in deadlines)
        lines.append(f"Due: {due}.{business_hours_note(incident)}")
    lines += ["", _url(incident)]
    return "\n".join(lines)


def business_hours_note(incident: Incident) -> str:
    """" SEV4 counts working hours only, on the Payments calendar (09:00–17:00 Europe/Berlin): nights, weekends
    and holidays do not count." — or nothing, for a tier on the 24×7 clock."""
    if incident.tier.clock != Clock.BUSINESS_HOURS:
        return ""
    team = incident.team
    return (f" {incident.tier.name} counts working hours only, on the {team.name} calendar "
            f"({team.workday_start:%H:%M}–{team.workday_end:%H:%M} {team.time_zone}): nights, weekends and "
            f"holidays do not count.")


def _payload(incident: Incident, event: str, **extra) -> dict:
    return {
        "event": event, "incident": incident.pk, "title": incident.title, "tier": incident.tier.key,
        "team": incident.team.key, "status": incident.status, "url": _url(incident), **extra,
    }


class Outbox:
    """Messages collected from one or many causes, written by ``flush`` with one INSERT."""

    def __init__(self) -> None:
        self.items: list[Notification] = []

    def add(self, **kwargs) -> bool:
        """Collect one message (``notification_enqueue``'s arguments); False when it cannot be sent."""
        try:
            self.items.append(notification_prepare(**kwargs))  # a bad contact is skipped, as ``_enqueue`` does
        except ValueError as exc:
            logger.warning("notification to %r skipped: %s", kwargs.get("target"), exc)
            return False
        return True

    def flush(self) -> int:
        """Write what was collected (duplicates skipped by their dedupe keys); how many were written."""
        items, self.items = self.items, []
        if not items:
            return 0
        return sum(n is not None for n in notification_enqueue_many(items))


def _enqueue(outbox: Outbox | None = None, **kwargs) -> bool:
    """One message; a contact that cannot be used (no email, a malformed URL) is logged, never fatal:
    a broken contact must not stop an incident from being filed or a timer from firing."""
    if outbox is not None:
        return outbox.add(**kwargs)
    try:
        return notification_enqueue(**kwargs) is not None
    except ValueError as exc:
        logger.warning("notification to %r skipped: %s", kwargs.get("target"), exc)
        return False


def _tell_people(incident: Incident, recipients, *, key: str, subject: str, body: str, event: str,
                 outbox: Outbox | None = None) -> int:
    sent, payload = 0, _payload(incident, event)  # copied by each notification
    for user in recipients:
        if not user.email:
            logger.warning("%s has no email address; not told about incident %s", user, incident.pk)
            continue
        sent += _enqueue(
            outbox, channel="email", target=user.email, user=user, subject=subject, body=body,
            payload=payload, dedupe_key=f"{key}:user:{user.pk}", is_drill=incident.is_drill,
        )
    return sent


def _tell_team(incident: Incident, team_id: int, snapshot: MatrixSnapshot, *, key: str, subject: str, body: str,
               event: str, outbox: Outbox | None = None) -> int:
    sent, payload = 0, _payload(incident, event)  # copied by each notification
    for channel in snapshot.contact_channels_by_team.get(team_id, []):
        sent += _enqueue(
            outbox, channel=channel.kind, target=channel.target, secret=channel.secret, subject=subject, body=body,
            payload=payload, dedupe_key=f"{key}:{channel.pk}", is_drill=incident.is_drill,
        )
    return sent


def _on_call(incident: Incident, snapshot: MatrixSnapshot, at=None) -> Recipients:
    recipients = Recipients()
    recipients.add(snapshot.on_call(incident.team_id, at), "on-call")
    return recipients


def _leads(recipients: Recipients, snapshot: MatrixSnapshot, team_id: int, why: str = "team lead") -> Recipients:
    for lead in snapshot.leads(team_id):
        recipients.add(lead, why)
    return recipients


# --- filing and moves ------------------------------------------------------------------------------

def notify_filed(incident: Incident, snapshot: MatrixSnapshot, *, outbox: Outbox | None = None) -> Recipients:
    """The owning team's channels and its on-call person; executives too when the tier says so. All in
    one INSERT (given no ``outbox`` to collect them in)."""
    own = outbox is None
    outbox = Outbox() if own else outbox
    subject = f"{_headline(incident)} {incident.title} — new incident for {incident.team.name}"
    body = _body(incident, f"New incident, routed to {incident.team.name}: {incident.routing_explanation}.")
    key = f"incident:{incident.pk}:filed"
    _tell_team(incident, incident.team_id, snapshot, key=key, subject=subject, body=body, event="filed", outbox=outbox)
    recipients = _on_call(incident, snapshot, incident.filed_at)
    if incident.tier.notifies_executives:
        for user in executives():
            recipients.add(user, "executive")
    _tell_people(incident, recipients, key=key, subject=subject, body=body, event="filed", outbox=outbox)
    if own:
        outbox.flush()
    return recipients


def notify_moved(incident: Incident, handoff: Handoff, snapshot: MatrixSnapshot) -> Recipients:
    """A handoff or a misroute: the receiving team's channels and its on-call person."""
    if handoff.kind == HandoffKind.MISROUTE:
        subject = f"{_headline(incident)} rerouted to {incident.team.name} (misrouted): {incident.title}"
        lead = f"Misrouted to {handoff.from_team.name}; now yours: {handoff.reason}"
    else:
        subject = f"{_headline(incident)} handed off to {incident.team.name}: please accept"
        lead = f"{handoff.from_team.name} handed this incident to {incident.team.name}: {handoff.reason}"
    body = _body(incident, lead)
    key = f"handoff:{handoff.pk}:{handoff.kind}"
    _tell_team(incident, incident.team_id, snapshot, key=key, subject=subject, body=body, event=handoff.kind)
    recipients = _on_call(incident, snapshot, handoff.requested_at)
    _tell_people(incident, recipients, key=key, subject=subject, body=body, event=handoff.kind)
    return recipients


def notify_reopened(incident: Incident, snapshot: MatrixSnapshot, *, round_: int, reason: str) -> Recipients:
    subject = f"{_headline(incident)} reopened: {incident.title}"
    body = _body(incident, f"Reopened: {reason}")
    key = f"incident:{incident.pk}:reopened:{round_}"
    _tell_team(incident, incident.team_id, snapshot, key=key, subject=subject, body=body, event="reopened")
    recipients = _on_call(incident, snapshot)
    _tell_people(incident, recipients, key=key, subject=subject, body=body, event="reopened")
    return recipients


def notify_war_room(incident: Incident, *, commander, round_: int) -> Recipients:
    """Executives and the incident commander."""
    recipients = Recipients()
    recipients.add(commander, "incident commander")
    for user in executives():
        recipients.add(user, "executive")
    where = f" in {incident.war_room_channel}" if incident.war_room_channel else ""
    subject = f"{_headline(incident)}: war room open{where}, commander {person(commander)}"
    body = _body(incident, f"War room opened{where}. Incident commander: {person(commander)}.")
    _tell_people(incident, recipients, key=f"incident:{incident.pk}:war_room:{round_}", subject=subject, body=body,
                 event="war_room")
    return recipients


def notify_vendor_involved(incident: Incident, vendor: Vendor) -> Recipients:
    """The vendor's relationship owner."""
    recipients = Recipients()
    recipients.add(vendor.relationship_owner, f"{vendor.name} relationship owner")
    subject = f"{_headline(incident)}: {vendor.name} involved"
    body = _body(incident, f"{vendor.name} is suspected in this incident; you own the relationship.")
    _tell_people(incident, recipients, key=f"incident:{incident.pk}:vendor:{vendor.pk}", subject=subject, body=body,
                 event="vendor")
    return recipients


# --- timers ----------------------------------------------------------------------------------------

def notify_breach(incident: Incident, timer: Timer, snapshot: MatrixSnapshot, target: str, *,
                  outbox: Outbox | None = None) -> Recipients:
    """A missed target: the owning team's lead(s) and on-call person."""
    recipients = _leads(_on_call(incident, snapshot), snapshot, incident.team_id)
    subject = f"{_headline(incident)} missed its {target} target"
    due = hhmm(timer.due_at, incident.filed_at, team=incident.team)
    body = _body(incident, f"{_headline(incident)} missed its {target} target (due {due}).")
    _tell_people(incident, recipients, key=f"timer:{timer.pk}", subject=subject, body=body, event="breach",
                 outbox=outbox)
    return recipients


def notify_warning(incident: Incident, timer: Timer, snapshot: MatrixSnapshot, target: str, due, *,
                   outbox: Outbox | None = None) -> Recipients:
    """75% of a target has passed: the on-call person."""
    recipients = _on_call(incident, snapshot)
    subject = f"{_headline(incident)}: 75% of the {target} target has passed"
    body = _body(incident, f"The {target} target is due at {hhmm(due, incident.filed_at, team=incident.team)}.")
    _tell_people(incident, recipients, key=f"timer:{timer.pk}", subject=subject, body=body, event="warning",
                 outbox=outbox)
    return recipients


def escalation_recipients(incident: Incident, step: dict, snapshot: MatrixSnapshot, users_by_id: dict,
                          executive_users: list) -> Recipients:
    """Who a frozen escalation step reaches *now*: the owning team's on-call and leads, everyone with
    the step's role in it, named people, the suspected vendor's relationship owner, executives."""
    recipients = Recipients()
    team_id = step.get("notify_team_id") or incident.team_id
    team = snapshot.teams.get(team_id)
    # Another team's people are named with their team ("SRE on-call"); the routed team's need no name.
    whose = f"{team.name} " if team is not None and team_id != incident.team_id else ""
    if step.get("notify_on_call"):
        recipients.add(snapshot.on_call(team_id), f"{whose}on-call")
    if step.get("notify_team_lead"):
        _leads(recipients, snapshot, team_id, f"{whose}team lead")
    role = step.get("notify_role")
    if role:
        label = whose + (MembershipRole(role).label.lower() if role in MembershipRole.values else role)
        for membership in snapshot.memberships_by_team.get(team_id, []):
            if membership.role == role:
                recipients.add(membership.user, label)
    for user_id in step.get("notify_user_ids", []):
        recipients.add(users_by_id.get(user_id), "named in the policy")
    vendor = incident.suspected_vendor
    if step.get("notify_vendor_owner") and vendor is not None:
        recipients.add(vendor.relationship_owner, f"{vendor.name} relationship owner")
    if step.get("notify_executives"):
        for user in executive_users:
            recipients.add(user, "executive")
    return recipients


NOT_YET = {
    "acknowledge": ("not acknowledged", "nobody has acknowledged this incident yet"),
    "contain": ("not contained", "this incident is acknowledged but not contained yet"),
    "resolve": ("not resolved", "this incident is contained but not resolved yet"),
}


def notify_escalation(incident: Incident, timer: Timer, recipients: Recipients, position: int, *,
                      phase: str = "acknowledge", outbox: Outbox | None = None) -> None:
    short, long = NOT_YET[phase]
    which = f"step {position}" if phase == "acknowledge" else f"{phase} step {position}"
    subject = f"{_headline(incident)} escalated ({which}): {short} — {incident.title}"
    body = _body(incident, f"Escalation {which}: {long}.")
    _tell_people(incident, recipients, key=f"timer:{timer.pk}", subject=subject, body=body, event="escalation",
                 outbox=outbox)


def notify_update_overdue(incident: Incident, timer: Timer, snapshot: MatrixSnapshot, *,
                          outbox: Outbox | None = None) -> Recipients:
    """A stakeholder update is overdue: the assignee, or the on-call person when nobody is assigned."""
    recipients = Recipients()
    recipients.add(incident.assignee, "assignee")
    if not recipients:
        recipients = _on_call(incident, snapshot)
    subject = f"{_headline(incident)}: stakeholder update overdue"
    due = hhmm(timer.due_at, incident.filed_at, team=incident.team)
    body = _body(incident, f"A stakeholder update was due at {due}; please post one.")
    _tell_people(incident, recipients, key=f"timer:{timer.pk}", subject=subject, body=body, event="update_overdue",
                 outbox=outbox)
    return recipients


def notify_handoff_escalated(incident: Incident, handoff: Handoff, timer: Timer, snapshot: MatrixSnapshot,
                             to_team: Team, from_team: Team, *, outbox: Outbox | None = None) -> Recipients:
    """Nobody accepted a handoff in time: the receiving team's lead(s) and the sending team's lead(s)."""
    recipients = Recipients()
    _leads(recipients, snapshot, to_team.pk, f"{to_team.name} lead")
    _leads(recipients, snapshot, from_team.pk, f"{from_team.name} lead")
    subject = f"{_headline(incident)}: handoff to {to_team.name} not accepted in time"
    at = hhmm(handoff.requested_at, incident.filed_at, team=incident.team)
    body = _body(incident, f"{from_team.name} handed it to {to_team.name} at {at}; nobody has accepted it yet.")
    _tell_people(incident, recipients, key=f"timer:{timer.pk}", subject=subject, body=body, event="handoff_escalated",
                 outbox=outbox)
    return recipients
