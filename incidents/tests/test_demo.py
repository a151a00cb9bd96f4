"""`manage.py loaddemo` adds 90 days of incidents and a handful open now, all through the real services."""

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from incidents.demo.history import plan_history
from incidents.models import (
    OPEN_STATUSES,
    Breach,
    ChecklistTick,
    Handoff,
    HandoffKind,
    HandoffState,
    Incident,
    PauseReason,
    StakeholderUpdate,
    Status,
    TimelineEntry,
    TimelineKind,
    Timer,
    TimerKind,
    TimerState,
)
from notifications.models import Notification
from notifications.models import Status as Delivery

HOLDABLE_TARGETS = (TimerKind.ACKNOWLEDGE, TimerKind.CONTAIN, TimerKind.RESOLVE)


def loaddemo() -> str:
    out = io.StringIO()
    call_command("loaddemo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module in a transaction rolled back at the end (each test nests
    inside it as a savepoint). Yields (the command's output, the moment loading started)."""
    with django_db_blocker.unblock(), transaction.atomic():
        started = timezone.now()
        yield loaddemo(), started
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_loaded, db):
    return demo_loaded


def demo_incidents():
    return Incident.objects.filter(submission_key__startswith="demo:")


def past():
    return demo_incidents().exclude(submission_key__startswith="demo:open:")


def open_one(state: str) -> Incident:
    return Incident.objects.get(submission_key=f"demo:open:{state}")


def armed(incident: Incident, kind: str) -> list[Timer]:
    return list(incident.timers.filter(kind=kind, state=TimerState.ARMED))


def test_loaddemo_prints_one_line_for_the_incidents(demo):
    output, _ = demo
    past_count, open_count = past().count(), demo_incidents().filter(status__in=OPEN_STATUSES).count()
    closed = demo_incidents().count() - open_count
    assert f"Incidents: {closed} past (90 days), {open_count} open." in output
    assert 200 <= past_count <= 300


def test_past_incidents_span_ninety_days_busier_on_weekdays_and_in_working_hours(demo):
    _, started = demo
    filed = list(past().values_list("filed_at", flat=True))
    assert min(filed) >= started - dt.timedelta(days=91)
    assert max(filed) <= started - dt.timedelta(hours=36)
    assert (max(filed) - min(filed)).days >= 80
    per_day = Counter("weekend" if at.weekday() >= 5 else "weekday" for at in filed)
    assert per_day["weekday"] / 5 > 2 * per_day["weekend"] / 2
    office = sum(1 for at in filed if 8 <= at.hour < 18)
    assert office > len(filed) / 2


def test_minor_tiers_far_outnumber_major_ones_and_every_area_and_team_sees_some(demo):
    tiers = Counter(past().values_list("tier__key", flat=True))
    assert tiers["sev3"] + tiers["sev4"] > 3 * (tiers["sev1"] + tiers["sev2"])
    assert 0 < tiers["sev1"] < tiers["sev2"] < tiers["sev3"]
    assert tiers["sev4"] > 0
    assert past().values("product_area").distinct().count() >= 10
    assert past().values("team").distinct().count() >= 7


def test_most_past_incidents_end_resolved_or_closed_with_no_timer_left_running(demo):
    finished = past().filter(status__in=[Status.RESOLVED, Status.CLOSED])
    assert finished.count() >= 0.95 * past().count()
    assert finished.filter(status=Status.CLOSED).exists() and finished.filter(status=Status.RESOLVED).exists()
    live = Timer.objects.filter(incident__in=finished, state__in=[TimerState.ARMED, TimerState.HELD])
    assert not live.exists()


def test_most_are_acknowledged_in_time_and_some_miss_each_kind_of_target(demo):
    acknowledged = past().exclude(acknowledged_at=None)
    late = acknowledged.filter(acknowledged_late=True).count()
    assert 0 < late < 0.15 * acknowledged.count()
    missed = set(Breach.objects.filter(incident__in=past()).values_list("target", flat=True))
    assert missed >= {TimerKind.ACKNOWLEDGE, TimerKind.CONTAIN, TimerKind.RESOLVE, TimerKind.UPDATE}
    assert past().filter(breached=False).count() > 0.7 * past().count()


def test_breaches_and_escalations_fired_at_their_own_due_moment_in_the_past(demo):
    breaches = Breach.objects.filter(incident__in=past()).select_related("timer")
    assert breaches.exists()
    for breach in breaches:  # fired by the first sweep once the due second had passed
        assert breach.breached_at == breach.due_at + dt.timedelta(seconds=1) == breach.timer.fired_at
    fired_steps = Timer.objects.filter(incident__in=past(), kind=TimerKind.ESCALATION, state=TimerState.FIRED)
    assert fired_steps.filter(step__gt=1).exists()  # someone was slow enough for a second step
    for timer in fired_steps:
        assert timer.fired_at == timer.due_at + dt.timedelta(seconds=1)


