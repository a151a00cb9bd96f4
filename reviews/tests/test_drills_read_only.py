"""A drill whose debrief is published is the record of how it went: nothing about it changes, in the admin or on
its pages."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from incidents.tests.factories import MONDAY
from matrix.tests.test_admin import admin_form_data
from reviews.drills import services
from reviews.models import Drill
from reviews.services import ReviewStateError

from .factories import scheduled_drill

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def finished(mx, django_capture_on_commit_callbacks):
    drill = services.drill_start(drill=scheduled_drill(mx), user=mx["lena"], now=MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        return services.drill_end(drill=drill, user=mx["lena"], now=MONDAY + dt.timedelta(minutes=20))


def publish(drill: Drill, user) -> Drill:
    services.drill_debrief_save(drill=drill, user=user, sections={"summary": "We practised failover."})
    return services.drill_debrief_publish(drill=drill, user=user)


def record(drill: Drill) -> tuple:
    drill.refresh_from_db()
    return (drill.title, drill.scenario, drill.debrief, drill.debrief_published_at, drill.time_to_acknowledge,
            drill.right_team_first, drill.checklist_done, drill.facilitator_id, drill.status)


def test_a_published_drill_cannot_be_changed_in_the_admin(mx, finished):
    manager = client_of(mx["max"])
    url = reverse("admin:reviews_drill_change", args=[finished.pk])
    data = admin_form_data(manager.get(url), title="Renamed after the fact")  # the title was editable until now
    publish(finished, mx["lena"])
    before = record(finished)

    assert manager.post(url, data).status_code == 403

    assert record(finished) == before
    page = manager.get(url).content.decode()
    assert 'name="_save"' not in page and 'name="title"' not in page and "deletelink" not in page


def test_not_even_a_superuser_deletes_a_published_drill(mx, finished, django_user_model):
    publish(finished, mx["lena"])
    root = client_of(django_user_model.objects.create_superuser("root", "root@example.com", "x"))

    assert root.post(reverse("admin:reviews_drill_delete", args=[finished.pk]), {"post": "yes"}).status_code == 403
    bulk = root.post(reverse("admin:reviews_drill_changelist"),
                     {"action": "delete_selected", "_selected_action": [finished.pk], "post": "yes"})
    assert bulk.status_code == 403
    assert Drill.objects.filter(pk=finished.pk).exists()


def test_the_drill_pages_refuse_to_change_a_published_debrief(mx, finished):
    publish(finished, mx["lena"])
    before = record(finished)
    lena = client_of(mx["lena"])

    assert lena.post(reverse("reviews:drill_detail", args=[finished.pk]),
                     {"section_summary": "Rewritten", "publish": "1"}).status_code == 403
    edit = lena.post(reverse("reviews:drill_edit", args=[finished.pk]), {"title": "Renamed"})
    assert edit.status_code in (302, 400, 403, 404)
    with pytest.raises(ReviewStateError, match="read-only now"):
        services.drill_debrief_save(drill=finished, user=mx["max"], sections={"summary": "Rewritten"})

    assert record(finished) == before
