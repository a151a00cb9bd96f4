"""A decided change request (approved or rejected) is the record of who asked, who decided and why: the admin
never edits nor deletes it, and deciding it again is refused with a clear message."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from matrix import models as m
from matrix.tests import test_governance_admin as governance
from matrix.tests.test_admin import admin_form_data, change_url

# The same rows as the change-request pages' tests, with approvals on.
REASON, approvals_on, area, payments = governance.REASON, governance.approvals_on, governance.area, governance.payments


def decide(client, change_request, decision: str, comment: str = ""):
    return client.post(reverse("admin:matrix_changerequest_decide", args=[change_request.pk]),
                       {"decision": decision, "comment": comment}, follow=True)


def record(change_request: m.ChangeRequest) -> tuple:
    change_request.refresh_from_db()
    return (change_request.status, change_request.approver_id, change_request.decided_at,
            change_request.decision_comment, change_request.reason, change_request.diff, change_request.author_id)


@pytest.fixture(params=["approve", "reject"])
def decided(request, morgan_client, daniel_client, area, payments):
    page = morgan_client.get(change_url(area))
    morgan_client.post(change_url(area), admin_form_data(page, change_reason=REASON, owner_team=payments.pk))
    change_request = m.ChangeRequest.objects.get()
    decide(daniel_client, change_request, request.param, "Decided in the ops review")
    change_request.refresh_from_db()
    assert change_request.status == {"approve": "approved", "reject": "rejected"}[request.param]
    return change_request


def test_a_decided_change_request_cannot_be_decided_again(morgan_client, daniel_client, decided, area):
    area.refresh_from_db()
    before, owner = record(decided), area.owner_team_id
    for client, decision in [(daniel_client, "approve"), (daniel_client, "reject"), (morgan_client, "withdraw"),
                             (morgan_client, "dismiss")]:
        response = decide(client, decided, decision, "Changed my mind")
        assert response.status_code == 200
        assert any(f"#{decided.pk}" in str(message) for message in response.context["messages"]), decision

    assert record(decided) == before
    area.refresh_from_db()
    assert area.owner_team_id == owner


def test_a_decided_change_request_cannot_be_edited_or_deleted_in_the_admin(daniel_client, decided):
    before = record(decided)
    root = Client()
    root.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "x"))
    url = reverse("admin:matrix_changerequest_change", args=[decided.pk])
    edit = {"status": "pending", "reason": "Rewritten", "decision_comment": "Rewritten", "_save": "Save"}

    for client in (daniel_client, root):
        page = client.get(url).content.decode()
        assert 'value="approve"' not in page and 'value="reject"' not in page and 'name="_save"' not in page
        client.post(url, edit)  # the page is a read-only view: a post changes nothing
        assert client.post(reverse("admin:matrix_changerequest_delete", args=[decided.pk]),
                           {"post": "yes"}).status_code == 403
        bulk = client.post(reverse("admin:matrix_changerequest_changelist"),
                           {"action": "delete_selected", "_selected_action": [decided.pk], "post": "yes"})
        assert bulk.status_code in (200, 302, 403)

    assert m.ChangeRequest.objects.filter(pk=decided.pk).exists()
    assert record(decided) == before
