"""Incident test data: a small routed matrix, and incidents filed the way users file them.

``incident_matrix()`` builds the matrix; ``IncidentFactory(...)`` files through ``incident_file`` (so every
incident has its routing, frozen policy, timers, timeline and notifications). Other apps' tests may
append their own helpers here.
"""

from __future__ import annotations

import datetime as dt

import factory

from escalation_matrix.roles import EXECUTIVES, INCIDENT_LEADS, MANAGERS, RESPONDERS, SUPPORT_AGENTS
from incidents.models import Incident
from incidents.services import incident_file
from matrix import models as m
from matrix.tests import factories as mf

# A Monday inside every rotation, at 10:00 UTC: working hours for the teams below.
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def after(minutes: float) -> dt.datetime:
    """MONDAY plus some minutes: tests read as a story told in minutes since filing."""
    return MONDAY + dt.timedelta(minutes=minutes)


def _person(username: str, role: str, first: str, last: str):
    return mf.user_in_role(role, username=username, first_name=first, last_name=last, email=f"{username}@example.com")


def _team(key: str, name: str, *, lead, on_call: list, is_triage: bool = False, channels=(), **calendar) -> m.Team:
    team = mf.TeamFactory(key=key, name=name, is_triage=is_triage, **calendar)
    m.Membership.objects.create(team=team, user=lead, role=m.MembershipRole.LEAD)
    rotation = mf.RotationFactory(team=team, starts_on=dt.date(2026, 1, 5), shift_hours=168)
    for position, user in enumerate(on_call, start=1):
        m.Membership.objects.get_or_create(team=team, user=user, role=m.MembershipRole.RESPONDER)
        mf.RotationMemberFactory(rotation=rotation, user=user, position=position)
    for kind, target in channels:
        m.ContactChannel.objects.create(team=team, kind=kind, target=target)
    return team


