"""Celery tasks: thin doors to the timers module and to learning from misroutes."""

from celery import shared_task

from .learning import refine_after_misroute
from .timers import timers_fire_due

BATCH = 200
MAX_BATCHES = 25  # a backlog (after an outage) drains within one tick, but one tick never runs forever


@shared_task(ignore_result=True, expires=1)
def timers_tick() -> int:
    """Beat sends this every second (expiring after one, so ticks never pile up behind a busy worker)."""
    fired = total = timers_fire_due(limit=BATCH)
    batches = 1
    while fired == BATCH and batches < MAX_BATCHES:
        fired = timers_fire_due(limit=BATCH)
        total += fired
        batches += 1
    return total


@shared_task(ignore_result=True)
def refine_routing_after_misroute(incident_id: int) -> None:
    """Sent after a misroute commits (``services.handoffs.refinement_enqueue``): maybe draft a rule refinement."""
    refine_after_misroute(incident_id=incident_id)
