"""The demo matrix's past (``matrix.demo.past``): set up about 120 days ago, a few approved changes since,
so that time travel, "What changed" and the quarterly review show something on a fresh demo.

The demo's matrix only (the incidents' 90 days take far longer to load and add nothing here): the
command runs with no extension.
"""

import datetime as dt
import io
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from matrix import models as m
from matrix.demo import REASON
from matrix.demo.past import SET_UP_AGO
from matrix.selectors.changes import matrix_changes
from matrix.tests.test_admin import admin_form_data, assert_saved, change_url
from matrix.tests.test_governance_admin import decide
from matrix.timetravel import HistoricalSnapshot, end_of_day
from notifications.models import Notification
from notifications.models import Status as Delivery

User = get_user_model()

STORY = {  # the reasons of the approved changes, oldest first
    "Mobile team formed: it takes the apps over from Platform",
    "Disputes reached tier 1 first: the refunds rule takes them",
    "Checkout SEV1 review: bring SRE's lead in sooner",
    "Logins were closed as fixed before the customer could sign in",
    "PayFlow moved its merchant support line",
}
REJECTED = "Export jobs run on SRE's batch cluster"


def loaddemo() -> str:
    out = io.StringIO()
    with mock.patch("matrix.management.commands.loaddemo.demo_extensions", return_value=[]):
        call_command("loaddemo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module in a transaction rolled back at the end; each test nests
    inside it as a savepoint. Yields the moment loading started."""
    with django_db_blocker.unblock(), transaction.atomic():
        started = timezone.now()
        loaddemo()
        yield started
        transaction.set_rollback(True)


@pytest.fixture
def started(demo_loaded, db) -> dt.datetime:
    return demo_loaded


@pytest.fixture
def as_user(client):
    def login(username: str):
        client.force_login(User.objects.get(username=username))
        return client

    return login


def footprint() -> dict[str, int]:
    counts = {model.__name__: model.history.count() for model in m.MATRIX_MODELS}
    counts |= {"change requests": m.ChangeRequest.objects.count(), "notifications": Notification.objects.count()}
    return counts


def matrix_page(client, day: dt.date | None = None):
    response = client.get(reverse("matrix:home"), {"as_of": day.isoformat()} if day else {})
    assert response.status_code == 200
    return response


def area_row(response, key: str):
    return next(row for row in response.context["page"].rows if row.area.key == key)


# --- time travel ---------------------------------------------------------------------------------------------
def test_the_matrix_100_days_ago_has_the_mobile_app_owned_by_platform_and_today_by_mobile(started, as_user):
    agent = as_user("agent")
    day = timezone.localdate() - dt.timedelta(days=100)
    then = matrix_page(agent, day)
    today = matrix_page(agent)

    assert area_row(then, "mobile-app").owner.key == "platform"
    assert area_row(today, "mobile-app").owner.key == "mobile"
    assert "The matrix as it stood on" in then.content.decode()
    # What the story changed later is not there yet: the quicker checkout SEV1 step, "dispute" in the refunds rule.
    sev1 = [next(c for c in area_row(page, "checkout").cells if c.tier.key == "sev1") for page in (then, today)]
    assert [[step.delay_minutes for step in cell.steps][:2] for cell in sev1] == [[0, 10], [0, 5]]
    rules = {rule.key: rule.keywords for rule in HistoricalSnapshot(end_of_day(day)).rules}
    assert rules["refunds-chargebacks"] == "refund, chargeback" and "card-declines" in rules


def test_before_the_set_up_the_matrix_had_nothing_recorded(started, as_user):
    day = timezone.localdate() - SET_UP_AGO - dt.timedelta(days=2)

    html = matrix_page(as_user("agent"), day).content.decode()

    assert "the matrix had nothing recorded yet" in html


def test_the_set_up_is_moved_back_whole_and_in_order(started):
    dates = []
    for model in m.MATRIX_MODELS:
        records = model.history.filter(history_change_reason=REASON).order_by("history_id")
        dates += records.values_list("history_date", flat=True)
        assert not model.objects.filter(created_at__gte=started).exists(), model.__name__  # rows moved too
        assert not model.objects.filter(updated_at__gte=started).exists(), model.__name__
    assert started - SET_UP_AGO <= min(dates) < max(dates) < started - SET_UP_AGO + dt.timedelta(minutes=5)
    assert len(set(dates)) > len(dates) / 2  # shifted, not flattened: still the moments they were written


# --- what changed, and the change requests -------------------------------------------------------------------
def test_what_changed_in_the_last_90_days_is_the_story_by_the_manager_approved_by_the_approver(started, as_user):
    since = (timezone.localdate() - dt.timedelta(days=90)).isoformat()
    response = as_user("agent").get(reverse("matrix:changes"), {"since": since})
    assert response.status_code == 200
    changes = [(item, change) for item in response.context["page"].objects for change in item.changes]

    assert {change.reason for _, change in changes} == set(STORY)
    assert {(change.author, change.approver) for _, change in changes} == {("manager", "approver")}
    lines = {line for _, change in changes for line in change.diffs}
    assert "Owner team: Platform → Mobile" in lines
    assert "Delay minutes: 10 → 5" in lines
    assert "Phone: +44 20 7946 0100 → +44 20 7946 0102" in lines
    assert "Keywords: refund, chargeback → refund, chargeback, dispute" in lines
    added = {item.label for item, change in changes if change.operation == "added"}
    assert added == {"The affected customer signs in successfully while you watch."}
    # Oldest first, each on its own working day between 75 and 10 days ago.
    whens = [change.when for _, change in sorted(changes, key=lambda pair: pair[1].when)]
    assert whens[0] < started - dt.timedelta(days=74) and whens[-1] < started - dt.timedelta(days=9)
    assert all(when.weekday() < 5 for when in whens)


def test_the_set_up_day_lists_the_set_up_and_none_of_the_story(started):
    set_up = started - SET_UP_AGO

    found = matrix_changes(set_up - dt.timedelta(hours=1), set_up + dt.timedelta(days=1))

    assert {change.reason for item in found for change in item.changes} == {REASON}
    keys = {item.key for item in found}
    assert {"mobile-app", "checkout-sev1", "payflow"} <= keys
    assert "refunds-chargebacks" in keys  # set up then; the story only widens its keywords, 60 days ago


def test_the_change_requests_are_dated_in_the_story_and_what_they_told_was_delivered_then(started):
    requests = {cr.reason: cr for cr in m.ChangeRequest.objects.select_related("author", "approver")}

    assert set(requests) == {*STORY, REJECTED}
    for reason, cr in requests.items():
        assert (cr.author.username, cr.approver.username) == ("manager", "approver")
        assert cr.status == ("rejected" if reason == REJECTED else "approved")
        assert cr.created_at < cr.decided_at == cr.updated_at < started - dt.timedelta(days=9)
        told = Notification.objects.filter(payload__change_request=cr.pk)
        assert {n.user.username for n in told} == {"manager", "approver"}
        for notification in told:
            moment = cr.created_at if notification.payload["event"] == "submitted" else cr.decided_at
            assert (notification.status, notification.created_at) == (Delivery.SENT, moment)
            assert notification.sent_at > moment
    assert "Product's squad builds them" in requests[REJECTED].decision_comment
    assert m.ProductArea.objects.get(key="data-exports").owner_team.key == "product"  # rejected: untouched


# --- idempotent, and only on the load that creates the matrix ----------------------------------------------
@pytest.mark.parametrize("later", [dt.timedelta(0), dt.timedelta(days=45)])
def test_running_loaddemo_again_writes_no_history_and_no_change_request(started, later):
    before = footprint()
    updated = {model.__name__: sorted(model.objects.values_list("pk", "updated_at")) for model in m.MATRIX_MODELS}

    with time_machine.travel(timezone.now() + later, tick=False):
        loaddemo()

    assert footprint() == before
    assert {model.__name__: sorted(model.objects.values_list("pk", "updated_at"))
            for model in m.MATRIX_MODELS} == updated


def test_a_demo_object_repaired_after_real_use_is_not_moved_into_the_past(started):
    area = m.ProductArea.objects.get(key="checkout")
    area.owner_team = m.Team.objects.get(key="mobile")
    area._change_reason = "Trying something"
    area.save()
    requests = m.ChangeRequest.objects.count()
    reloaded = timezone.now()

    loaddemo()

    latest, real_use = area.history.order_by("-history_id")[:2]
    assert (latest.history_change_reason, latest.owner_team.key) == (REASON, "payments")
    assert real_use.history_change_reason == "Trying something"
    assert real_use.history_date < latest.history_date and latest.history_date >= reloaded
    assert m.ChangeRequest.objects.count() == requests


# --- editing after the shift ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("model", "key", "field", "value"), [
    (m.ProductArea, "mobile-app", "description", "The iOS and Android apps."),  # changed by the story
    (m.ProductArea, "search", "description", "Product search."),  # only set up
    (m.RoutingRule, "refunds-chargebacks", "keywords", "refund, chargeback, dispute, reversal"),  # changed by it
])
def test_an_admin_edit_after_the_shift_is_approved_without_a_false_conflict(started, as_user, settings, model, key,
                                                                              field, value):
    settings.MATRIX_APPROVALS = True
    obj = model.objects.get(key=key)
    manager = as_user("manager")
    page = manager.get(change_url(obj))
    assert_saved(manager.post(change_url(obj), admin_form_data(page, **{field: value, "change_reason": "Tidy up"})))
    change_request = m.ChangeRequest.objects.get(reason="Tidy up")

    decide(as_user("approver"), change_request, "approve")

    change_request.refresh_from_db()
    assert (change_request.status, change_request.conflict) == ("approved", "")
    assert getattr(model.objects.get(key=key), field) == value
