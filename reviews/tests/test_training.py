"""Training: modules assigned to people or whole roles (idempotently), completed by the person from the module
page, refreshers re-opening the same assignment; the pages, and the person page's training panel."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from escalation_matrix.roles import RESPONDERS
from notifications.models import Notification
from reviews.forms import PeopleField, active_people
from reviews.models import TrainingAssignment, TrainingCompletion, TrainingModule, TrainingStatus
from reviews.services import ReviewInputError, ReviewStateError
from reviews.training.dates import add_months
from reviews.training.forms import AssignForm
from reviews.training.services import training_assign, training_complete

from .factories import TrainingModuleFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
TODAY = NOW.date()


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def module(db):
    return TrainingModuleFactory(key="war-room", title="Running a war room", role=RESPONDERS, refresher_months=6,
                                 body="## Take command\n\nSay it in the channel.<script>alert(1)</script>")


def assign(mx, module, **kwargs):
    kwargs.setdefault("due_on", TODAY + dt.timedelta(days=30))
    return training_assign(module=module, assigned_by=mx["max"], now=NOW, **kwargs)


# --- assigning ----------------------------------------------------------------------------------------

def test_assigning_a_role_reaches_its_active_members_and_tells_each_once(mx, module):
    mx["quinn"].is_active = False
    mx["quinn"].save()

    result = assign(mx, module, role=RESPONDERS)

    assert sorted(a.user.username for a in result.created) == ["olly", "pat", "sid"]
    told = Notification.objects.filter(payload__event="training_assigned")
    assert sorted(n.user.username for n in told) == ["olly", "pat", "sid"]
    assert all("Running a war room" in n.subject and "/reviews/training/modules/war-room/" in n.body for n in told)


def test_assigning_again_keeps_what_people_have_and_adds_only_the_new(mx, module):
    assign(mx, module, users=[mx["pat"]], due_on=TODAY + dt.timedelta(days=10))
    training_complete(module=module, user=mx["pat"], now=NOW)

    result = assign(mx, module, users=[mx["pat"], mx["lena"]], due_on=TODAY + dt.timedelta(days=40))

    assert [a.user.username for a in result.created] == ["lena"]
    assert [u.username for u in result.already] == ["pat"]
    pat = TrainingAssignment.objects.get(user=mx["pat"])
    assert pat.due_on == TODAY + dt.timedelta(days=10) and pat.completed_at == NOW  # untouched
    assert Notification.objects.filter(payload__event="training_assigned").count() == 2


def test_assigning_names_every_problem_by_field(mx, module):
    module.active = False
    module.save()

    with pytest.raises(ReviewInputError) as caught:
        assign(mx, module, due_on=TODAY - dt.timedelta(days=1))

    assert set(caught.value.errors) == {"module", "people", "due_on"}
    assert "is retired" in caught.value.errors["module"][0]


def test_only_managers_and_leads_assign(mx, module):
    with pytest.raises(PermissionDenied):
        training_assign(module=module, assigned_by=mx["pat"], users=[mx["quinn"]], due_on=TODAY, now=NOW)


# --- completing ---------------------------------------------------------------------------------------

def test_completing_sets_the_refresher_and_keeps_the_history(mx, module):
    assign(mx, module, users=[mx["pat"]])

    assignment = training_complete(module=module, user=mx["pat"], now=NOW)

    assert assignment.completed_at == NOW and assignment.refresher_due_on == dt.date(2026, 9, 2)
    assert assignment.status_on(TODAY) == TrainingStatus.COMPLETED
    again = training_complete(module=module, user=mx["pat"], now=NOW + dt.timedelta(days=1))
    assert again.completed_at == NOW and TrainingCompletion.objects.count() == 1  # done already: nothing changes


def test_a_refresher_reopens_the_same_assignment_and_completing_it_again_is_recorded(mx, module):
    assign(mx, module, users=[mx["pat"]])
    training_complete(module=module, user=mx["pat"], now=NOW)
    later = dt.datetime(2026, 9, 3, 9, tzinfo=dt.UTC)
    assert TrainingAssignment.objects.get().status_on(later.date()) == TrainingStatus.REFRESHER_DUE

    assignment = training_complete(module=module, user=mx["pat"], now=later)

    assert TrainingAssignment.objects.count() == 1
    assert assignment.refresher_due_on == dt.date(2027, 3, 3)
    assert [c.completed_at for c in assignment.completions.all()] == [later, NOW]


def test_a_module_nobody_assigned_counts_when_the_person_completes_it(mx, module):
    assignment = training_complete(module=module, user=mx["olly"], now=NOW)

    assert assignment.assigned_by == mx["olly"] and assignment.completed_at == NOW


def test_a_retired_module_cannot_be_completed(mx, module):
    module.active = False
    module.save()

    with pytest.raises(ReviewStateError):
        training_complete(module=module, user=mx["pat"], now=NOW)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
    (dt.date(2026, 11, 15), 3, dt.date(2027, 2, 15)),
    (dt.date(2026, 3, 2), 12, dt.date(2027, 3, 2)),
])
def test_refreshers_fall_due_whole_months_later(day, months, expected):
    assert add_months(day, months) == expected


# --- the pages ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["reviews:training_list", "reviews:training_assign"])
def test_anonymous_users_are_sent_to_login(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and "login" in response["Location"]


def test_a_person_reads_the_module_sanitized_and_marks_it_completed(mx, module):
    assign(mx, module, users=[mx["pat"]])
    pat = client_of(mx["pat"])
    url = reverse("reviews:training_module", args=["war-room"])

    page = html_of(pat.get(url))
    assert "<h2>Take command</h2>" in page and "<script>alert(1)</script>" not in page
    assert "I&#x27;ve completed this" in page or "I've completed this" in page

    with time_machine.travel(NOW, tick=False):
        done = html_of(pat.post(reverse("reviews:training_complete", args=["war-room"]), follow=True))

    assert "Completed: “Running a war room”. A refresher falls due Wed 2 Sep 2026." in done
    assert "You completed this on Mon 2 Mar 2026." in done
    assert TrainingAssignment.objects.get().completed_at == NOW


def test_my_training_lists_mine_most_pressing_first_and_offers_my_roles_modules(mx, module):
    other = TrainingModuleFactory(key="filing", title="Filing well", role="")
    overdue = TrainingModuleFactory(key="review", title="Writing a review")
    assign(mx, module, users=[mx["pat"]], due_on=TODAY + dt.timedelta(days=3))
    assign(mx, overdue, users=[mx["pat"]], due_on=TODAY)

    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        html = html_of(client_of(mx["pat"]).get(reverse("reviews:training_list")))

    mine = html[html.index("my-training"):html.index("</table>")]
    assert mine.index("Writing a review") < mine.index("Running a war room")
    assert "Overdue" in mine and "Everyone's training" not in html
    assert reverse("reviews:training_module", args=[other.key]) in html  # for everyone, not assigned yet


def test_a_manager_sees_everyones_assignments_filtered_by_status(mx, module):
    assign(mx, module, users=[mx["pat"], mx["quinn"]], due_on=TODAY)
    training_complete(module=module, user=mx["quinn"], now=NOW)
    manager = client_of(mx["max"])

    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        overdue = html_of(manager.get(reverse("reviews:training_list"), {"status": "overdue"}))
        completed = html_of(manager.get(reverse("reviews:training_list"), {"status": "completed"}))

    everyone = overdue[overdue.index('id="all-assignments"'):]
    assert "Pat Ng" in everyone and "Quinn Ray" not in everyone
    assert "Quinn Ray" in completed[completed.index('id="all-assignments"'):]


def test_a_manager_assigns_a_role_from_the_page(mx, module):
    manager = client_of(mx["max"])
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()

    response = manager.post(reverse("reviews:training_assign"), {"module": "war-room", "role": RESPONDERS,
                                                                  "due_on": due}, follow=True)

    assert "“Running a war room” assigned to 4 people." in html_of(response)
    assert TrainingAssignment.objects.count() == 4


def test_the_assign_page_explains_what_is_missing_and_saves_nothing(mx, module):
    data = {"module": "war-room", "due_on": "2020-01-01"}

    response = client_of(mx["max"]).post(reverse("reviews:training_assign"), data)

    html = html_of(response)
    assert response.status_code == 400 and not TrainingAssignment.objects.exists()
    assert "Choose people, or a role." in html and "Pick today or a later day." in html


def test_the_assign_form_offers_active_people_by_name_like_the_drill_form(mx):
    mx["quinn"].is_active = False
    mx["quinn"].save()

    field = AssignForm().fields["people"]

    assert isinstance(field, PeopleField) and list(field.queryset) == list(active_people())
    labels = [label for _, label in field.choices]
    assert "Pat Ng" in labels and "Quinn Ray" not in labels


def test_people_without_the_right_cannot_open_the_assign_page(mx):
    assert client_of(mx["pat"]).get(reverse("reviews:training_assign")).status_code == 403


def test_the_person_page_shows_each_module_with_its_status(mx, module):
    filing = TrainingModuleFactory(key="filing", title="Filing well")
    assign(mx, module, users=[mx["pat"]], due_on=TODAY)
    assign(mx, filing, users=[mx["pat"]], due_on=TODAY + dt.timedelta(days=20))
    training_complete(module=filing, user=mx["pat"], now=NOW)

    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
        html = html_of(client_of(mx["max"]).get(reverse("matrix:person_detail", args=["pat"])))

    panel = html[html.index('id="person-training"'):]
    war_room = panel[panel.index('id="person-training-war-room"'):]
    assert "Overdue" in war_room[:war_room.index("</li>")] and "was due 2 Mar 2026" in war_room
    assert "completed 2 Mar 2026" in panel[panel.index('id="person-training-filing"'):]


@pytest.mark.parametrize(("viewer", "sees"), [("pat", True), ("max", True), ("lena", True), ("agent", False),
                                               ("quinn", False)])
def test_only_the_person_and_those_who_assign_see_their_training_on_the_person_page(mx, module, viewer, sees):
    assign(mx, module, users=[mx["pat"]], due_on=TODAY)

    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
        html = html_of(client_of(mx[viewer]).get(reverse("matrix:person_detail", args=["pat"])))

    assert ('id="person-training"' in html) is sees
    assert 'id="person-drills"' in html  # drills stay visible to everyone


def test_managers_write_modules_and_look_up_assignments_in_the_admin(mx, module):
    assign(mx, module, users=[mx["pat"]])
    training_complete(module=module, user=mx["pat"], now=NOW)
    admin = client_of(mx["max"])

    created = admin.post(reverse("admin:reviews_trainingmodule_add"), {
        "title": "Handing over a shift", "key": "handover", "role": "", "summary": "", "body": "## Before you go",
        "refresher_months": "", "active": "on",
    })
    listed = admin.get(reverse("admin:reviews_trainingassignment_changelist"))
    one = admin.get(reverse("admin:reviews_trainingassignment_change", args=[TrainingAssignment.objects.get().pk]))

    assert created.status_code == 302 and TrainingModule.objects.filter(key="handover").exists()
    assert listed.status_code == 200 and "Pat Ng" in html_of(listed)
    assert one.status_code == 200 and "Sept. 2, 2026" in html_of(one)  # the completion's refresher, read-only


def _training_admin_urls(assignment: TrainingAssignment) -> dict[str, str]:
    return {
        "changelist": reverse("admin:reviews_trainingassignment_changelist"),
        "change": reverse("admin:reviews_trainingassignment_change", args=[assignment.pk]),
        "history": reverse("admin:reviews_trainingassignment_history", args=[assignment.pk]),
    }


def test_approvers_cannot_read_anyones_training_status_in_the_admin(mx, module, role_user):
    assign(mx, module, users=[mx["pat"]])
    approver = client_of(role_user("Approvers"))  # staff, and reads every review: not someone who assigns

    for name, url in _training_admin_urls(TrainingAssignment.objects.get()).items():
        assert approver.get(url).status_code == 403, name
    index = html_of(approver.get(reverse("admin:index")))
    assert "Training modules" in index  # the modules stay readable …
    assert "Training assignments" not in index and "trainingassignment" not in index  # … whose status is not


@pytest.mark.parametrize("who", ["max", "lena"])  # a manager; an incident lead (who assigns too) made staff
def test_those_who_assign_training_read_assignments_and_their_history_in_the_admin(mx, module, who):
    assign(mx, module, users=[mx["pat"]])
    mx[who].is_staff = True
    mx[who].save(update_fields=["is_staff"])
    admin = client_of(mx[who])

    pages = {name: admin.get(url) for name, url in _training_admin_urls(TrainingAssignment.objects.get()).items()}

    assert {name: response.status_code for name, response in pages.items()} == dict.fromkeys(pages, 200)
    assert "Pat Ng" in html_of(pages["changelist"])
    assert "Training assignments" in html_of(admin.get(reverse("admin:index")))
