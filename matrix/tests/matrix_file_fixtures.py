"""A rich matrix for the matrix-file tests: every model kind, many-to-manys, overrides, step users,
rule overrides, multi-line text — everything an export must carry and an import must rebuild."""

import datetime as dt

from django.contrib.auth import get_user_model

from matrix import models as m
from matrix.tests import factories as f

UTC = dt.UTC


def rich_matrix() -> dict:
    alice = f.UserFactory(username="alice", first_name="Alice", last_name="Anders", email="alice@example.com")
    bob = f.UserFactory(username="bob", first_name="Bob", last_name="Berg", email="bob@example.com")
    carol = f.UserFactory(username="carol", first_name="Carol", last_name="", email="", is_active=False)
    dave = f.UserFactory(username="dave", first_name="Dave", last_name="Doe", email="dave@example.com")
    f.UserFactory(username="unrelated")  # not in the matrix: not exported

    pm = f.standard_priority_matrix()
    sev2 = pm["tiers"]["sev2"]
    sev2.update_cadence_minutes = 30
    sev2.opens_war_room = True
    sev2.clock = m.Clock.BUSINESS_HOURS
    sev2.description = "Major: a key flow is degraded.\nWar room opens."
    sev2.save()

    payments = f.TeamFactory(key="payments", name="Payments", description="Money in, money out.",
                             time_zone="Europe/Paris", workday_start=dt.time(8, 30), workday_end=dt.time(18, 0),
                             working_days="0,1,2,3", holiday_country="FR")
    sre = f.TeamFactory(key="sre", name="SRE")
    triage = f.TeamFactory(key="support-1", name="Support tier 1", is_triage=True)
    m.Membership.objects.create(team=payments, user=alice, role=m.MembershipRole.LEAD)
    m.Membership.objects.create(team=payments, user=alice, role=m.MembershipRole.RESPONDER)
    m.Membership.objects.create(team=payments, user=bob, role=m.MembershipRole.RESPONDER)
    m.Membership.objects.create(team=sre, user=dave, role=m.MembershipRole.MANAGER)
    m.ContactChannel.objects.create(team=payments, kind=m.ChannelKind.EMAIL, label="Team list",
                                    target="payments@example.com",
                                    confirmed_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    m.ContactChannel.objects.create(team=payments, kind=m.ChannelKind.WEBHOOK, target="https://hooks.example.com/p",
                                    secret="s3cret")
    primary = m.Rotation.objects.create(team=payments, name="Primary", order=1, time_zone="Europe/Paris",
                                        shift_hours=168, handoff_time=dt.time(9, 30), starts_on=dt.date(2026, 1, 5))
    for position, user in enumerate([alice, bob, alice], 1):
        m.RotationMember.objects.create(rotation=primary, user=user, position=position)
    m.RotationOverride.objects.create(rotation=primary, user=dave, covers=alice, reason="Holiday",
                                      starts_at=dt.datetime(2026, 2, 1, 9, tzinfo=UTC),
                                      ends_at=dt.datetime(2026, 2, 8, 9, tzinfo=UTC))
    m.RotationOverride.objects.create(rotation=primary, user=bob, starts_at=dt.datetime(2026, 1, 10, tzinfo=UTC),
                                      ends_at=dt.datetime(2026, 1, 11, 12, 30, 15, tzinfo=UTC))
    secondary = m.Rotation.objects.create(team=payments, name="Secondary", order=2, shift_hours=12,
                                          handoff_time=dt.time(21, 0), starts_on=dt.date(2026, 1, 1))
    m.RotationMember.objects.create(rotation=secondary, user=dave, position=1)

    psp = f.VendorFactory(key="psp", name="PayCo", contract_sla="Response in 1 h", support_url="https://payco.example",
                          relationship_owner=bob, engagement_policy="Leads only.", fallback_plan="Switch PSP.")
    cdn = f.VendorFactory(key="cdn", name="EdgeCDN")
    m.VendorContact.objects.create(vendor=psp, name="PayCo desk", role="Support", email="desk@payco.example",
                                   phone="+33 1 23 45 67 89", confirmed_at=dt.datetime(2026, 3, 1, tzinfo=UTC))
    m.VendorContact.objects.create(vendor=psp, name="Ann Account", role="Account manager")

    shop = f.AreaFactory(key="shop", name="Shop", owner_team=sre, lifecycle_stage=m.LifecycleStage.MATURE)
    checkout = f.AreaFactory(key="checkout", name="Checkout", parent=shop, owner_team=payments,
                             description="Cart to receipt.", lifecycle_stage=m.LifecycleStage.GA)
    onboarding = f.AreaFactory(key="onboarding", name="Onboarding", owner_team=None,
                               lifecycle_stage=m.LifecycleStage.INCUBATING)
    checkout.depends_on_areas.add(shop, onboarding)
    checkout.depends_on_vendors.add(psp, cdn)
    m.AreaRosterEntry.objects.create(area=checkout, role=m.RosterRole.PRODUCT_MANAGER, user=carol)
    m.AreaRosterEntry.objects.create(area=checkout, role=m.RosterRole.LEAD_ENGINEER, user=alice)

    policy = f.PolicyFactory(key="checkout-sev1", name="Checkout SEV1", area=checkout, tier=pm["tiers"]["sev1"],
                             description="The big one.")
    f.StepFactory(policy=policy, position=1, delay_minutes=0)
    lead_step = f.StepFactory(policy=policy, position=2, delay_minutes=15, notify_on_call=False,
                              notify_team_lead=True, notify_role=m.MembershipRole.MANAGER, notify_vendor_owner=True)
    lead_step.notify_users.add(dave, carol)
    f.StepFactory(policy=policy, position=3, delay_minutes=45, notify_executives=True)
    incubating = f.PolicyFactory(key="incubating", name="Incubating areas", team=sre,
                                 lifecycle_stage=m.LifecycleStage.INCUBATING)
    f.StepFactory(policy=incubating, position=1, delay_minutes=5)

    playbook = f.PlaybookFactory(
        key="payment-failures", name="Payment failures", area=checkout, tier=sev2,
        scenario="# Payments fail\n\nCustomers cannot pay.\n  - indented line\n",
        incident_note_template="Line one\r\nLine two with trailing space \nend",
        customer_update_template="We are on it.", review_template="",
    )
    m.ChecklistItem.objects.create(playbook=playbook, position=1, kind=m.ChecklistKind.ALERT, text="Page payments")
    m.ChecklistItem.objects.create(playbook=playbook, position=2, kind=m.ChecklistKind.COLLECT, text="Order IDs")
    m.TriageField.objects.create(playbook=playbook, key="order-id", label="Order ID", position=1)
    m.TriageField.objects.create(playbook=playbook, key="psp", label="Payment provider", position=2,
                                 field_type=m.TriageFieldType.CHOICE, choices="PayCo,Other", required=False,
                                 help_text="Which provider failed?")
    f.PlaybookFactory(key="generic", name="Generic")

    f.RuleFactory(key="refunds", name="Refunds → payments", order=10, keywords="refund, chargeback", team=payments,
                  area=shop, lifecycle_stage=m.LifecycleStage.MATURE, customer_segment="enterprise",
                  channel=m.IntakeChannel.EMAIL, impact=pm["impacts"]["extensive"], urgency=pm["urgencies"]["high"],
                  tier_override=sev2, playbook_override=playbook, description="Money back.")
    f.RuleFactory(key="old-rule", name="Old rule", order=20, active=False, team=triage)
    return {"users": {u.username: u for u in get_user_model().objects.all()}, "pm": pm}


def empty_database() -> None:
    """Delete the whole matrix and every user, as on a fresh install."""
    m.ProductArea.objects.update(parent=None)
    for model in [m.RoutingRule, m.ChecklistItem, m.TriageField, m.Playbook, m.EscalationStep, m.EscalationPolicy,
                  m.PriorityCell, m.Tier, m.Urgency, m.Impact, m.AreaRosterEntry, m.ProductArea, m.VendorContact,
                  m.Vendor, m.RotationOverride, m.RotationMember, m.Rotation, m.ContactChannel, m.Membership,
                  m.Team]:
        model.objects.all().delete()
    get_user_model().objects.all().delete()