def incident_matrix() -> dict:
    """A small matrix that routes, escalates and notifies; returns its objects and people by name.

    - Tiers sev1…sev4 (acknowledge 5/15/60/240 min) from the standard priority matrix; sev1 has a
      30-minute update cadence, opens a war room and notifies executives; sev4 runs on business hours.
    - Teams: support (triage), payments (owns checkout; email + Slack channels), platform (owns search).
      Each has a lead and a weekly rotation (started 2026-01-05); payments' on-call is Pat, then Quinn.
    - Policy "default" (any incident): step 1 at +0 min the on-call, step 2 at +10 min the team lead.
      Policy "payments-sev1" (checkout at sev1): adds step 3 at +20 min executives and the vendor owner.
    - Vendor "stripe" (relationship owner Vera); area "onboarding" with no owner (goes to triage).
    - Playbook "checkout" (area checkout): two checklist items; triage fields order_id (required text),
      region (optional choice eu/us), amount (optional integer). Rule "cdn": keyword cdn → platform.
    - People: agent (support agent), pat and quinn (responders), lena (payments lead), pete (platform
      lead), sam (support lead), max (manager), eve (executive), vera (vendor owner).
    """
    pm = mf.standard_priority_matrix()
    tiers = pm["tiers"]
    m.Tier.objects.filter(pk=tiers["sev1"].pk).update(
        update_cadence_minutes=30, opens_war_room=True, notifies_executives=True, requires_review=True
    )
    m.Tier.objects.filter(pk=tiers["sev4"].pk).update(clock=m.Clock.BUSINESS_HOURS)
    for tier in tiers.values():
        tier.refresh_from_db()

    people = {
        "agent": _person("agent", SUPPORT_AGENTS, "Alex", "Agent"),
        "pat": _person("pat", RESPONDERS, "Pat", "Ng"),
        "quinn": _person("quinn", RESPONDERS, "Quinn", "Ray"),
        "lena": _person("lena", INCIDENT_LEADS, "Lena", "Lead"),
        "pete": _person("pete", INCIDENT_LEADS, "Pete", "Platform"),
        "olly": _person("olly", RESPONDERS, "Olly", "Ops"),
        "sam": _person("sam", INCIDENT_LEADS, "Sam", "Support"),
        "sid": _person("sid", RESPONDERS, "Sid", "Desk"),
        "max": _person("max", MANAGERS, "Max", "Manager"),
        "eve": _person("eve", EXECUTIVES, "Eve", "Exec"),
        "vera": _person("vera", MANAGERS, "Vera", "Vendors"),
    }
    support = _team("support", "Support", lead=people["sam"], on_call=[people["sid"]], is_triage=True,
                    channels=[(m.ChannelKind.EMAIL, "support@example.com")])
    payments = _team("payments", "Payments", lead=people["lena"], on_call=[people["pat"], people["quinn"]],
                     channels=[(m.ChannelKind.EMAIL, "payments@example.com"),
                               (m.ChannelKind.SLACK, "https://hooks.example.com/payments")],
                     time_zone="Europe/Berlin", holiday_country="DE")
    platform = _team("platform", "Platform", lead=people["pete"], on_call=[people["olly"]],
                     channels=[(m.ChannelKind.EMAIL, "platform@example.com")])

    stripe = mf.VendorFactory(key="stripe", name="Stripe", relationship_owner=people["vera"])
    checkout = mf.AreaFactory(key="checkout", name="Checkout", owner_team=payments)
    search = mf.AreaFactory(key="search", name="Search", owner_team=platform)
    onboarding = mf.AreaFactory(key="onboarding", name="Onboarding", owner_team=None,
                                lifecycle_stage=m.LifecycleStage.BETA)
    checkout.depends_on_vendors.add(stripe)

    default = mf.PolicyFactory(key="default", name="Default")
    mf.StepFactory(policy=default, position=1, delay_minutes=0, notify_on_call=True)
    mf.StepFactory(policy=default, position=2, delay_minutes=10, notify_on_call=False, notify_team_lead=True)
    payments_sev1 = mf.PolicyFactory(key="payments-sev1", name="Payments SEV1", area=checkout, tier=tiers["sev1"])
    mf.StepFactory(policy=payments_sev1, position=1, delay_minutes=0, notify_on_call=True)
    mf.StepFactory(policy=payments_sev1, position=2, delay_minutes=5, notify_on_call=False, notify_team_lead=True)
    mf.StepFactory(policy=payments_sev1, position=3, delay_minutes=20, notify_on_call=False,
                   notify_executives=True, notify_vendor_owner=True)

    playbook = mf.PlaybookFactory(key="checkout", name="Checkout failures", area=checkout,
                                  customer_update_template="We are investigating problems with checkout.")
    checklist = [
        mf.ChecklistItemFactory(playbook=playbook, position=1, kind=m.ChecklistKind.COLLECT, text="Collect order IDs"),
        mf.ChecklistItemFactory(playbook=playbook, position=2, kind=m.ChecklistKind.CONSULT,
                                text="Open the payments dashboard"),
    ]
    mf.TriageFieldFactory(playbook=playbook, key="order_id", label="Order ID", position=1, required=True)
    mf.TriageFieldFactory(playbook=playbook, key="region", label="Region", position=2, required=False,
                          field_type=m.TriageFieldType.CHOICE, choices="eu, us")
    mf.TriageFieldFactory(playbook=playbook, key="amount", label="Amount", position=3, required=False,
                          field_type=m.TriageFieldType.INTEGER)
    cdn = mf.RuleFactory(key="cdn", name="CDN problems", order=10, keywords="cdn", team=platform)
    return {
        **pm, **people, "support": support, "payments": payments, "platform": platform, "stripe": stripe,
        "checkout": checkout, "search": search, "onboarding": onboarding, "default_policy": default,
        "payments_sev1": payments_sev1, "playbook": playbook, "checklist": checklist, "cdn_rule": cdn,
    }


class IncidentFactory(factory.Factory):
    """Files an incident through ``incident_file`` (build ``incident_matrix()`` first).

    The defaults file a SEV2 in checkout (significant × high), routed to payments, at ``MONDAY``.
    """

    class Meta:
        model = Incident

    reporter = None  # the system; pass a user (e.g. the matrix's agent) to file as a person
    title = factory.Sequence(lambda n: f"Checkout fails at payment step ({n})")
    description = "Customers see an error after entering their card."
    product_area = "checkout"
    impact = "significant"
    urgency = "high"
    details = factory.LazyFunction(lambda: {"order_id": "ORD-1001"})
    now = MONDAY

    @classmethod
    def _create(cls, model_class, **kwargs) -> Incident:
        return incident_file(**kwargs)

    @classmethod
    def _build(cls, model_class, **kwargs):
        raise NotImplementedError("IncidentFactory only files incidents (create), through incident_file.")
