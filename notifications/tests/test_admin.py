"""The outbox in the admin: managers see what was sent and why it failed, and retry dead letters."""

import pytest
from django.test import Client
from django.urls import reverse

from escalation_matrix.roles import APPROVERS
from notifications.models import Status

from .factories import NotificationFactory

pytestmark = pytest.mark.django_db


def changelist() -> str:
    return reverse("admin:notifications_notification_changelist")


def retry(client, *notifications):
    return client.post(
        changelist(), {"action": "retry", "_selected_action": [n.pk for n in notifications]}, follow=True
    )


def test_managers_see_the_outbox_with_status_and_error_but_never_the_secret(manager_client):
    dead = NotificationFactory(
        channel="webhook", target="https://hooks.example.com/ops", secret="topsecret-value",
        status=Status.DEAD, attempts=6, last_error="hooks.example.com answered HTTP 500",
    )

    listing = manager_client.get(changelist())
    detail = manager_client.get(reverse("admin:notifications_notification_change", args=[dead.pk]))

    assert listing.status_code == detail.status_code == 200
    assert dead.subject in listing.text and "https://hooks.example.com/ops" in listing.text
    assert "hooks.example.com answered HTTP 500" in detail.text
    assert "topsecret-value" not in listing.text + detail.text


def test_the_list_filters_by_status_channel_and_drill(manager_client):
    NotificationFactory(subject="Real one", status=Status.DEAD)
    NotificationFactory(subject="Drill one", is_drill=True, channel="slack", target="https://hooks.example.com/s")

    dead = manager_client.get(changelist(), {"status__exact": "dead"}).text
    drills = manager_client.get(changelist(), {"is_drill__exact": "1", "channel__exact": "slack"}).text

    assert "Real one" in dead and "Drill one" not in dead
    assert "Drill one" in drills and "Real one" not in drills


def test_retry_puts_dead_and_failed_notifications_back_in_line_and_dispatches_them(
    manager_client, broker, django_capture_on_commit_callbacks
):
    dead = NotificationFactory(status=Status.DEAD, attempts=6, last_error="HTTP 500")
    failed = NotificationFactory(status=Status.PENDING, attempts=2, last_error="timeout")
    sent = NotificationFactory(status=Status.SENT, attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = retry(manager_client, dead, failed, sent)

    assert "2 notification(s) queued for another attempt" in response.text
    assert "1 skipped" in response.text
    dead.refresh_from_db()
    sent.refresh_from_db()
    assert (dead.status, dead.attempts) == (Status.PENDING, 6)  # the attempts tell the story
    assert sent.status == Status.SENT
    assert sorted(broker.ids()) == sorted([dead.pk, failed.pk])


def test_a_retried_dead_letter_gets_one_more_attempt(manager_client, mailoutbox):
    from notifications.delivery import notification_deliver

    dead = NotificationFactory(status=Status.DEAD, attempts=6)
    retry(manager_client, dead)

    assert notification_deliver(notification_id=dead.pk) == "sent"
    assert len(mailoutbox) == 1


def test_the_outbox_cannot_be_written_by_hand(manager_client):
    row = NotificationFactory(subject="Original")
    change = reverse("admin:notifications_notification_change", args=[row.pk])

    assert manager_client.get(reverse("admin:notifications_notification_add")).status_code == 403
    assert manager_client.get(reverse("admin:notifications_notification_delete", args=[row.pk])).status_code == 403
    manager_client.post(change, {"subject": "Forged", "status": "sent"})

    row.refresh_from_db()
    assert (row.subject, row.status) == ("Original", Status.PENDING)
    assert 'name="_save"' not in manager_client.get(change).text


def test_staff_without_the_outbox_permission_cannot_see_or_retry_it(role_user, broker):
    dead = NotificationFactory(status=Status.DEAD)
    client = Client()
    client.force_login(role_user(APPROVERS))  # staff, but no rights on notifications

    assert client.get(changelist()).status_code == 403
    assert client.post(changelist(), {"action": "retry", "_selected_action": [dead.pk]}).status_code == 403
    dead.refresh_from_db()
    assert dead.status == Status.DEAD
    assert broker.ids() == []


def test_support_agents_are_sent_to_login(agent_client):
    response = agent_client.get(changelist())

    assert response.status_code == 302 and "login" in response["Location"]
