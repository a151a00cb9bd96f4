"""Coordinating the response: war room, stakeholder updates on a cadence, the vendor, notes, assignment,
and the playbook checklist."""


import pytest
from django.core.exceptions import PermissionDenied

from incidents.models import Breach, ChecklistTick, StakeholderUpdate, TimelineKind, TimerKind, TimerState
from incidents.services import (
    IncidentInputError,
    checklist_tick,
    incident_acknowledge,
    incident_add_note,
    incident_assign,
    incident_involve_vendor,
    incident_open_war_room,
    incident_post_update,
    incident_resolve,
)
from incidents.tests.factories import IncidentFactory, after
from incidents.timers import timers_fire_due
from matrix.tests import factories as mf
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def sev1(mx):
    incident = IncidentFactory(impact="extensive", urgency="critical")  # SEV1: update cadence 30 min
    return incident_acknowledge(incident=incident, user=mx["pat"], now=after(1))


def told(prefix: str) -> list[str]:
    return sorted(n.user.username for n in Notification.objects.filter(dedupe_key__startswith=prefix))


# --- war room ----------------------------------------------------------------------------------------

def test_opening_a_war_room_names_a_commander_and_tells_the_executives(mx, sev1):
    incident = incident_open_war_room(incident=sev1, user=mx["lena"], channel="#inc-checkout", now=after(3))

    assert incident.commander == mx["lena"] and incident.war_room_channel == "#inc-checkout"
    entry = incident.timeline.get(kind=TimelineKind.WAR_ROOM)
    assert entry.text == "War room opened by Lena Lead in #inc-checkout; incident commander: Lena Lead."
    assert told(f"incident:{incident.pk}:war_room:") == ["eve", "lena"]


def test_a_named_commander_is_told_and_a_second_opening_updates_the_war_room(mx, sev1):
    incident_open_war_room(incident=sev1, user=mx["lena"], commander=mx["max"], now=after(3))
    incident = incident_open_war_room(incident=sev1, user=mx["lena"], commander=mx["pete"], channel="#war",
                                      now=after(4))

    assert incident.commander == mx["pete"] and incident.war_room_channel == "#war"
    assert told(f"incident:{incident.pk}:war_room:") == ["eve", "eve", "max", "pete"]
    assert incident.timeline.filter(kind=TimelineKind.WAR_ROOM).last().text.startswith("War room updated")


# --- stakeholder updates -----------------------------------------------------------------------------

def test_posting_an_update_meets_the_due_one_and_arms_the_next_a_cadence_later(mx, sev1):
    update = incident_post_update(incident=sev1, user=mx["pat"], body="Card payments failing in EU.", now=after(20))

    assert update.audience == "stakeholders" and update.author == mx["pat"] and update.sent_at == after(20)
    timers = {t.step: t for t in sev1.timers.filter(kind=TimerKind.UPDATE)}
    assert timers[1].state == TimerState.MET
    assert timers[2].state == TimerState.ARMED and timers[2].due_at == after(50)
    entry = sev1.timeline.get(kind=TimelineKind.UPDATE)
    assert entry.text == ("Internal stakeholders update by Pat Ng: Card payments failing in EU. "
                          "Next update due 10:50 UTC.")


def test_an_overdue_update_is_a_breach_and_the_assignee_is_reminded(mx, sev1):
    timers_fire_due(now=after(31))

    timer = sev1.timers.get(kind=TimerKind.UPDATE, step=1)
    assert timer.state == TimerState.FIRED
    breach = Breach.objects.get(timer=timer)
    assert breach.target == TimerKind.UPDATE and breach.team == mx["payments"]
    sev1.refresh_from_db()
    assert sev1.breached
    assert told(f"timer:{timer.pk}:") == ["pat"]
    assert sev1.timeline.get(kind=TimelineKind.BREACH, data__target="update").text.startswith(
        "Stakeholder update overdue (due 11:30 CET). Told Pat Ng (assignee).")  # payments keeps Berlin time


