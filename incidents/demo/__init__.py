"""The demo's incidents (docs/architecture.md §5): 90 days of history and a handful open now, for ``loaddemo``.

Registered with ``matrix.hooks.register_demo_extension`` (in ``IncidentsConfig.ready``), so
``loaddemo`` runs it after building the organisation. Every incident is filed and moved through the
real services with ``now=`` in the past, and its timers fire through the real sweep at their due
moments (``runner``), so timelines, breaches, escalations and notifications are the product's own.

- Idempotent: each demo incident carries the submission key ``demo:<n>`` (``demo:open:<state>`` for
  the open ones); a key already present is skipped, so a second run adds nothing.
- Deterministic: plans come from a fixed seed, each incident's life from its own seeded stream.
- History is not news: every notification written for the past is marked sent at its simulated moment,
  so the outbox shows it delivered, and no delivery prompt is queued for it (``outbox``). Only the open
  incidents' timers, firing from now on in the worker, notify anyone.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Max, OuterRef, Subquery
from django.utils import timezone

from notifications.models import Notification

from ..models import OPEN_STATUSES, Incident, TimelineEntry
from .history import PAST_DAYS, live, past_keys, plan_history
from .open_incidents import build_open, open_keys
from .outbox import delivery_prompts_dropped, history_told_after_commit
from .runner import Cast

DEMO_KEYS = "demo:"
# Past incidents stop being played an hour before now: their stories end in the past.
PAST_HORIZON = dt.timedelta(hours=1)


def load_incidents(*, now: dt.datetime | None = None) -> str:
    """Build whatever demo incidents are missing; the one summary line ``loaddemo`` prints."""
    now = now or timezone.now()
    existing = set(Incident.objects.filter(submission_key__startswith=DEMO_KEYS)
                   .values_list("submission_key", flat=True))
    missing = (set(past_keys()) | set(open_keys())) - existing
    if missing:
        with transaction.atomic(), delivery_prompts_dropped():
            _build(now=now, missing=missing)
    return _summary(created=bool(missing))


def _build(*, now: dt.datetime, missing: set[str]) -> None:
    watermark = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    cast = Cast.load(now)
    for plan in plan_history(now, cast.tier_of):
        if plan.submission_key in missing:
            live(cast, plan, now=now, horizon=now - PAST_HORIZON, watermark=watermark)
    build_open(cast, now=now, watermark=watermark, missing=missing)
    # created/updated say when it happened in the story, not when the demo was loaded.
    last_move = TimelineEntry.objects.filter(incident=OuterRef("pk")).order_by("-at").values("at")[:1]
    Incident.objects.filter(submission_key__startswith=DEMO_KEYS, created_at__gte=now).update(
        created_at=F("filed_at"), updated_at=Subquery(last_move),
    )
    # Queued last, so it runs after every other after-commit reaction to these moves.
    ids = list(Incident.objects.filter(submission_key__startswith=DEMO_KEYS).values_list("pk", flat=True))
    history_told_after_commit(watermark=watermark, incident_ids=ids)


def _summary(*, created: bool) -> str:
    demo = Incident.objects.filter(submission_key__startswith=DEMO_KEYS)
    total = demo.count()
    still_open = demo.filter(status__in=OPEN_STATUSES).count()
    note = "" if created else " (already loaded)"
    return f"Incidents: {total - still_open} past ({PAST_DAYS} days), {still_open} open{note}."
