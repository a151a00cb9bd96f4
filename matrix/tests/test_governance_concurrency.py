"""Approvals under concurrency, on PostgreSQL: row locks make two simultaneous approvals apply a change once.

SQLite ignores ``SELECT … FOR UPDATE``, so these run only with PostgreSQL (``services`` marker).
"""

import threading
import time

import pytest
from django.db import connection
from django.test import Client

from escalation_matrix.roles import APPROVERS, MANAGERS
from matrix import models as m
from matrix.governance import ChangeRequestError, change_request_approve
from matrix.governance import services as governance_services
from matrix.tests import factories as f
from matrix.tests.test_admin import admin_form_data, change_url

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def approvals_on(settings):
    settings.MATRIX_APPROVALS = True


@pytest.fixture
def slow_apply(monkeypatch):
    """Hold the locks a little after applying: the window a second, unlocked approval would slip through."""
    real = governance_services.apply_diff

    def apply_then_linger(*args, **kwargs):
        real(*args, **kwargs)
        time.sleep(0.3)

    monkeypatch.setattr(governance_services, "apply_diff", apply_then_linger)


def propose(user, obj, reason: str, **changes) -> m.ChangeRequest:
    client = Client()
    client.force_login(user)
    client.post(change_url(obj), admin_form_data(client.get(change_url(obj)), change_reason=reason, **changes))
    return m.ChangeRequest.objects.filter(author=user).latest("pk")


def approve_at_once(pairs: list[tuple]) -> dict[str, str]:
    """Each (change request, approver) approved in its own thread, all released together; → outcome per approver."""
    barrier = threading.Barrier(len(pairs))
    outcomes: dict[str, str] = {}

    def approve(change_request, approver):
        try:
            barrier.wait()
            decided = change_request_approve(change_request=change_request, approver=approver)
            outcomes[approver.username] = decided.status
        except ChangeRequestError as exc:
            outcomes[approver.username] = str(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_approvers_approving_the_same_request_at_once_apply_it_once(role_user, slow_apply):
    morgan = role_user(MANAGERS, username="morgan")
    daniel, erin = role_user(APPROVERS, username="daniel"), role_user(APPROVERS, username="erin")
    area = f.AreaFactory(key="checkout", name="Checkout", owner_team=f.TeamFactory(key="storefront"))
    payments = f.TeamFactory(key="payments", name="Payments")
    change_request = propose(morgan, area, "Q3 reorg", owner_team=payments.pk)

    outcomes = approve_at_once([(change_request, daniel), (change_request, erin)])

    winner = next(name for name, outcome in outcomes.items() if outcome == "approved")
    [loser_message] = [outcome for outcome in outcomes.values() if outcome != "approved"]
    assert loser_message.startswith(f"Change request #{change_request.pk} was already approved by {winner}")
    area.refresh_from_db()
    assert area.owner_team == payments
    applied = area.history.filter(history_change_reason__contains="approved by")
    assert [record.history_change_reason for record in applied] == [f"Q3 reorg — by morgan, approved by {winner}"]
    change_request.refresh_from_db()
    assert (change_request.status, change_request.approver.username) == ("approved", winner)


def test_two_requests_on_one_area_approved_at_once_apply_one_and_conflict_the_other(role_user, slow_apply):
    morgan, max_ = role_user(MANAGERS, username="morgan"), role_user(MANAGERS, username="max")
    daniel, erin = role_user(APPROVERS, username="daniel"), role_user(APPROVERS, username="erin")
    area = f.AreaFactory(key="checkout", name="Checkout", owner_team=f.TeamFactory(key="storefront"))
    payments = f.TeamFactory(key="payments", name="Payments")
    new_owner = propose(morgan, area, "Q3 reorg", owner_team=payments.pk)
    new_name = propose(max_, area, "Clearer name", name="Checkout & cart")

    outcomes = approve_at_once([(new_owner, daniel), (new_name, erin)])

    assert sorted(outcomes.values()) == ["approved", "conflicted"]
    area.refresh_from_db()
    applied_owner = outcomes["daniel"] == "approved"
    assert (area.owner_team == payments) is applied_owner
    assert (area.name == "Checkout & cart") is not applied_owner
