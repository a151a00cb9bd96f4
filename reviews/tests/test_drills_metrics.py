"""Drills never count in real metrics: a drill that breaches its acknowledge target and is misrouted changes no
rule accuracy, no escalation accuracy and no tier breach rate (incidents.metrics)."""

import datetime as dt

import pytest

from incidents import metrics
from incidents.services import incident_acknowledge, incident_flag_misroute, incident_resolve
from incidents.tests.factories import MONDAY
from incidents.timers import timers_fire_due
from reviews.drills import services
from reviews.models import DrillStatus

from .factories import scheduled_drill

pytestmark = pytest.mark.django_db


def after(minutes: float) -> dt.datetime:
    return MONDAY + dt.timedelta(minutes=minutes)


def every_metric() -> tuple:
    return (metrics.rule_accuracy(), metrics.escalation_accuracy(), metrics.tier_breach_rates())


def test_a_misrouted_breaching_drill_changes_no_metric(mx, resolve, django_capture_on_commit_callbacks):
    # Real history, over before the drill: a SEV1 in checkout (payments) and a SEV2 the rule cdn sent to platform.
    resolve(responder=mx["pat"], filed_at=MONDAY - dt.timedelta(days=1))
    resolve(responder=mx["olly"], filed_at=MONDAY - dt.timedelta(hours=3), title="CDN errors on checkout",
            impact="significant", urgency="high")
    before = every_metric()

    drill = services.drill_start(drill=scheduled_drill(mx), user=mx["lena"], now=MONDAY)
    incident = drill.incident
    timers_fire_due(now=after(10))  # nobody acknowledged within the SEV1 target: a breach
    with django_capture_on_commit_callbacks(execute=True):
        incident_acknowledge(incident=incident, user=mx["pat"], now=after(12))
        incident_flag_misroute(incident=incident, user=mx["pat"], team="platform", reason="Not ours", now=after(13))
        incident_acknowledge(incident=incident, user=mx["olly"], now=after(15))
        incident_resolve(incident=incident, user=mx["olly"], now=after(40))

    incident.refresh_from_db()
    drill.refresh_from_db()
    assert incident.breached and incident.routing_correct is False  # the drill really did both
    assert drill.status == DrillStatus.FINISHED and drill.right_team_first is False
    assert every_metric() == before
    # Within a span that holds only the drill there is nothing to count at all.
    assert metrics.escalation_accuracy(since=MONDAY, until=after(60)) is None
    assert all(tier.incidents == 0 for tier in metrics.tier_breach_rates(since=MONDAY, until=after(60)))
    assert all(rule.routed == 0 for rule in metrics.rule_accuracy(since=MONDAY, until=after(60)))