def test_a_customer_update_after_resolution_is_logged_without_arming_another(mx, sev1):
    incident_resolve(incident=sev1, user=mx["pat"], now=after(10))

    incident_post_update(incident=sev1, user=mx["pat"], body="Fixed.", audience="customers", now=after(11))

    assert StakeholderUpdate.objects.get(incident=sev1).audience == "customers"
    assert not sev1.timers.filter(kind=TimerKind.UPDATE, state=TimerState.ARMED).exists()


def test_an_update_needs_a_body_and_a_known_audience(mx, sev1):
    with pytest.raises(IncidentInputError) as caught:
        incident_post_update(incident=sev1, user=mx["pat"], body=" ", audience="press", now=after(2))

    assert set(caught.value.errors) == {"body", "audience"}


# --- vendor ------------------------------------------------------------------------------------------

def test_involving_a_vendor_tells_its_relationship_owner(mx, sev1):
    incident = incident_involve_vendor(incident=sev1, user=mx["pat"], vendor="stripe", now=after(5))

    assert incident.suspected_vendor == mx["stripe"]
    assert told(f"incident:{incident.pk}:vendor:") == ["vera"]
    assert incident.timeline.get(kind=TimelineKind.VENDOR).text == (
        "Stripe involved by Pat Ng. Relationship owner Vera Vendors told.")
    with pytest.raises(IncidentInputError):
        incident_involve_vendor(incident=sev1, user=mx["pat"], vendor="acme", now=after(6))


# --- assignment, notes, checklist ----------------------------------------------------------------------

def test_assigning_and_unassigning_is_on_the_timeline(mx, sev1):
    incident = incident_assign(incident=sev1, user=mx["lena"], assignee=mx["quinn"], now=after(2))
    assert incident.assignee == mx["quinn"]

    incident = incident_assign(incident=sev1, user=mx["lena"], assignee=None, now=after(3))

    assert incident.assignee is None
    texts = list(incident.timeline.filter(kind=TimelineKind.ASSIGNED).values_list("text", flat=True))
    assert texts == ["Assigned to Quinn Ray by Lena Lead.", "Unassigned by Lena Lead."]


def test_a_note_is_a_timeline_entry_by_its_author(mx, sev1):
    entry = incident_add_note(incident=sev1, user=mx["agent"], text="Customer sent a screenshot.", now=after(4))

    assert entry.kind == TimelineKind.NOTE and entry.actor == mx["agent"] and entry.at == after(4)
    with pytest.raises(IncidentInputError):
        incident_add_note(incident=sev1, user=mx["agent"], text="", now=after(4))


def test_checklist_ticks_record_who_and_when_and_can_be_undone(mx, sev1):
    item = mx["checklist"][0]

    tick = checklist_tick(incident=sev1, user=mx["pat"], item_id=item.pk, now=after(5))
    again = checklist_tick(incident=sev1, user=mx["quinn"], item_id=item.pk, now=after(6))

    assert tick.ticked_by == mx["pat"] and tick.ticked_at == after(5)
    assert again.pk == tick.pk and again.ticked_by == mx["pat"]
    assert checklist_tick(incident=sev1, user=mx["pat"], item_id=item.pk, done=False, now=after(7)) is None
    assert not ChecklistTick.objects.exists()
    texts = list(sev1.timeline.filter(kind=TimelineKind.CHECKLIST).values_list("text", flat=True))
    assert texts == ["Checked by Pat Ng: Collect order IDs", "Unchecked by Pat Ng: Collect order IDs"]


def test_only_items_of_the_incidents_playbook_can_be_ticked(mx, sev1):
    other = mf.ChecklistItemFactory(playbook=mf.PlaybookFactory(key="other"))

    with pytest.raises(IncidentInputError) as caught:
        checklist_tick(incident=sev1, user=mx["pat"], item_id=other.pk, now=after(5))
    assert list(caught.value.errors) == ["item_id"]


def test_executives_watch_but_do_not_write(mx, sev1):
    with pytest.raises(PermissionDenied):
        incident_add_note(incident=sev1, user=mx["eve"], text="Hi", now=after(2))
    with pytest.raises(PermissionDenied):
        incident_open_war_room(incident=sev1, user=mx["eve"], now=after(2))
