"""The demo's history tells nobody: what it writes to the outbox is delivered already, even after the commit.

A small demo (a few past incidents and the open ones) is loaded with its after-commit callbacks run, as
a real ``loaddemo`` does.
"""

from unittest import mock

import pytest
from django.db import transaction
from django.db.models.signals import post_save

from incidents.demo import history, load_incidents
from incidents.demo.outbox import delivery_prompts_dropped
from incidents.models import Incident
from matrix.demo import load_demo
from notifications.delivery import SKIPPED, notification_deliver
from notifications.models import Notification
from notifications.models import Status as Delivery
from notifications.services import notification_enqueue
from notifications.tasks import deliver_notifications


@pytest.fixture
def small_history(monkeypatch):
    monkeypatch.setattr(history, "PAST_COUNT", 6)


def tell_after_commit(sender, instance: Incident, created: bool, **kwargs) -> None:
    """Stands for an app above incidents that reacts once a move commits (reviews do, on resolve)."""
    if created:
        transaction.on_commit(lambda: notification_enqueue(
            channel="email", target="watcher@example.com", subject=f"Seen {instance.title}", body="…",
            dedupe_key=f"test-watcher:{instance.pk}", payload={"incident": instance.pk},
        ))


@pytest.mark.django_db
def test_the_demo_queues_no_delivery_and_what_others_tell_after_its_commit_is_history_too(
        small_history, django_capture_on_commit_callbacks):
    load_demo()
    post_save.connect(tell_after_commit, sender=Incident, dispatch_uid="test-demo-watcher")
    try:
        with mock.patch.object(deliver_notifications, "apply_async") as prompt, \
                django_capture_on_commit_callbacks(execute=True):
            summary = load_incidents()
    finally:
        post_save.disconnect(sender=Incident, dispatch_uid="test-demo-watcher")

    assert summary.startswith("Incidents: ")
    watched = Notification.objects.filter(dedupe_key__startswith="test-watcher:")
    assert watched.count() == Incident.objects.count() > 8
    assert not Notification.objects.exclude(status=Delivery.SENT).exists()
    # The only prompts are for what others told after the demo's commit (the watcher here; the reviews
    # app's, when it reviews a resolved incident); the worker finds those sent too and skips them.
    prompted = [pk for call in prompt.call_args_list for pk in call.args[0][0]]
    assert set(watched.values_list("pk", flat=True)) <= set(prompted)
    assert {notification_deliver(notification_id=pk) for pk in prompted} == {SKIPPED}
    assert Notification.objects.count() > 5 * len(prompted)  # the demo's own history is never prompted


@pytest.mark.django_db
def test_dropping_delivery_prompts_keeps_every_other_after_commit_callback(django_capture_on_commit_callbacks):
    ran = []
    with mock.patch.object(deliver_notifications, "apply_async") as prompt, \
            django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic(), delivery_prompts_dropped():
            notification_enqueue(channel="email", target="a@example.com", subject="s", body="b", dedupe_key="k1")
            transaction.on_commit(lambda: ran.append("reaction"))
        notification_enqueue(channel="email", target="b@example.com", subject="s", body="b", dedupe_key="k2")

    assert ran == ["reaction"]
    prompted = [pk for call in prompt.call_args_list for pk in call.args[0][0]]
    assert prompted == [Notification.objects.get(dedupe_key="k2").pk]
