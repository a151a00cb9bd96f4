"""The demo's training: five modules, one per incident role, assigned with a mix of completed, due, overdue and
refresher due; loading again adds nothing and tells nobody."""

import datetime as dt

import pytest

from escalation_matrix.roles import APPROVERS, INCIDENT_LEADS, MANAGERS, RESPONDERS, SUPPORT_AGENTS
from matrix.tests import factories as mf
from notifications.models import Notification
from reviews.models import TrainingAssignment, TrainingModule, TrainingStatus
from reviews.training.demo import load_training

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


@pytest.fixture
def logins(db):
    roles = {"manager": MANAGERS, "approver": APPROVERS, "agent": SUPPORT_AGENTS, "responder": RESPONDERS,
             "lead": INCIDENT_LEADS, "oliver.grant": RESPONDERS, "chloe.dubois": RESPONDERS}
    return {name: mf.user_in_role(role, username=name) for name, role in roles.items()}


def status(module: str, username: str) -> str:
    assignment = TrainingAssignment.objects.get(module__key=module, user__username=username)
    return assignment.status_on(NOW.date())


def test_five_modules_with_a_mix_of_states_for_the_role_logins(logins):
    line = load_training(now=NOW)

    assert TrainingModule.objects.count() == 5 and line.startswith("Training: 5 modules, ")
    assert set(TrainingModule.objects.values_list("title", flat=True)) == {
        "Filing an incident well", "Acknowledging and handing off", "Running a war room",
        "Writing a post-incident review", "Keeping the matrix honest"}
    assert status("filing-well", "agent") == TrainingStatus.COMPLETED
    assert status("acknowledge-and-hand-off", "responder") == TrainingStatus.DUE
    assert status("running-a-war-room", "lead") == TrainingStatus.REFRESHER_DUE
    assert status("writing-a-review", "lead") == TrainingStatus.OVERDUE
    assert status("keeping-the-matrix-honest", "approver") == TrainingStatus.DUE
    responders = {status("acknowledge-and-hand-off", name) for name in ("chloe.dubois", "oliver.grant")}
    assert responders == {TrainingStatus.COMPLETED, TrainingStatus.DUE}  # the others take turns


def test_loading_again_adds_nothing_and_the_demo_tells_nobody(logins):
    load_training(now=NOW)
    counts = (TrainingModule.objects.count(), TrainingAssignment.objects.count())

    line = load_training(now=NOW + dt.timedelta(days=1))

    assert (TrainingModule.objects.count(), TrainingAssignment.objects.count()) == counts
    assert line.endswith("(already loaded).") and not Notification.objects.exists()
