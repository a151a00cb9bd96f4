"""Filing an incident: validate, route, freeze the policy, arm the timers, write the timeline, notify.

All of it in one transaction; a double submit (the same ``submission_key``) files one incident.
The number of queries does not grow with the size of the matrix: routing reads one ``MatrixSnapshot``,
which a caller that has already routed the request (the filing form) passes in, so the matrix is read
once per request at most — and not at all while the process's kept matrix is current (``matrix.cache``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import IntegrityError, connections, router, transaction
from django.db.models.constants import OnConflict
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery

from matrix.cache import current_snapshot
from matrix.models import EscalationPolicy, IntakeChannel, Vendor, step_order
from matrix.routing import RouteRequest, RoutingDecision, RoutingError
from matrix.snapshot import MatrixSnapshot

from .. import notify
from ..limits import TEXT_LIMITS, too_long
from ..models import Incident, TimelineEntry, TimelineKind
from ..timeline import person
from ..timers import plan_filing, set_deadlines, timers_arm
from .common import moment, require
from .errors import IncidentInputError
from .triage import clean_details

# What a step frozen before phases existed meant: acknowledge-phase, counted from filing, the routed team's.
STEP_DEFAULTS = {"phase": "acknowledge", "counted_from": "start", "notify_team_id": None}


def freeze_policy(policy: EscalationPolicy | None) -> dict:
    """The policy's steps as plain data: a running escalation never changes under a later matrix edit."""
    if policy is None:
        return {"policy": None, "name": "", "steps": []}
    steps = sorted(policy.steps.all(), key=step_order)
    # Numbered within their phase as people say it ("step 2 of containment"), whatever the stored positions.
    seen: Counter[str] = Counter()
    ranks = [seen.update([step.phase]) or seen[step.phase] for step in steps]
    return {
        "policy": policy.key,
        "name": policy.name,
        "steps": [
            {
                "phase": step.phase,
                "position": rank,
                "delay_minutes": step.delay_minutes,
                "counted_from": step.counted_from,
                "notify_team_id": step.notify_team_id,
                "notify_on_call": step.notify_on_call,
                "notify_team_lead": step.notify_team_lead,
                "notify_role": step.notify_role,
                "notify_user_ids": sorted(user.pk for user in step.notify_users.all()),
                "notify_vendor_owner": step.notify_vendor_owner,
                "notify_executives": step.notify_executives,
            }
            for step, rank in zip(steps, ranks, strict=True)
        ],
    }


def incident_file(
    *,
    reporter,
    title: str,
    description: str,
    product_area: str,
    impact: str,
    urgency: str,
    customer_segment: str = "",
    channel: str = IntakeChannel.WEB_FORM,
    affected_customers: str = "",
    suspected_vendor: str | None = None,
    details: dict | None = None,
    external_ref: str = "",
    is_drill: bool = False,
    submission_key: str | None = None,
    now: dt.datetime | None = None,
    snapshot: MatrixSnapshot | None = None,
) -> Incident:
    """File an incident. Raises ``IncidentInputError`` with every problem at once, by field.

    ``snapshot``: the matrix as the caller already read it for this request (its ``now`` is the filing
    time unless ``now`` is given); by default the current one (``matrix.cache``: no query while the
    matrix has not changed).
    """
    require(reporter, "incidents.add_incident")
    if now is None and snapshot is not None:
        now = snapshot.now  # the moment the caller routed at: the preview it showed is what gets filed
    now = moment(now)
    # A double submit is found by the incident's own INSERT (``ON CONFLICT DO NOTHING`` on the
    # submission key, see ``_insert``), not by a query before it: the usual filing pays nothing for it.
    try:
        with transaction.atomic():
            return _file(
                reporter=reporter, title=title, description=description, product_area=product_area,
                impact=impact, urgency=urgency, customer_segment=customer_segment, channel=channel,
                affected_customers=affected_customers, suspected_vendor=suspected_vendor, details=details,
                external_ref=external_ref, is_drill=is_drill, submission_key=submission_key, now=now,
                snapshot=snapshot if snapshot is not None else current_snapshot(now),
            )
    except (IncidentInputError, IntegrityError):
        # Already filed under this key: the first submit's incident stands, whatever this one says
        # (its answers may no longer route if the matrix changed in between).
        if submission_key and (existing := _submitted(submission_key)):
            return existing
        raise


def _submitted(submission_key: str) -> Incident | None:
    return Incident.objects.filter(submission_key=submission_key).first()


def _insert(incident: Incident) -> bool:
    """``incident.save()`` as ``INSERT … ON CONFLICT DO NOTHING RETURNING id``: False (and nothing
    written) when its submission key is taken — the only unique column besides the id. On PostgreSQL a
    concurrent insert of the same key waits for the other transaction, then skips (or inserts, if that
    one rolled back). Sends ``pre_save`` and ``post_save`` as ``save()`` does: other apps may listen."""
    using = router.db_for_write(Incident)
    opts = Incident._meta
    pre_save.send(sender=Incident, instance=incident, raw=False, using=using, update_fields=None)
    query = InsertQuery(Incident, on_conflict=OnConflict.IGNORE)
    query.insert_values([f for f in opts.concrete_fields if not f.primary_key], [incident])
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = [opts.pk]
    [(sql, params)] = compiler.as_sql()
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    incident.pk = row[0]
    incident._state.adding, incident._state.db = False, using
    post_save.send(sender=Incident, instance=incident, created=True, update_fields=None, raw=False, using=using)
    return True


