"""What changed: every matrix change between two days, grouped by object, with who, who approved and why.

Runs over the story of test_timetravel.py: the matrix set up on Monday 2 March, reorganised through
approved change requests on Thursday 5 March.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matrix import models as m
from matrix.governance import Draft, change_request_approve, change_request_submit
from matrix.selectors.changes import matrix_change_count, matrix_changes
from matrix.tests.test_admin import admin_form_data, assert_saved, change_url
from matrix.tests.test_timetravel import REORG, SET_UP, TODAY, reorg
from matrix.timetravel import end_of_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(role_user) -> dict:
    return reorg(role_user)


def get_changes(client, **params):
    with time_machine.travel(TODAY, tick=False):
        response = client.get(reverse("matrix:changes"), params)
    assert response.status_code == 200
    return response


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def find(objects, model_label: str, key: str):
    return next(item for item in objects if item.model_label == model_label and item.key == key)


def test_an_approved_change_shows_what_changed_who_made_it_who_approved_it_and_why(agent_client, story):
    response = get_changes(agent_client, since="2026-03-05", until="2026-03-05")

    checkout = find(response.context["page"].objects, "matrix.productarea", "checkout")
    [change] = checkout.changes
    assert (change.operation, change.diffs) == ("changed", ["Owner team: Storefront → Payments"])
    assert (change.author, change.approver, change.reason) == ("morgan", "daniel", "Payments takes over checkout")
    assert change.when == REORG
    assert (checkout.model, checkout.label, checkout.url) == ("product area", "Checkout",
                                                              reverse("matrix:area_detail", args=["checkout"]))
    page = text(response)
    assert ("2026-03-05 10:00 changed Owner team: Storefront → Payments by Morgan Lee approved by Daniel Diaz "
            "Payments takes over checkout") in page


def test_each_object_lists_its_changes_oldest_first_and_the_latest_changed_object_comes_first(agent_client, story):
    stripe = story["stripe"]
    with time_machine.travel(REORG + dt.timedelta(hours=3), tick=False):
        stripe.name = "Stripe Payments"
        stripe._change_reason = "Renamed after the contract renewal"
        stripe.save()

    objects = get_changes(agent_client).context["page"].objects  # the last 30 days

    assert (objects[0].model_label, objects[0].label) == ("matrix.vendor", "Stripe Payments")
    step = next(item for item in objects if item.model_label == "matrix.escalationstep"
                and item.object_id == story["policy"].steps.get(position=2).pk)
    assert (step.label, step.parent) == ("Step 2 (+5 min)", "Checkout SEV1")
    assert [(c.operation, c.diffs[-1]) for c in step.changes] == [
        ("added", "Notify executives: no"),
        ("changed", "Notify users: — → Ned Tester"),
        ("changed", "Delay minutes: 15 → 5"),
        ("changed", "Notify users: Ned Tester → —"),
    ]
    assert [c.when for c in step.changes] == sorted(c.when for c in step.changes)


def test_a_change_made_without_approval_names_its_author_and_no_approver(agent_client, story, manager, settings):
    settings.MATRIX_APPROVALS = False
    search = story["search"]
    client = Client()
    client.force_login(manager)
    with time_machine.travel(REORG + dt.timedelta(hours=1), tick=False):  # saved in the admin, approvals off
        form = client.get(change_url(search))
        assert_saved(client.post(change_url(search), admin_form_data(form, name="Site search",
                                                                     change_reason="Clearer name")))

    item = find(get_changes(agent_client, since="2026-03-05").context["page"].objects, "matrix.productarea", "search")
    [change] = item.changes
    assert change.diffs == ["Name: Search → Site search"]
    assert (change.author, change.approver, change.reason) == (manager.username, None, "Clearer name")
    step = next(i for i in matrix_changes(end_of_day(dt.date(2026, 3, 4)), end_of_day(dt.date(2026, 3, 5)))
                if i.model_label == "matrix.escalationstep" and i.label == "Step 2 (+5 min)")
    assert (step.changes[-1].author, step.changes[-1].approver) == ("morgan", None)


def test_names_typed_into_a_reason_are_not_taken_for_an_approval(agent_client, story, manager, settings):
    settings.MATRIX_APPROVALS = False
    search = story["search"]
    client = Client()
    client.force_login(manager)
    with time_machine.travel(REORG + dt.timedelta(hours=1), tick=False):
        form = client.get(change_url(search))
        typed = "Clearer name — by alice, approved by bob"
        assert_saved(client.post(change_url(search), admin_form_data(form, name="Site search", change_reason=typed)))

    item = find(get_changes(agent_client, since="2026-03-05").context["page"].objects, "matrix.productarea", "search")

    [change] = item.changes
    assert (change.author, change.approver, change.reason) == (manager.username, None, typed)


def test_a_long_reason_and_long_names_are_kept_whole_in_the_history(agent_client, story, role_user):
    author = role_user("Managers", username="m" * 50)
    approver = role_user("Approvers", username="a" * 50)
    reason = "Q4 reorganisation: search moves to the platform group, as agreed in the review. " * 8  # 648 chars
    with time_machine.travel(REORG + dt.timedelta(hours=1), tick=False):
        search = m.ProductArea.objects.get(pk=story["search"].pk)
        search.name = "Site search"
        draft = Draft(author=author, reason=reason.strip())
        draft.record(search)
        change_request_approve(change_request=change_request_submit(draft=draft), approver=approver)
    record = m.ProductArea.history.filter(id=search.pk).latest("history_id")
    assert record.history_change_reason == f"{reason.strip()} — by {author.username}, approved by {approver.username}"

    item = find(get_changes(agent_client, since="2026-03-05").context["page"].objects, "matrix.productarea", "search")

    [change] = item.changes
    assert (change.author, change.approver, change.reason) == (author.username, approver.username, reason.strip())


def test_a_deleted_object_keeps_its_last_name_and_says_it_no_longer_exists(agent_client, story):
    response = get_changes(agent_client, since="2026-03-05")

    legacy = find(response.context["page"].objects, "matrix.productarea", "legacy")
    assert [c.operation for c in legacy.changes] == ["deleted"]
    assert (legacy.label, legacy.url, legacy.deleted) == ("Legacy", None, True)
    alice_slot = next(i for i in response.context["page"].objects if i.model_label == "matrix.rotationmember"
                      and i.deleted)
    assert (alice_slot.label, alice_slot.parent) == ("1. alice", "Payments — Primary")
    assert "Legacy no longer exists" in text(response)


def test_the_period_covers_both_days_whole_and_nothing_else(agent_client, story):
    set_up = get_changes(agent_client, since="2026-03-02", until="2026-03-02").context["page"]
    assert set_up.objects and {c.when for item in set_up.objects for c in item.changes} == {SET_UP}

    after = get_changes(agent_client, since="2026-03-06")
    assert after.context["page"].objects == []
    assert "No change to the matrix was recorded in this period." in text(after)
    assert "Nothing changed from Fri 6 Mar 2026 to Fri 6 Mar 2026." in text(after)


def test_the_default_period_is_the_last_30_days(agent_client, story):
    page = get_changes(agent_client).context["page"]

    assert (page.since, page.until) == (dt.date(2026, 2, 4), dt.date(2026, 3, 6))
    assert page.change_count == sum(len(item.changes) for item in page.objects) > 0


@pytest.mark.parametrize(("params", "message"), [
    ({"since": "2026-03-05", "until": "2026-03-02"}, "The period starts (2026-03-05) after it ends (2026-03-02)."),
    ({"since": "March"}, "From: Not a date: write it as YYYY-MM-DD, e.g. 2026-03-02."),
    ({"since": "2026-04-01"}, "From: 2026-04-01 is in the future: changes can only be shown up to today (2026-03-06)."),
])
def test_dates_that_make_no_period_are_refused_with_a_clear_message(agent_client, story, params, message):
    response = get_changes(agent_client, **params)

    assert response.context["page"] is None
    assert message in text(response)


def test_matrix_changes_costs_the_same_queries_for_one_change_as_for_many(story):
    period = (end_of_day(dt.date(2026, 3, 5)), end_of_day(dt.date(2026, 3, 6)))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            found = matrix_changes(*period)
        assert found
        return len(queries)

    def change_owner(area, team, at):
        with time_machine.travel(at, tick=False):
            area.refresh_from_db()
            area.owner_team = team
            draft = Draft(author=story["morgan"], reason=f"{team.name} owns {area.name}")
            draft.record(area)
            change_request_approve(change_request=change_request_submit(draft=draft), approver=story["daniel"])

    change_owner(story["checkout"], story["storefront"], TODAY + dt.timedelta(hours=1))
    one = count()
    teams = [story["storefront"], story["payments"]]
    for hour in range(2, 5):
        change_owner(story["checkout"], teams[(hour + 1) % 2], TODAY + dt.timedelta(hours=hour))
        change_owner(story["search"], teams[hour % 2], TODAY + dt.timedelta(hours=hour))
    many = count()

    assert many == one


def test_matrix_change_count_counts_every_record_after_a_moment_in_one_query(story, django_assert_num_queries):
    expected = sum(model.history.filter(history_date__gt=SET_UP).count() for model in m.MATRIX_MODELS)

    with django_assert_num_queries(1):
        assert matrix_change_count(SET_UP) == expected > 0
    assert matrix_change_count(SET_UP, until=SET_UP + dt.timedelta(days=1)) == 0


def test_what_changed_requires_login(client, story):
    response = client.get(reverse("matrix:changes"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_history_reason_parts_reads_back_what_an_approval_wrote(story):
    from matrix.governance.services import history_reason, history_reason_parts

    written = history_reason(reason="Payments takes over checkout " * 5, author=story["morgan"],
                             approver=story["daniel"])
    reason, author, approver = history_reason_parts(written)

    assert reason == "Payments takes over checkout " * 5  # whole
    assert (author, approver) == ("morgan", "daniel")
    assert history_reason_parts("Imported from matrix.yaml") == ("Imported from matrix.yaml", None, None)
    assert history_reason_parts(None) == ("", None, None)
