"""Approved changes through the admin: a manager's save drafts a change request, an approver applies it.

The direct path (approvals off) is covered by test_admin.py; these tests run with approvals on, the default.
"""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escalation_matrix.roles import APPROVERS, MANAGERS
from matrix import models as m
from matrix.tests import factories as f
from matrix.tests.test_admin import admin_form_data, assert_saved, change_url
from notifications.models import Notification

REASON = "Payments took over checkout in the Q3 reorg"


# --- people and pages ---------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def approvals_on(settings):
    settings.MATRIX_APPROVALS = True


@pytest.fixture
def area(db):
    return f.AreaFactory(key="checkout", name="Checkout", owner_team=f.TeamFactory(key="storefront", name="Storefront"))


@pytest.fixture
def payments(db):
    return f.TeamFactory(key="payments", name="Payments")


def text(response) -> str:
    """The page as a reader sees it: tags dropped, whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def review_url(change_request) -> str:
    return reverse("admin:matrix_changerequest_change", args=[change_request.pk])


def decide(client, change_request, decision: str, comment: str = ""):
    url = reverse("admin:matrix_changerequest_decide", args=[change_request.pk])
    return client.post(url, {"decision": decision, "comment": comment}, follow=True)


def propose(client, obj, **changes):
    """Post ``obj``'s admin form with ``changes`` and a reason, as a browser would; returns the followed response."""
    page = client.get(change_url(obj))
    data = admin_form_data(page, change_reason=changes.pop("change_reason", REASON), **changes)
    return client.post(change_url(obj), data, follow=True)


def propose_data(client, obj, data_changes: dict, **changes):
    page = client.get(change_url(obj))
    data = admin_form_data(page, change_reason=changes.pop("change_reason", REASON), **changes)
    data.update(data_changes)
    return data


# --- drafting ------------------------------------------------------------------------------------------------
def test_saving_an_area_drafts_a_pending_request_with_the_diff_and_leaves_the_matrix_unchanged(
    morgan_client, morgan, area, payments
):
    version = area.history.latest().history_id

    response = propose(morgan_client, area, owner_team=payments.pk)

    change_request = m.ChangeRequest.objects.get()
    assert response.redirect_chain[-1][0] == review_url(change_request)
    assert any(message.startswith("Pending approval") for message in messages_of(response))
    assert "Pending approval" in text(response)
    assert "Owner team: Storefront → Payments" in text(response)
    area.refresh_from_db()
    assert area.owner_team.key == "storefront"
    assert (change_request.author, change_request.reason, change_request.status) == (morgan, REASON, "pending")
    assert (change_request.operation, change_request.target_object_id) == ("change", area.pk)
    assert change_request.target_content_type.model_class() is m.ProductArea
    [entry] = change_request.diff["objects"]
    assert entry["op"] == "change" and entry["version"]["history_id"] == version
    assert entry["fields"] == {"owner_team": {
        "old": {"id": area.owner_team_id, "key": "storefront", "label": "Storefront"},
        "new": {"id": payments.pk, "key": "payments", "label": "Payments"},
    }}


def test_a_form_with_errors_shows_them_as_before_and_drafts_nothing(morgan_client, area, payments):
    no_reason = propose(morgan_client, area, owner_team=payments.pk, change_reason=" ")
    bad_inline = morgan_client.post(change_url(area), propose_data(
        morgan_client, area, {"roster-TOTAL_FORMS": "1", "roster-0-role": "not-a-role", "roster-0-area": area.pk},
    ))

    assert no_reason.context["adminform"].form.errors["change_reason"]
    assert bad_inline.status_code == 200 and bad_inline.context["inline_admin_formsets"][0].formset.errors[0]
    assert not m.ChangeRequest.objects.exists()


def test_saving_without_a_change_drafts_nothing(morgan_client, area):
    response = propose(morgan_client, area)

    assert "Nothing changed, so there is nothing to approve." in messages_of(response)
    assert not m.ChangeRequest.objects.exists()


def test_a_new_request_notifies_approvers_but_not_its_author(morgan_client, morgan, daniel, area, payments, role_user):
    manager_with_permission = role_user(MANAGERS, username="mia", email="mia@example.com")
    manager_with_permission.user_permissions.add(Permission.objects.get(codename="approve_changerequest"))
    morgan.user_permissions.add(Permission.objects.get(codename="approve_changerequest"))

    propose(morgan_client, area, owner_team=payments.pk)

    told = Notification.objects.filter(payload__event="submitted")
    assert sorted(told.values_list("target", flat=True)) == ["daniel@example.com", "mia@example.com"]
    body = told.first().body
    assert "Owner team: Storefront → Payments" in body and REASON in body


def test_the_change_page_of_an_object_lists_its_pending_requests(morgan_client, area, payments):
    propose(morgan_client, area, owner_team=payments.pk)

    response = morgan_client.get(change_url(area))

    number = m.ChangeRequest.objects.get().pk
    assert f"Pending change requests for this product area: #{number} by morgan" in text(response)
    assert "Saving proposes this change" in text(response)
    # A team added in a popup would only be proposed, and the form could not pick it: no "+" links.
    assert "add-related" not in response.content.decode()