def _file(*, reporter, title, description, product_area, impact, urgency, customer_segment, channel,
          affected_customers, suspected_vendor, details, external_ref, is_drill, submission_key, now,
          snapshot: MatrixSnapshot) -> Incident:
    title, customer_segment = (title or "").strip(), (customer_segment or "").strip()
    decision, vendor, details = _validate(
        snapshot, title=title, description=description or "", product_area=product_area, impact=impact,
        urgency=urgency, customer_segment=customer_segment, channel=channel, suspected_vendor=suspected_vendor,
        details=details, external_ref=external_ref or "", affected_customers=affected_customers or "",
    )
    rule = decision.rule
    incident = Incident(
        title=title, description=description or "", reporter=reporter, product_area=decision.area,
        impact=decision.impact, urgency=decision.urgency, tier=decision.tier, team=decision.team,
        routed_team=decision.team, customer_segment=customer_segment, channel=channel,
        affected_customers=affected_customers or "", suspected_vendor=vendor, details=details,
        external_ref=external_ref or "", submission_key=submission_key or None, is_drill=bool(is_drill),
        routing_rule=rule, routing_rule_key=rule.key if rule else "", routing_fallback=decision.fallback,
        routing_explanation=decision.explanation, playbook=decision.playbook,
        escalation_snapshot=freeze_policy(decision.policy), filed_at=now,
    )
    timers = plan_filing(incident)
    set_deadlines(incident, timers)
    if not _insert(incident):
        # Filed already (nothing was written): the outer handler returns that incident.
        raise IntegrityError(f"An incident was filed already with submission key {submission_key!r}.")
    timers_arm(timers)

    via = IntakeChannel(channel).label.lower()
    filed_by = f"Filed by {person(reporter)} ({via})" if reporter else f"Filed through {via}"
    on_call = decision.on_call
    TimelineEntry.objects.bulk_create([
        TimelineEntry(incident=incident, kind=TimelineKind.FILED, at=now, actor=reporter,
                      text=f"{filed_by}{' as a drill' if incident.is_drill else ''}.", data={"channel": channel}),
        TimelineEntry(
            incident=incident, kind=TimelineKind.ROUTED, at=now,
            text=f"Routed to {decision.team.name} at {decision.tier.name}: {decision.explanation}. "
                 f"On call now: {person(on_call) if on_call else 'nobody'}.",
            data={"team": decision.team.key, "tier": decision.tier.key, "rule": incident.routing_rule_key,
                  "fallback": decision.fallback, "on_call": on_call.pk if on_call else None,
                  "policy": incident.escalation_snapshot["policy"]},
        ),
    ])
    notify.notify_filed(incident, snapshot)
    return incident


def _validate(snapshot: MatrixSnapshot, *, title, description, product_area, impact, urgency, customer_segment,
              channel, suspected_vendor, details, external_ref,
              affected_customers) -> tuple[RoutingDecision, Vendor | None, dict]:
    """Route the incident and check every input; all problems at once, by field."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not title:
        add("title", "Give the incident a title.")
    texts = {"title": title, "description": description, "external_ref": external_ref,
             "customer_segment": customer_segment, "affected_customers": affected_customers}
    for field, value in texts.items():
        if error := too_long(value, TEXT_LIMITS[field]):
            add(field, error)
    if channel not in IntakeChannel.values:
        add("channel", f"Unknown channel '{channel}'; use one of {', '.join(IntakeChannel.values)}.")
    vendor = None
    if suspected_vendor:
        vendor = snapshot.vendor_by_key.get(suspected_vendor)
        if vendor is None:
            add("suspected_vendor", f"Unknown vendor '{suspected_vendor}'.")
    if details is None:
        details = {}
    elif not isinstance(details, dict):
        add("details", "Triage details must be an object of values by field key.")
        details = {}

    router = snapshot.router
    request = RouteRequest(area=product_area or "", impact=impact or "", urgency=urgency or "", title=title,
                           description=description, customer_segment=customer_segment,
                           channel=channel if channel in IntakeChannel.values else "")
    decision = None
    input_errors = router.input_errors(request)
    for field, message in input_errors.items():
        add(field, message)
    if not input_errors:
        try:
            decision = router.route(request)
        except RoutingError as exc:
            add(exc.field, exc.message)
    if decision is not None and decision.playbook is not None:
        details, detail_errors = clean_details(snapshot.triage_fields(decision.playbook.pk), details)
        errors.update(detail_errors)
    if errors:
        raise IncidentInputError(errors)
    return decision, vendor, details
