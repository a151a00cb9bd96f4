"""The incidents still open when the demo is loaded: one in every state, each with its live timers.

They are filed minutes or hours before now and played up to now like the past ones, so the worker
takes over from there: the new one's next escalation step falls due a few minutes after loading (watch
it escalate on its page), the war room's containment target soon after, the pending handoff's
acceptance within the hour. Their past notifications are marked sent; what their timers write from now
on is delivered for real.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from matrix.models import IntakeChannel

from .. import services
from ..models import PauseReason
from .catalogue import SCENARIOS, Scenario
from .history import SEED, file_scenario
from .runner import Cast, Life

BY_KEY = {scenario.key: scenario for scenario in SCENARIOS}


def _minutes_ago(life: Life, minutes: float) -> None:
    life.at(life.horizon - dt.timedelta(minutes=minutes))


def _new_escalating(life: Life) -> None:
    """Nobody has acknowledged it: the on-call was paged at filing, the 75% warning has gone out, and
    the lead is paged (and the target missed) about three minutes after loading."""


def _acknowledged(life: Life) -> None:
    _minutes_ago(life, 38)
    life.do(services.incident_acknowledge, incident=life.incident, user=life.responder())
    _minutes_ago(life, 30)
    life.do(services.incident_add_note, incident=life.incident, user=life.incident.assignee,
            text="Indexing consumer lag is 3 hours; looking at why it stalled.")


def _contained(life: Life) -> None:
    _minutes_ago(life, 183)
    responder = life.responder()
    life.do(services.incident_acknowledge, incident=life.incident, user=responder)
    for item, minutes in zip(life.cast.checklists.get(life.incident.playbook_id, []), (175, 160), strict=False):
        _minutes_ago(life, minutes)
        life.do(services.checklist_tick, incident=life.incident, user=responder, item_id=item.pk)
    _minutes_ago(life, 45)
    life.do(services.incident_contain, incident=life.incident, user=responder)


def _waiting_on_vendor(life: Life) -> None:
    _minutes_ago(life, 112)
    responder = life.responder()
    life.do(services.incident_acknowledge, incident=life.incident, user=responder)
    _minutes_ago(life, 95)
    life.do(services.incident_involve_vendor, incident=life.incident, user=responder, vendor="mailpost")
    _minutes_ago(life, 70)
    life.do(services.incident_pause, incident=life.incident, user=responder, reason=PauseReason.WAITING_ON_VENDOR)


def _war_room(life: Life) -> None:
    """SEV1 with a commander; its containment target is minutes away."""
    _minutes_ago(life, 19)
    responder = life.responder()
    life.do(services.incident_acknowledge, incident=life.incident, user=responder)
    _minutes_ago(life, 17)
    commander = life.cast.user("lead")
    life.do(services.incident_open_war_room, incident=life.incident, user=responder, commander=commander,
            channel="#inc-checkout-errors")
    for item, minutes in zip(life.cast.checklists.get(life.incident.playbook_id, []), (15, 12, 9), strict=False):
        _minutes_ago(life, minutes)
        life.do(services.checklist_tick, incident=life.incident, user=responder, item_id=item.pk)
    _minutes_ago(life, 8)
    life.do(services.incident_post_update, incident=life.incident, user=commander,
            body="Orders are failing for every customer since about 20 minutes ago. A rollback of today's order "
                 "service deploy is under way. Next update in 30 minutes.")
    _minutes_ago(life, 5)
    life.do(services.incident_add_note, incident=life.incident, user=responder,
            text="Error rate 38% on POST /orders since the 14:02 deploy; rollback started.")


def _pending_handoff(life: Life) -> None:
    _minutes_ago(life, 60)
    responder = life.responder()
    life.do(services.incident_acknowledge, incident=life.incident, user=responder)
    _minutes_ago(life, 40)
    life.do(services.incident_add_note, incident=life.incident, user=responder,
            text="Fails on every batch over 10 MB; smaller batches go through.")
    _minutes_ago(life, 15)
    life.do(services.incident_reassign, incident=life.incident, user=responder, team="platform",
            reason="The import endpoint rejects batches over 10 MB: Platform owns the API.")


def _waiting_on_customer(life: Life) -> None:
    life.at(life.t + dt.timedelta(minutes=25))
    responder = life.responder()
    life.do(services.incident_acknowledge, incident=life.incident, user=responder)
    life.at(life.t + dt.timedelta(minutes=40))
    life.do(services.incident_pause, incident=life.incident, user=responder,
            reason=PauseReason.WAITING_ON_CUSTOMER)


def _misrouted(life: Life) -> None:
    """Mobile says it is not theirs; it is new again for Payments, with a fresh acknowledge target."""
    _minutes_ago(life, 6)
    life.do(services.incident_flag_misroute, incident=life.incident, user=life.responder(), team="payments",
            reason="Wallet tokenization is failing at PayFlow; nothing in the app changed.")


# (slug, scenario, title, impact, urgency, filed minutes ago, reporter, segment, story)
OPEN: tuple[tuple[str, str, str, str, str, float, str, str, Callable[[Life], None]], ...] = (
    ("new", "webhooks-500", "Order webhooks not reaching Northwind Traders", "significant", "high", 12, "agent",
     "mid-market", _new_escalating),
    ("acknowledged", "search-missing-products", "Search results missing new products for Bluebird Books",
     "moderate", "medium", 50, "sofia.alvarez", "smb", _acknowledged),
    ("contained", "sso-okta", "Single sign-on failing for Harbor & Co (Okta)", "significant", "high", 190,
     "arjun.mehta", "mid-market", _contained),
    ("waiting-on-vendor", "receipts-email", "Receipt emails not received by customers", "moderate", "high", 125,
     "emily.turner", "", _waiting_on_vendor),
    ("war-room", "checkout-outage", "Checkout returning errors for all customers", "extensive", "critical", 22,
     "agent", "", _war_room),
    ("pending-handoff", "enterprise-import", "Bulk product import failing for Kestrel Pharmacy", "moderate",
     "medium", 70, "olivia.bennett", "enterprise", _pending_handoff),
    ("waiting-on-customer", "invoice-seats", "Invoice shows the wrong seat count for Oak & Ivy", "minor", "low",
     26 * 60, "james.park", "smb", _waiting_on_customer),
    ("misrouted", "wallet-android", "Google Pay fails on Android at the payment step", "moderate", "high", 35,
     "aisha.khan", "smb", _misrouted),
)


def open_keys() -> list[str]:
    return [f"demo:open:{slug}" for slug, *_ in OPEN]


def build_open(cast: Cast, *, now: dt.datetime, watermark: int, missing: set[str]) -> int:
    """File and play each open incident not loaded yet; how many were built."""
    built = 0
    for slug, key, title, impact, urgency, minutes, reporter, segment, story in OPEN:
        submission_key = f"demo:open:{slug}"
        if submission_key not in missing:
            continue
        scenario: Scenario = BY_KEY[key]
        life = Life(cast, random.Random(f"{SEED}:open:{slug}"), horizon=now, watermark=watermark)
        file_scenario(life, scenario, at=now - dt.timedelta(minutes=minutes), title=title, impact=impact,
                      urgency=urgency, channel=IntakeChannel.WEB_FORM, segment=segment, reporter=reporter,
                      submission_key=submission_key)
        story(life)
        life.at(now)  # every timer due by now has fired; the rest are the worker's
        life.finish()
        built += 1
    return built