# --- deciding ------------------------------------------------------------------------------------------------
def test_approver_approves_and_history_names_author_approver_and_reason(
    morgan_client, daniel_client, daniel, area, payments
):
    propose(morgan_client, area, owner_team=payments.pk)
    change_request = m.ChangeRequest.objects.get()
    review = daniel_client.get(review_url(change_request))
    assert 'value="approve"' in review.content.decode() and "Owner team: Storefront → Payments" in text(review)

    response = decide(daniel_client, change_request, "approve", "Agreed in the ops review")

    assert f"Change request #{change_request.pk} is approved and applied to the matrix." in messages_of(response)
    area.refresh_from_db()
    assert area.owner_team == payments
    latest = area.history.latest()
    assert latest.history_change_reason == f"{REASON} — by morgan, approved by daniel"
    assert latest.history_user == daniel
    change_request.refresh_from_db()
    assert (change_request.status, change_request.approver, change_request.decision_comment) == (
        "approved", daniel, "Agreed in the ops review"
    )
    told = Notification.objects.get(payload__event="approved")
    assert told.target == "morgan@example.com" and "daniel approved" in told.body


def test_author_cannot_approve_their_own_request_even_as_a_manager_with_the_permission(
    morgan_client, morgan, area, payments
):
    morgan.user_permissions.add(Permission.objects.get(codename="approve_changerequest"))
    propose(morgan_client, area, owner_team=payments.pk)
    change_request = m.ChangeRequest.objects.get()
    assert 'value="approve"' not in morgan_client.get(review_url(change_request)).content.decode()

    response = decide(morgan_client, change_request, "approve")

    assert f"You drafted change request #{change_request.pk}: an approver other than its author must decide it." in (
        messages_of(response)
    )
    area.refresh_from_db()
    assert area.owner_team.key == "storefront"
    assert m.ChangeRequest.objects.get().status == "pending"


def test_a_manager_granted_the_permission_approves_another_managers_request(
    morgan_client, area, payments, role_user
):
    mia = role_user(MANAGERS, username="mia")
    mia.user_permissions.add(Permission.objects.get(codename="approve_changerequest"))
    propose(morgan_client, area, owner_team=payments.pk)
    mia_client = Client()
    mia_client.force_login(mia)

    decide(mia_client, m.ChangeRequest.objects.get(), "approve")

    area.refresh_from_db()
    assert area.owner_team == payments


def test_people_who_are_not_approvers_cannot_decide(morgan_client, area, payments, role_user):
    propose(morgan_client, area, owner_team=payments.pk)
    change_request = m.ChangeRequest.objects.get()
    url = reverse("admin:matrix_changerequest_decide", args=[change_request.pk])

    other_manager = Client()
    other_manager.force_login(role_user(MANAGERS, username="max"))
    assert other_manager.post(url, {"decision": "approve"}).status_code == 403
    assert Client().post(url, {"decision": "approve"}).status_code == 302  # to the login page
    assert other_manager.get(url).status_code == 405
    area.refresh_from_db()
    assert area.owner_team.key == "storefront"
    assert m.ChangeRequest.objects.get().status == "pending"


def test_reject_needs_a_comment_leaves_the_matrix_untouched_and_tells_the_author(
    morgan_client, daniel_client, area, payments
):
    propose(morgan_client, area, owner_team=payments.pk)
    change_request = m.ChangeRequest.objects.get()
    records = area.history.count()

    refused = decide(daniel_client, change_request, "reject", "  ")
    assert "Say why you reject it: the author reads your comment." in messages_of(refused)
    decide(daniel_client, change_request, "reject", "Payments has no on-call yet")

    area.refresh_from_db()
    assert area.owner_team.key == "storefront" and area.history.count() == records
    change_request.refresh_from_db()
    assert (change_request.status, change_request.decision_comment) == ("rejected", "Payments has no on-call yet")
    told = Notification.objects.get(payload__event="rejected")
    assert told.target == "morgan@example.com" and "Payments has no on-call yet" in told.body


def test_a_decided_request_cannot_be_decided_again(morgan_client, daniel_client, area, payments, role_user):
    propose(morgan_client, area, owner_team=payments.pk)
    change_request = m.ChangeRequest.objects.get()
    decide(daniel_client, change_request, "approve")
    second = Client()
    second.force_login(role_user(APPROVERS, username="erin"))

    response = decide(second, change_request, "reject", "Too late")

    assert any(f"Change request #{change_request.pk} was already approved by daniel" in message
               for message in messages_of(response))
    assert m.ChangeRequest.objects.get().status == "approved"


