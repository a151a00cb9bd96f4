"""Drills through their services: scheduled from a playbook, started into a real drill incident (once), scored
when that incident is resolved or when the facilitator ends the drill, debriefed; and ``drill_results``."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from escalation_matrix.roles import INCIDENT_LEADS
from incidents.models import Incident, Status, TimerState
from incidents.services import checklist_tick, incident_acknowledge, incident_flag_misroute, incident_resolve
from incidents.tests.factories import MONDAY, incident_matrix
from matrix import models as m
from matrix.tests import factories as mf
from notifications.models import Notification
from reviews.drills import services
from reviews.drills.selectors import drill_results
from reviews.models import Drill, DrillStatus, PostIncidentReview
from reviews.services import ReviewInputError, ReviewStateError
from reviews.tasks import start_due_drills

from .factories import scheduled_drill

pytestmark = pytest.mark.django_db


def told(event: str) -> list[Notification]:
    return list(Notification.objects.filter(payload__event=event).order_by("pk"))


def after(minutes: float) -> dt.datetime:
    return MONDAY + dt.timedelta(minutes=minutes)


@pytest.fixture
def started(mx):
    """A drill started at MONDAY; its incident filed then."""
    drill = scheduled_drill(mx)
    return services.drill_start(drill=drill, user=mx["lena"], now=MONDAY)


# --- scheduling ---------------------------------------------------------------------------------------

def test_a_drill_takes_what_it_files_from_its_playbook(mx):
    mx["playbook"].scenario = "## Checkout is down\n\nNobody can pay."
    mx["playbook"].save()

    drill = scheduled_drill(mx)

    assert drill.status == DrillStatus.SCHEDULED and drill.title == "Drill: Checkout failures"
    assert drill.scenario == "## Checkout is down\n\nNobody can pay."
    assert (drill.product_area, drill.impact.key, drill.urgency.key) == (mx["checkout"], "extensive", "critical")
    assert drill.incident_title == "Drill: Checkout failures"
    assert "Nobody can pay." in drill.incident_description
    assert drill.details == {"order_id": "DRILL sample order id"}  # the required triage field, answered


def test_a_drill_picks_an_impact_and_urgency_that_give_the_playbooks_tier(mx):
    playbook = mf.PlaybookFactory(key="search-slow", name="Search slow", area=mx["search"], tier=mx["tiers"]["sev3"])

    drill = scheduled_drill(mx, playbook=playbook)

    cell = m.PriorityCell.objects.get(impact=drill.impact, urgency=drill.urgency)
    assert cell.tier.key == "sev3" and drill.impact.key == "extensive"  # the most severe pair giving SEV3


def test_participants_and_the_facilitator_are_told_once_each_as_a_drill(mx):
    scheduled_drill(mx)

    messages = told("drill_scheduled")
    assert sorted(n.user.username for n in messages) == ["lena", "pat", "quinn"]
    assert all(n.is_drill and n.subject.startswith("DRILL: ") and n.body.startswith("DRILL: ") for n in messages)


def test_scheduling_names_every_problem_by_field(mx):
    with pytest.raises(ReviewInputError) as caught:
        services.drill_schedule(user=mx["max"], playbook=mx["playbook"], scheduled_for=MONDAY, participants=[],
                                facilitator=mx["eve"], now=after(60))

    errors = caught.value.errors
    assert set(errors) == {"scheduled_for", "participants", "facilitator"}
    assert "Pick a time from now on" in errors["scheduled_for"][0]
    assert "may file incidents" in errors["facilitator"][0]  # an executive cannot file the drill incident
    assert not Drill.objects.exists()


def test_a_playbook_for_every_area_asks_which_area_to_file_in(mx):
    anywhere = mf.PlaybookFactory(key="anywhere", name="Anything down")

    with pytest.raises(ReviewInputError) as caught:
        scheduled_drill(mx, playbook=anywhere)
    assert "applies to every area" in caught.value.errors["product_area"][0]

    assert scheduled_drill(mx, playbook=anywhere, product_area=mx["search"]).product_area == mx["search"]


def test_triage_answers_that_filing_would_refuse_are_refused_at_scheduling(mx):
    with pytest.raises(ReviewInputError) as caught:
        scheduled_drill(mx, details={"amount": "lots"})

    assert caught.value.errors == {"details": ["Amount must be a whole number."]}


def test_only_managers_and_incident_leads_schedule_drills(mx):
    with pytest.raises(PermissionDenied):
        services.drill_schedule(user=mx["pat"], playbook=mx["playbook"], scheduled_for=MONDAY,
                                participants=[mx["quinn"]], facilitator=mx["lena"], now=MONDAY)


def test_changing_the_time_tells_everyone_again_and_a_new_participant_once(mx):
    drill = scheduled_drill(mx)

    services.drill_update(drill=drill, user=mx["lena"], playbook=drill.playbook, scheduled_for=after(60),
                          participants=[mx["pat"], mx["quinn"], mx["olly"]], facilitator=mx["lena"], now=after(-600))

    assert len(told("drill_scheduled")) == 3 + 4
    services.drill_update(drill=drill, user=mx["lena"], playbook=drill.playbook, scheduled_for=after(60),
                          participants=[mx["pat"], mx["quinn"], mx["olly"], mx["sid"]], facilitator=mx["lena"],
                          now=after(-600))
    assert [n.user.username for n in told("drill_scheduled")[7:]] == ["sid"]


# --- starting -----------------------------------------------------------------------------------------

def test_starting_files_one_drill_incident_through_the_real_routing(mx, started):
    again = services.drill_start(drill=started, user=mx["max"], now=after(1))

    incident = Incident.objects.get()
    assert again.pk == started.pk and again.incident == incident and again.status == DrillStatus.RUNNING
    assert incident.is_drill and incident.reporter == mx["lena"] and incident.filed_at == MONDAY
    assert (incident.team.key, incident.tier.key) == ("payments", "sev1")
    assert incident.timers.filter(state=TimerState.ARMED).exists()  # the real timers run
    on_call = Notification.objects.filter(payload__incident=incident.pk)
    assert on_call.exists() and all(n.is_drill and n.subject.startswith("DRILL") for n in on_call)
    assert sorted(n.user.username for n in told("drill_started")) == ["lena", "pat", "quinn"]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_file_one_drill_incident_and_tell_everyone_once():
    mx = incident_matrix()
    drill = scheduled_drill(mx)
    barrier = threading.Barrier(8)
    started, other = [], []

    def start(n: int) -> None:  # the beat task and impatient clicks, all at once
        try:
            barrier.wait()
            started.append(services.drill_start(drill=drill.pk, user=None if n % 2 else mx["lena"], now=after(n)))
        except Exception as exc:
            other.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=start, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert other == [] and len(started) == 8
    assert Incident.objects.count() == 1 and {d.incident_id for d in started} == {Incident.objects.get().pk}
    assert len(told("drill_started")) == 3


def test_the_beat_task_starts_every_drill_whose_time_has_come_and_no_other(mx):
    due = scheduled_drill(mx, at=MONDAY)
    later = scheduled_drill(mx, at=after(120))

    with time_machine.travel(after(0.5), tick=False):
        assert start_due_drills() == {"started": 1, "failed": 0}
        assert start_due_drills() == {"started": 0, "failed": 0}

    due.refresh_from_db(), later.refresh_from_db()
    assert (due.status, later.status) == (DrillStatus.RUNNING, DrillStatus.SCHEDULED)
    assert due.incident.filed_at == after(0.5)


def test_a_drill_that_cannot_be_filed_keeps_why_tells_its_facilitator_and_waits_for_a_fix(mx):
    drill = scheduled_drill(mx)
    order_id = m.TriageField.objects.get(key="order_id")
    order_id.field_type = m.TriageFieldType.INTEGER  # the matrix moved on since scheduling
    order_id.save()

    with time_machine.travel(after(1), tick=False):
        assert start_due_drills() == {"started": 0, "failed": 1}
        assert start_due_drills() == {"started": 0, "failed": 0}  # not retried every minute

    drill.refresh_from_db()
    assert drill.status == DrillStatus.SCHEDULED and drill.start_error == "Order ID must be a whole number."
    assert [n.user.username for n in told("drill_start_failed")] == ["lena"]
    assert not Incident.objects.exists()

    services.drill_update(drill=drill, user=mx["lena"], playbook=drill.playbook, scheduled_for=drill.scheduled_for,
                          participants=[mx["pat"]], facilitator=mx["lena"], details={"order_id": "1001"},
                          now=after(2))
    assert services.drill_start(drill=drill, user=mx["lena"], now=after(3)).status == DrillStatus.RUNNING


def test_a_facilitator_who_may_no_longer_file_is_named_as_the_reason(mx):
    drill = scheduled_drill(mx)
    mx["lena"].groups.remove(Group.objects.get(name=INCIDENT_LEADS))

    with pytest.raises(ReviewStateError) as caught:
        services.drill_start(drill=drill, user=mx["max"], now=after(1))

    assert "Lena Lead, the facilitator, may not file incidents" in caught.value.message
    drill.refresh_from_db()
    assert drill.start_error and drill.status == DrillStatus.SCHEDULED


def test_only_the_facilitator_incident_leads_and_managers_run_a_drill(mx):
    drill = scheduled_drill(mx)

    with pytest.raises(PermissionDenied):
        services.drill_start(drill=drill, user=mx["pat"], now=MONDAY)
    with pytest.raises(PermissionDenied):
        services.drill_cancel(drill=drill, user=mx["pat"], now=MONDAY)


def test_cancelling_a_scheduled_drill_tells_everyone_and_it_never_starts(mx):
    drill = scheduled_drill(mx)

    services.drill_cancel(drill=drill, user=mx["lena"], now=after(-60))

    assert len(told("drill_cancelled")) == 3
    with time_machine.travel(after(1), tick=False):
        assert start_due_drills() == {"started": 0, "failed": 0}
    with pytest.raises(ReviewStateError):
        services.drill_start(drill=drill, user=mx["lena"], now=after(1))


def test_a_running_drill_cannot_be_cancelled_only_ended(mx, started):
    with pytest.raises(ReviewStateError) as caught:
        services.drill_cancel(drill=started, user=mx["lena"], now=after(1))

    assert "end it instead" in caught.value.message


# --- scoring ------------------------------------------------------------------------------------------

def test_resolving_the_drill_incident_scores_and_finishes_the_drill(mx, started, django_capture_on_commit_callbacks):
    incident = started.incident
    with django_capture_on_commit_callbacks(execute=True):
        incident_acknowledge(incident=incident, user=mx["pat"], now=after(3))
        checklist_tick(incident=incident, user=mx["pat"], item_id=mx["checklist"][0].pk, now=after(4))
        incident_resolve(incident=incident, user=mx["pat"], now=after(50))

    drill = Drill.objects.get()
    assert drill.status == DrillStatus.FINISHED and drill.finished_at == after(50)
    assert (drill.time_to_acknowledge, drill.right_team_first) == (180, True)
    assert (drill.checklist_done, drill.checklist_total) == (1, 2)
    assert [s["heading"] for s in drill.debrief] == ["Summary", "Impact", "Root cause", "What went well",
                                                     "What to improve"]
    assert not PostIncidentReview.objects.exists()  # a drill is debriefed, never reviewed


def test_a_misrouted_drill_scores_wrong_team_first(mx, started, django_capture_on_commit_callbacks):
    incident = started.incident
    with django_capture_on_commit_callbacks(execute=True):
        incident_acknowledge(incident=incident, user=mx["pat"], now=after(2))
        incident_flag_misroute(incident=incident, user=mx["pat"], team="platform", reason="It is the CDN",
                               now=after(4))
        incident_acknowledge(incident=incident, user=mx["olly"], now=after(6))
        incident_resolve(incident=incident, user=mx["olly"], now=after(30))

    assert Drill.objects.get().right_team_first is False


def test_ending_a_drill_scores_it_as_it_stands_and_winds_its_incident_down(mx, started,
                                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        drill = services.drill_end(drill=started, user=mx["lena"], now=after(20))

    assert drill.status == DrillStatus.FINISHED and drill.finished_at == after(20)
    assert drill.time_to_acknowledge is None and drill.checklist_done == 0  # nobody acknowledged it in time
    incident = Incident.objects.get()
    assert incident.status == Status.RESOLVED
    assert not incident.timers.filter(state=TimerState.ARMED).exists()  # nothing escalates after the drill
    assert services.drill_end(drill=drill, user=mx["lena"], now=after(21)).finished_at == after(20)  # once


def test_a_drill_that_has_not_started_cannot_be_ended(mx):
    with pytest.raises(ReviewStateError):
        services.drill_end(drill=scheduled_drill(mx), user=mx["lena"], now=MONDAY)


# --- the debrief --------------------------------------------------------------------------------------

@pytest.fixture
def finished(mx, started, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.drill_end(drill=started, user=mx["lena"], now=after(20))


def test_the_debrief_is_saved_then_published_and_the_participants_told(mx, finished):
    services.drill_debrief_save(drill=finished, user=mx["lena"], sections={"summary": " We practised. ",
                                                                           "what-went-well": "Fast page."})
    drill = services.drill_debrief_publish(drill=finished, user=mx["lena"], now=after(60))

    assert drill.debrief_published_at == after(60) and drill.debrief_published_by == mx["lena"]
    assert {s["key"]: s["body"] for s in drill.debrief}["summary"] == "We practised."
    assert sorted(n.user.username for n in told("drill_debrief_published")) == ["lena", "pat", "quinn"]
    with pytest.raises(ReviewStateError):
        services.drill_debrief_save(drill=drill, user=mx["lena"], sections={"summary": "Changed"})


def test_a_debrief_is_not_published_without_its_first_section(mx, finished):
    with pytest.raises(ReviewInputError) as caught:
        services.drill_debrief_publish(drill=finished, user=mx["lena"])

    assert caught.value.errors == {"section_summary": ["Write the summary first."]}


def test_a_participant_may_not_write_the_debrief(mx, finished):
    with pytest.raises(PermissionDenied):
        services.drill_debrief_save(drill=finished, user=mx["pat"], sections={"summary": "Mine"})


# --- the public contract: drill_results ---------------------------------------------------------------

def test_drill_results_lists_finished_drills_in_the_span_with_their_scores(mx, finished):
    scheduled_drill(mx, at=after(600))  # still scheduled: no result
    services.drill_cancel(drill=scheduled_drill(mx, at=after(900)), user=mx["max"], now=MONDAY)

    [result] = drill_results(since=MONDAY, until=MONDAY + dt.timedelta(days=1))

    assert (result.drill_id, result.playbook_key) == (finished.pk, "checkout")
    assert result.playbook_name == "Checkout failures"
    assert (result.date, result.tier, result.incident_id) == (MONDAY.date(), "SEV1", finished.incident_id)
    assert result.time_to_acknowledge is None and result.acknowledged_in_time is None
    assert (result.right_team_first, result.checklist_done, result.checklist_total) == (True, 0, 2)
    assert result.checklist_share == 0 and result.participants == 2 and result.facilitator == "Lena Lead"
    assert not result.debrief_published and result.url == f"/reviews/drills/{finished.pk}/"
    assert drill_results(since=after(21), until=None) == []
    assert drill_results(since=None, until=after(20)) == []  # the span's end is open


def test_a_drill_results_day_is_the_day_it_finished_in_the_projects_time_zone(finished):
    [result] = drill_results(since=MONDAY, until=None)  # finished Monday 10:20 UTC

    with timezone.override(ZoneInfo("Pacific/Kiritimati")):  # UTC+14: Tuesday 00:20
        assert result.date == dt.date(2026, 3, 3)
