"""Who is told what about drills: every drill notification is decided here and written to the outbox.

Every message is a drill's (``is_drill=True``), so the outbox puts "DRILL: " in front of its subject and
body wherever it is read. Same rules and helpers as ``reviews.notify``: one email per person, a dedupe key
naming the cause and the person, written in the caller's transaction. The drill incident's own
notifications (the on-call, escalation steps) are the incidents app's, labelled the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils import timezone

from incidents.timeline import person

from ..models import Drill
from ..notify import site_url, tell


def drill_url(drill: Drill) -> str:
    return site_url("reviews:drill_detail", drill.pk)


def when(at: dt.datetime) -> str:
    """ "Tue 10 Mar 2026 14:00 UTC", in the project's time zone."""
    local = timezone.localtime(at)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname()}"


def _payload(drill: Drill, event: str, **extra) -> dict:
    return {"event": event, "drill": drill.pk, "url": drill_url(drill), **extra}


def _tell(user, *, key: str, subject: str, body: str, payload: dict) -> bool:
    """``reviews.notify.tell``, marked as a drill's."""
    return tell(user, key=key, subject=subject, body=body, payload=payload, is_drill=True)


def _digest(text: str) -> str:
    """A short stable fingerprint (``hash()`` differs between processes; a dedupe key must not)."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _everyone(drill: Drill) -> list:
    """The participants and the facilitator, each once."""
    people = {user.pk: user for user in drill.participants.all()}
    people.setdefault(drill.facilitator_id, drill.facilitator)
    return list(people.values())


def notify_scheduled(drill: Drill) -> int:
    """At scheduling, and again for everyone when the time moves (the key names the time)."""
    subject = f"{drill.title}: {when(drill.scheduled_for)}, you take part"
    body = "\n".join([
        f"A drill of the playbook “{drill.playbook.name}” is scheduled for {when(drill.scheduled_for)}.",
        f"{person(drill.facilitator)} facilitates it. When it starts, a drill incident is filed and routed, "
        "escalated and notified like a real one: treat it as the real thing.",
        "", drill_url(drill),
    ])
    key = f"drill:{drill.pk}:scheduled:{drill.scheduled_for.isoformat()}"
    payload = _payload(drill, "drill_scheduled", scheduled_for=drill.scheduled_for.isoformat())
    return sum(_tell(user, key=key, subject=subject, body=body, payload=payload) for user in _everyone(drill))


def notify_started(drill: Drill) -> int:
    incident = drill.incident
    subject = f"{drill.title} has started: incident #{incident.pk}"
    body = "\n".join([
        f"The drill “{drill.title}” started: drill incident #{incident.pk} “{incident.title}” is filed and routed "
        f"to {incident.team.name} at {incident.tier.name}.",
        "Respond as you would to the real thing.",
        "", drill_url(drill),
    ])
    return sum(_tell(user, key=f"drill:{drill.pk}:started", subject=subject, body=body,
                     payload=_payload(drill, "drill_started", incident=incident.pk)) for user in _everyone(drill))


def notify_start_failed(drill: Drill, reason: str) -> bool:
    """The facilitator, once per reason: the drill could not be filed (the matrix changed since scheduling)."""
    subject = f"{drill.title} could not start"
    body = "\n".join([
        f"The drill “{drill.title}” was due to start at {when(drill.scheduled_for)}, but its incident could not "
        f"be filed: {reason}",
        "Change the drill, then start it from its page.", "", drill_url(drill),
    ])
    return _tell(drill.facilitator, key=f"drill:{drill.pk}:start_failed:{_digest(reason)}",
                 subject=subject, body=body, payload=_payload(drill, "drill_start_failed", reason=reason))


def notify_cancelled(drill: Drill, by) -> int:
    subject = f"{drill.title} is cancelled"
    body = "\n".join([
        f"{person(by)} cancelled the drill “{drill.title}” planned for {when(drill.scheduled_for)}.",
        "", drill_url(drill),
    ])
    return sum(_tell(user, key=f"drill:{drill.pk}:cancelled", subject=subject, body=body,
                     payload=_payload(drill, "drill_cancelled")) for user in _everyone(drill))


def notify_debrief_published(drill: Drill) -> int:
    subject = f"{drill.title}: the debrief is out"
    body = "\n".join([
        f"{person(drill.debrief_published_by)} published the debrief of the drill “{drill.title}”, with its score.",
        "", drill_url(drill),
    ])
    return sum(_tell(user, key=f"drill:{drill.pk}:debrief", subject=subject, body=body,
                     payload=_payload(drill, "drill_debrief_published")) for user in _everyone(drill))
