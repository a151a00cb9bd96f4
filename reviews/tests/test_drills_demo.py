"""The demo's drills: the incidents demo's two game days become finished, scored, debriefed drills, and one drill
is scheduled for next week; loading again adds nothing and tells nobody."""

import datetime as dt

import pytest

from escalation_matrix.roles import INCIDENT_LEADS, MANAGERS, RESPONDERS, SUPPORT_AGENTS
from incidents.tests.factories import MONDAY
from matrix.tests import factories as mf
from notifications.models import Notification
from reviews.drills.demo import NEXT_TITLE, load_drills
from reviews.models import Drill, DrillStatus

from .factories import resolved_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(mx):
    """The demo's logins beside the incidents' small matrix, a payments playbook, and two past game days."""
    for username, role in (("lead", INCIDENT_LEADS), ("manager", MANAGERS), ("responder", RESPONDERS),
                           ("agent-demo", SUPPORT_AGENTS)):
        mf.user_in_role(role, username=username, email=f"{username}@example.com")
    mf.PlaybookFactory(key="payments-failures", name="Payments failing", area=mx["checkout"])
    for number, ago in ((7, 62), (41, 27)):
        resolved_incident(responder=mx["pat"], filed_at=MONDAY - dt.timedelta(days=ago), is_drill=True,
                          title="Game day: checkout down in eu-west", submission_key=f"demo:{number}")
    return mx


def test_the_game_days_become_finished_scored_and_debriefed_drills(demo_world):
    line = load_drills(now=MONDAY)

    assert line == "Drills: 2 finished and debriefed, 1 scheduled next week."
    finished = list(Drill.objects.filter(status=DrillStatus.FINISHED).select_related("incident", "facilitator"))
    assert len(finished) == 2 and all(d.incident.is_drill for d in finished)
    for drill in finished:
        assert drill.title == "Drill: checkout down in eu-west"  # the product's word, whatever the incident says
        assert drill.facilitator.username == "lead" and drill.time_to_acknowledge == 180 and drill.right_team_first
        assert drill.debrief_published and drill.debrief[0]["body"].startswith("We practised a full checkout outage")
        assert {"pat", "responder"} <= {u.username for u in drill.participants.all()}


def test_one_drill_is_scheduled_for_next_tuesday_afternoon_with_the_playbooks_defaults(demo_world):
    load_drills(now=MONDAY)

    drill = Drill.objects.get(title=NEXT_TITLE)
    assert drill.title == "Drill: payments failing"
    assert drill.status == DrillStatus.SCHEDULED and drill.playbook.key == "payments-failures"
    assert drill.scheduled_for == dt.datetime(2026, 3, 10, 14, tzinfo=dt.UTC)
    assert drill.details  # the routed playbook's required triage answers, filled in


def test_loading_again_adds_nothing_and_the_demo_tells_nobody(demo_world):
    before = Notification.objects.count()
    load_drills(now=MONDAY)
    counts = (Drill.objects.count(), Notification.objects.count())

    load_drills(now=MONDAY + dt.timedelta(days=1))

    assert (Drill.objects.count(), Notification.objects.count()) == counts == (3, before)
