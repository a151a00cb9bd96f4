"""Coordinating the response: the war room, stakeholder updates on the tier's cadence, the vendor."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from matrix.models import Vendor

from .. import notify
from ..models import Incident, StakeholderUpdate, TimelineKind, TimerKind, TimerState, UpdateAudience
from ..timeline import hhmm, person, timeline_write
from ..timers import next_steps, plan_update, timers_arm, timers_settle
from .common import CHANGE, input_error, lock_incident, moment, require
from .errors import IncidentInputError


def incident_open_war_room(*, incident: Incident | int, user, commander=None, channel: str = "",
                           now: dt.datetime | None = None) -> Incident:
    """Name an incident commander (the user by default) and a channel; executives and the commander are
    told. Opening it again changes the commander or the channel and tells them again."""
    require(user, CHANGE)
    now = moment(now)
    commander = commander or user
    if commander is None:
        raise input_error("commander", "Name the incident commander.")
    if isinstance(commander, int):
        commander = get_user_model().objects.filter(pk=commander, is_active=True).first()
        if commander is None:
            raise input_error("commander", "Unknown or inactive user.")
    channel = (channel or "").strip()
    with transaction.atomic():
        incident = lock_incident(incident)
        first = incident.commander_id is None
        incident.commander = commander
        incident.war_room_channel = channel or incident.war_room_channel
        incident.save()
        where = f" in {incident.war_room_channel}" if incident.war_room_channel else ""
        opened = "opened" if first else "updated"
        entry = timeline_write(
            incident=incident, kind=TimelineKind.WAR_ROOM, at=now, actor=user,
            text=f"War room {opened} by {person(user)}{where}; incident commander: {person(commander)}.",
            data={"commander": commander.pk, "channel": incident.war_room_channel},
        )
        notify.notify_war_room(incident, commander=commander, round_=entry.pk)
    return incident


def incident_post_update(*, incident: Incident | int, user, body: str, audience: str = UpdateAudience.STAKEHOLDERS,
                         now: dt.datetime | None = None) -> StakeholderUpdate:
    """Log an update; it meets the update that was due and arms the next one a cadence from now."""
    require(user, "incidents.add_stakeholderupdate")
    now = moment(now)
    body = (body or "").strip()
    errors = {}
    if not body:
        errors["body"] = ["Write the update."]
    if audience not in UpdateAudience.values:
        errors["audience"] = [f"Choose one of: {', '.join(UpdateAudience.values)}."]
    if errors:
        raise IncidentInputError(errors)
    with transaction.atomic():
        incident = lock_incident(incident)
        update = StakeholderUpdate.objects.create(
            incident=incident, audience=audience, author=user, body=body, sent_at=now
        )
        timers_settle(incident, kinds=[TimerKind.UPDATE], state=TimerState.MET, now=now)
        following = None
        if incident.is_open:
            following = plan_update(incident, start=now, number=next_steps(incident).get(TimerKind.UPDATE, 1))
            if following:
                timers_arm([following])
        due = f" Next update due {hhmm(following.due_at, now)}." if following else ""
        timeline_write(incident=incident, kind=TimelineKind.UPDATE, at=now, actor=user,
                       text=f"{UpdateAudience(audience).label} update by {person(user)}: {body}{due}",
                       data={"update": update.pk, "audience": audience})
    return update


def incident_involve_vendor(*, incident: Incident | int, user, vendor: str, now: dt.datetime | None = None
                            ) -> Incident:
    """Mark the vendor as involved; its relationship owner is told."""
    require(user, CHANGE)
    now = moment(now)
    found = Vendor.objects.select_related("relationship_owner").filter(key=vendor).first() if vendor else None
    if found is None:
        raise input_error("vendor", f"Unknown vendor '{vendor}'." if vendor else "Choose the vendor.")
    with transaction.atomic():
        incident = lock_incident(incident)
        incident.suspected_vendor = found
        incident.save()
        owner = found.relationship_owner
        timeline_write(
            incident=incident, kind=TimelineKind.VENDOR, at=now, actor=user,
            text=f"{found.name} involved by {person(user)}."
                 + (f" Relationship owner {person(owner)} told." if owner else " It has no relationship owner."),
            data={"vendor": found.key},
        )
        notify.notify_vendor_involved(incident, found)
    return incident