def test_timelines_happen_between_filing_and_loading(demo):
    _, started = demo
    late_entries = TimelineEntry.objects.filter(incident__in=past(), at__gt=started)
    assert not late_entries.exists()
    for incident in past().order_by("?")[:40]:
        times = list(incident.timeline.values_list("at", flat=True))
        assert times[0] == incident.filed_at == incident.created_at
        assert times == sorted(times)


def test_some_are_misrouted_so_routing_accuracy_is_not_perfect(demo):
    wrong = past().filter(routing_correct=False)
    accuracy = 1 - wrong.count() / past().count()
    assert 0.8 < accuracy < 0.99
    for incident in wrong:
        misroute = incident.handoffs.get(kind=HandoffKind.MISROUTE)
        assert misroute.wrong_team and misroute.from_team_id == incident.routed_team_id
        assert incident.team_id == misroute.to_team_id != incident.routed_team_id


def test_handoffs_are_accepted_and_exactly_one_escalated_first(demo):
    handoffs = Handoff.objects.filter(incident__in=past(), kind=HandoffKind.HANDOFF)
    assert handoffs.count() >= 3
    assert set(handoffs.values_list("state", flat=True)) == {HandoffState.ACCEPTED}
    escalated = TimelineEntry.objects.filter(incident__in=past(), kind=TimelineKind.HANDOFF_ESCALATED)
    assert escalated.count() == 1
    late = escalated.get().incident.handoffs.get(kind=HandoffKind.HANDOFF)
    assert late.accepted_at > late.requested_at + dt.timedelta(minutes=late.incident.tier.acknowledge_minutes)


def test_major_incidents_have_war_rooms_updates_and_ticked_checklists(demo):
    sev1 = past().filter(tier__key="sev1")
    assert sev1.exists()
    for incident in sev1:
        assert incident.commander_id and incident.war_room_channel.startswith("#inc-")
        assert incident.checklist_ticks.count() == incident.playbook.checklist.count()
    majors = past().filter(tier__key__in=["sev1", "sev2"])
    with_updates = majors.filter(updates__isnull=False).distinct().count()
    assert with_updates > majors.count() / 2
    assert ChecklistTick.objects.filter(incident__in=past().filter(tier__key__in=["sev3", "sev4"])).exists()
    assert TimelineEntry.objects.filter(incident__in=past(), kind=TimelineKind.NOTE).count() > 50


def test_a_few_are_vendor_caused_some_waited_on_the_vendor(demo):
    vendor_caused = past().exclude(suspected_vendor=None)
    assert 0.05 * past().count() < vendor_caused.count() < 0.4 * past().count()
    assert set(vendor_caused.values_list("suspected_vendor__key", flat=True)) == {"payflow", "mailpost", "edgefast"}
    waited = TimelineEntry.objects.filter(incident__in=past(), kind=TimelineKind.PAUSED,
                                          data__reason=PauseReason.WAITING_ON_VENDOR)
    assert waited.exists()


def test_drills_exist_and_are_marked_as_drills_everywhere(demo):
    drills = past().filter(is_drill=True)
    assert drills.count() == 2
    for drill in drills:
        assert "as a drill" in drill.timeline.get(kind=TimelineKind.FILED).text
        told = Notification.objects.filter(payload__incident=drill.pk)
        assert told.exists()
        assert all(subject.startswith("DRILL") for subject in told.values_list("subject", flat=True))
    assert past().filter(is_drill=False).count() == past().count() - 2


def test_no_notification_of_the_demo_is_left_for_the_worker(demo):
    _, started = demo
    ids = list(demo_incidents().values_list("pk", flat=True))
    told = Notification.objects.filter(payload__incident__in=ids)
    assert told.count() > 3 * len(ids)
    assert not told.exclude(status=Delivery.SENT).exists()
    # Stamped when they were written in the story, and delivered then.
    for notification in told.order_by("?")[:200]:
        assert notification.created_at <= notification.sent_at <= started + dt.timedelta(minutes=1)