def test_the_author_may_withdraw_a_pending_request(morgan_client, area, payments):
    propose(morgan_client, area, owner_team=payments.pk)
    change_request = m.ChangeRequest.objects.get()

    decide(morgan_client, change_request, "withdraw")

    change_request.refresh_from_db()
    assert change_request.status == "withdrawn"
    area.refresh_from_db()
    assert area.owner_team.key == "storefront"


# --- conflicts -----------------------------------------------------------------------------------------------
def test_request_whose_target_changed_after_drafting_is_conflicted_and_nothing_is_applied(
    morgan_client, daniel_client, area, payments, settings
):
    propose(morgan_client, area, owner_team=payments.pk)
    change_request = m.ChangeRequest.objects.get()
    settings.MATRIX_APPROVALS = False  # someone renames the area directly meanwhile
    propose(morgan_client, area, name="Checkout & cart", change_reason="Clearer name")
    settings.MATRIX_APPROVALS = True

    response = decide(daniel_client, change_request, "approve")

    change_request.refresh_from_db()
    assert change_request.status == "conflicted"
    assert "Product area “Checkout” was changed by morgan" in change_request.conflict
    assert any("must be redrafted" in message for message in messages_of(response))
    area.refresh_from_db()
    assert (area.name, area.owner_team.key) == ("Checkout & cart", "storefront")
    assert Notification.objects.filter(payload__event="conflicted", target="morgan@example.com").exists()


def test_approving_one_of_two_requests_on_an_object_makes_the_other_conflict(
    morgan_client, daniel_client, area, payments, role_user
):
    propose(morgan_client, area, owner_team=payments.pk)
    other = Client()
    other.force_login(role_user(MANAGERS, username="max"))
    propose(other, area, name="Cart")
    first, second = m.ChangeRequest.objects.order_by("pk")

    decide(daniel_client, first, "approve")
    decide(daniel_client, second, "approve")

    area.refresh_from_db()
    assert (area.name, area.owner_team) == ("Checkout", payments)
    assert m.ChangeRequest.objects.get(pk=second.pk).status == "conflicted"


# --- the change request pages --------------------------------------------------------------------------------
def test_change_request_list_shows_status_author_target_and_approver_and_filters_by_status(
    morgan_client, daniel_client, area, payments, morgan, daniel
):
    propose(morgan_client, area, owner_team=payments.pk)
    decide(daniel_client, m.ChangeRequest.objects.get(), "approve")
    propose(morgan_client, area, name="Cart")
    url = reverse("admin:matrix_changerequest_changelist")

    page = text(daniel_client.get(url))
    pending = daniel_client.get(url, {"status__exact": "pending"}).context["cl"].result_list

    # By name, with the username the history records.
    author = f"{morgan.get_full_name()} (morgan)"
    assert f"Pending approval Change product area “Checkout” {author}" in page
    assert f"Approved Change product area “Checkout” {author}" in page
    assert f"{daniel.get_full_name()} (daniel)" in page
    assert [c.status for c in pending] == ["pending"]


def test_change_requests_cannot_be_added_edited_or_deleted_through_admin_forms(morgan_client, area, payments):
    propose(morgan_client, area, owner_team=payments.pk)
    change_request = m.ChangeRequest.objects.get()

    assert morgan_client.get(reverse("admin:matrix_changerequest_add")).status_code == 403
    assert morgan_client.post(reverse("admin:matrix_changerequest_delete", args=[change_request.pk]),
                              {"post": "yes"}).status_code == 403
    assert m.ChangeRequest.objects.get().status == "pending"


def test_approvals_off_saves_directly_without_a_change_request(morgan_client, morgan, area, payments, settings):
    settings.MATRIX_APPROVALS = False

    response = propose(morgan_client, area, owner_team=payments.pk)

    assert "was changed successfully" in text(response)
    area.refresh_from_db()
    assert area.owner_team == payments
    assert (area.history.latest().history_change_reason, area.history.latest().history_user) == (REASON, morgan)
    assert not m.ChangeRequest.objects.exists()


def test_saved_response_redirects_even_with_continue_editing(morgan_client, area, payments):
    page = morgan_client.get(change_url(area))
    data = admin_form_data(page, owner_team=payments.pk, change_reason=REASON, _continue="1")

    response = morgan_client.post(change_url(area), data)

    assert_saved(response)
    assert response["Location"] == review_url(m.ChangeRequest.objects.get())


def test_change_request_list_queries_do_not_grow_with_the_number_of_requests(
    morgan_client, daniel_client, area, payments
):
    url = reverse("admin:matrix_changerequest_changelist")
    propose(morgan_client, area, owner_team=payments.pk)
    daniel_client.get(url)
    with CaptureQueriesContext(connection) as few:
        daniel_client.get(url)

    for name in ["Cart", "Basket", "Till"]:
        propose(morgan_client, area, name=name)
    decide(daniel_client, m.ChangeRequest.objects.order_by("pk").first(), "approve")
    with CaptureQueriesContext(connection) as many:
        assert daniel_client.get(url).status_code == 200

    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
