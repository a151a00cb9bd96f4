"""Who gets told what: every recipient of an escalation step, each person once, drills marked."""

import datetime as dt

import pytest
from django.test import override_settings

from incidents.models import TimelineKind, TimerKind
from incidents.notify import incident_url, notify_filed
from incidents.services import incident_involve_vendor
from incidents.tests.factories import MONDAY, IncidentFactory, after
from incidents.timers import timers_fire_due
from matrix import models as m
from matrix.snapshot import MatrixSnapshot
from matrix.tests import factories as mf
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def one_step_policy(mx, **step) -> m.EscalationStep:
    """A policy for payments incidents with one immediate step, more specific than the matrix's default."""
    policy = mf.PolicyFactory(key="payments-team", team=mx["payments"])
    return mf.StepFactory(policy=policy, position=1, delay_minutes=0, **{"notify_on_call": False, **step})


def fire_step(incident) -> tuple[list[str], str]:
    timers_fire_due(now=after(0) + dt.timedelta(seconds=1))  # the first sweep after filing
    timer = incident.timers.get(kind=TimerKind.ESCALATION, step=1)
    sent = Notification.objects.filter(dedupe_key__startswith=f"timer:{timer.pk}:")
    entry = incident.timeline.get(kind=TimelineKind.ESCALATED)
    return sorted(n.user.username for n in sent), entry.text


def test_a_step_reaches_everyone_it_names_each_once(mx):
    cs = mf.UserFactory(username="cass", first_name="Cass", last_name="Success", email="cass@example.com")
    m.Membership.objects.create(team=mx["payments"], user=cs, role=m.MembershipRole.CUSTOMER_SUCCESS)
    step = one_step_policy(mx, notify_on_call=True, notify_team_lead=True, notify_role="customer_success",
                           notify_vendor_owner=True, notify_executives=True)
    step.notify_users.add(mx["max"], mx["pat"])
    incident = IncidentFactory(suspected_vendor="stripe")

    usernames, text = fire_step(incident)

    assert usernames == ["cass", "eve", "lena", "max", "pat", "vera"]
    assert text == ("Escalated: step 1 notified Pat Ng (on-call, named in the policy), Lena Lead (team lead), "
                    "Cass Success (customer success), Max Manager (named in the policy), "
                    "Vera Vendors (Stripe relationship owner), Eve Exec (executive).")


def test_the_vendor_owner_is_the_one_of_the_vendor_suspected_when_the_step_fires(mx):
    one_step_policy(mx, notify_vendor_owner=True)
    incident = IncidentFactory()
    incident_involve_vendor(incident=incident, user=None, vendor="stripe", now=after(0))
    Notification.objects.all().delete()

    usernames, _ = fire_step(incident)

    assert usernames == ["vera"]


def test_a_step_with_nobody_to_tell_says_so(mx):
    one_step_policy(mx, notify_vendor_owner=True)  # and no vendor is suspected
    incident = IncidentFactory()

    usernames, text = fire_step(incident)

    assert usernames == [] and text == "Escalated: step 1 found nobody to notify."


def test_people_without_an_email_or_no_longer_active_are_skipped_not_fatal(mx):
    mx["lena"].email = ""
    mx["lena"].save()
    m.Membership.objects.create(team=mx["payments"], user=mx["pete"], role=m.MembershipRole.LEAD)
    mx["pete"].is_active = False
    mx["pete"].save()
    one_step_policy(mx, notify_on_call=True, notify_team_lead=True)
    incident = IncidentFactory()

    usernames, _ = fire_step(incident)

    assert usernames == ["pat"]


def test_one_cause_never_tells_anyone_twice(mx):
    incident = IncidentFactory()
    before = Notification.objects.count()

    notify_filed(incident, MatrixSnapshot(MONDAY))  # a retried filing step, a redelivered task…

    assert Notification.objects.count() == before == 3


def test_drill_notifications_say_so_first_everywhere(mx):
    IncidentFactory(is_drill=True)
    timers_fire_due(now=after(15))

    sent = Notification.objects.all()
    assert sent.count() > 3 and all(n.is_drill and n.subject.startswith("DRILL") for n in sent)


@override_settings(SITE_URL="https://escalation.example.com")
def test_messages_link_to_the_incident_and_carry_its_facts(mx):
    incident = IncidentFactory()

    message = Notification.objects.get(channel="slack")
    assert incident_url(incident).startswith("https://escalation.example.com/")
    assert incident_url(incident) in message.body
    assert message.payload["event"] == "filed" and message.payload["incident"] == incident.pk
    assert (message.payload["tier"], message.payload["team"]) == ("sev2", "payments")
    assert "acknowledge by 11:15 CET" in message.body  # on the owning team's clock (Berlin)