def test_open_incidents_cover_every_state(demo):
    assert open_one("new").status == Status.NEW
    assert open_one("misrouted").status == Status.NEW and open_one("misrouted").routing_correct is False
    assert open_one("acknowledged").status == Status.ACKNOWLEDGED
    assert open_one("contained").status == Status.CONTAINED
    vendor = open_one("waiting-on-vendor")
    assert vendor.pause_reason == PauseReason.WAITING_ON_VENDOR and vendor.suspected_vendor.key == "mailpost"
    assert open_one("waiting-on-customer").pause_reason == PauseReason.WAITING_ON_CUSTOMER
    war_room = open_one("war-room")
    assert war_room.tier.key == "sev1" and war_room.commander.username == "lead" and war_room.is_open
    assert StakeholderUpdate.objects.filter(incident=war_room).exists()
    handoff = open_one("pending-handoff").handoffs.get()
    assert handoff.state == HandoffState.PENDING and handoff.to_team.key == "platform"


def test_the_new_one_escalates_within_minutes_of_loading(demo):
    _, started = demo
    incident = open_one("new")
    steps = armed(incident, TimerKind.ESCALATION)
    assert steps
    assert min(step.due_at for step in steps) < started + dt.timedelta(minutes=5)
    assert incident.timers.filter(kind=TimerKind.ESCALATION, state=TimerState.FIRED, step=1).exists()


def test_every_open_incident_has_armed_timers_consistent_with_its_state(demo):
    _, started = demo
    for incident in demo_incidents().filter(status__in=OPEN_STATUSES):
        timers = incident.timers.all()
        # Everything due before loading has fired: the worker takes over from now on.
        assert not timers.filter(state=TimerState.ARMED, due_at__lte=started).exists(), incident.submission_key
        if incident.is_paused:
            assert not timers.filter(state=TimerState.ARMED, kind__in=HOLDABLE_TARGETS).exists()
            assert timers.filter(state=TimerState.HELD, kind=TimerKind.RESOLVE).exists()
            continue
        still_due = {
            Status.NEW: (TimerKind.ACKNOWLEDGE, TimerKind.CONTAIN, TimerKind.RESOLVE),
            Status.ACKNOWLEDGED: (TimerKind.CONTAIN, TimerKind.RESOLVE),
            Status.CONTAINED: (TimerKind.RESOLVE,),
        }[incident.status]
        deadlines = {TimerKind.ACKNOWLEDGE: incident.acknowledge_by, TimerKind.CONTAIN: incident.contain_by,
                     TimerKind.RESOLVE: incident.resolve_by}
        for kind in still_due:
            latest = timers.filter(kind=kind).order_by("-step").first()
            if latest.state == TimerState.ARMED:  # the worker fires it at the incident's deadline
                assert latest.due_at == deadlines[kind], (incident.submission_key, kind)
            else:  # or it was missed already, while the demo played the incident
                assert latest.state == TimerState.FIRED and latest.breach, (incident.submission_key, kind)
        done = timers.filter(state=TimerState.ARMED, kind__in=HOLDABLE_TARGETS).exclude(kind__in=still_due)
        assert not done.exists(), incident.submission_key
        if incident.status == Status.NEW:  # this round's steps climb, fired or armed, until someone acknowledges
            steps = timers.filter(kind=TimerKind.ESCALATION)
            this_round = steps.filter(armed_at=max(step.armed_at for step in steps))
            assert this_round.count() == len(incident.escalation_snapshot["steps"])
            assert set(this_round.values_list("state", flat=True)) <= {TimerState.ARMED, TimerState.FIRED}
        else:
            assert not armed(incident, TimerKind.ESCALATION)
    pending = Handoff.objects.get(incident__submission_key="demo:open:pending-handoff")
    assert [t.step for t in armed(pending.incident, TimerKind.HANDOFF)] == [pending.pk]


def test_running_loaddemo_again_adds_nothing(demo):
    counts = {model.__name__: model.objects.count()
              for model in (Incident, TimelineEntry, Timer, Breach, Handoff, StakeholderUpdate, ChecklistTick,
                            Notification)}

    output = loaddemo()

    assert "(already loaded)" in output
    assert {model.__name__: model.objects.count()
            for model in (Incident, TimelineEntry, Timer, Breach, Handoff, StakeholderUpdate, ChecklistTick,
                          Notification)} == counts


def test_the_history_is_planned_the_same_way_on_every_fresh_load():
    now = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)

    def tier_of(impact: str, urgency: str) -> str:
        return "sev2" if "critical" in (urgency,) else "sev3"

    first, second = plan_history(now, tier_of), plan_history(now, tier_of)

    assert [(p.filed_at, p.scenario.key, p.title, p.ack_share) for p in first] == [
        (p.filed_at, p.scenario.key, p.title, p.ack_share) for p in second
    ]
    assert [p.number for p in first] == list(range(1, len(first) + 1))
    assert [p.filed_at for p in first] == sorted(p.filed_at for p in first)
