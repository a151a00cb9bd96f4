"""Only managers change the matrix in the admin; everyone else is turned away or may only look."""

import pytest
from django.test import Client
from django.urls import reverse

from escalation_matrix.roles import SUPPORT_AGENTS
from matrix import models as m
from matrix.tests import factories as f
from matrix.tests.test_admin import admin_form_data


@pytest.fixture
def area(db):
    return f.AreaFactory(key="checkout", name="Checkout", owner_team=f.TeamFactory(key="storefront"))


@pytest.fixture
def staff_agent_client(role_user):
    """A support agent who was (wrongly) given staff status: they may look, never touch."""
    client = Client()  # its own: ``client`` may already be the manager's
    user = role_user(SUPPORT_AGENTS)
    user.is_staff = True
    user.save()
    client.force_login(user)
    return client


def _urls(area):
    return [
        reverse("admin:index"),
        reverse("admin:matrix_productarea_changelist"),
        reverse("admin:matrix_productarea_add"),
        reverse("admin:matrix_productarea_change", args=[area.pk]),
        reverse("admin:matrix_productarea_history", args=[area.pk]),
    ]


def test_anonymous_users_are_sent_to_login_from_every_admin_page(client, area):
    for url in _urls(area):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "login" in response["Location"], url


def test_anonymous_post_changes_nothing(client, area):
    response = client.post(reverse("admin:matrix_productarea_change", args=[area.pk]),
                           {"name": "Hacked", "change_reason": "x"})

    assert response.status_code == 302
    area.refresh_from_db()
    assert area.name == "Checkout"


def test_support_agent_without_staff_status_is_sent_to_login_and_changes_nothing(agent_client, area):
    for url in _urls(area):
        response = agent_client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url

    change = reverse("admin:matrix_productarea_change", args=[area.pk])
    agent_client.post(change, {"name": "Hacked", "change_reason": "x"})
    area.refresh_from_db()
    assert area.name == "Checkout"


def test_staff_support_agent_may_view_but_cannot_add_change_or_delete(staff_agent_client, manager_client, area):
    change = reverse("admin:matrix_productarea_change", args=[area.pk])
    data = admin_form_data(manager_client.get(change), name="Hacked", change_reason="I should not be able to")

    assert staff_agent_client.get(reverse("admin:matrix_productarea_changelist")).status_code == 200
    view = staff_agent_client.get(change)
    assert view.status_code == 200
    assert "Reason for this change" not in view.content.decode()  # read-only: nothing to save
    assert staff_agent_client.get(reverse("admin:matrix_productarea_add")).status_code == 403
    assert staff_agent_client.post(reverse("admin:matrix_productarea_add"), data).status_code == 403
    assert staff_agent_client.post(change, data).status_code == 403
    delete = reverse("admin:matrix_productarea_delete", args=[area.pk])
    assert staff_agent_client.post(delete, {"post": "yes", "change_reason": "x"}).status_code == 403
    area.refresh_from_db()
    assert area.name == "Checkout"
    assert area.history.count() == 1


def test_staff_support_agent_is_offered_no_bulk_delete_and_cannot_run_it(staff_agent_client, area):
    url = reverse("admin:matrix_productarea_changelist")
    assert "delete_selected" not in staff_agent_client.get(url).content.decode()

    staff_agent_client.post(url, {"action": "delete_selected", "_selected_action": [area.pk], "post": "yes",
                                  "change_reason": "x"})

    assert m.ProductArea.objects.filter(pk=area.pk).exists()


def test_staff_support_agent_cannot_revert_from_history(staff_agent_client, area):
    first = area.history.earliest()
    area.name = "Cart"
    area.save()
    url = reverse("admin:matrix_productarea_simple_history", args=[area.pk, first.history_id])

    response = staff_agent_client.post(url, {"name": "Checkout", "lifecycle_stage": "ga", "change_reason": "x"})

    assert response.status_code == 403
    area.refresh_from_db()
    assert area.name == "Cart"


# --- picking people -----------------------------------------------------------------------------------------
def _user_autocomplete(client, term: str):
    return client.get(
        reverse("admin:autocomplete"),
        {"app_label": "matrix", "model_name": "membership", "field_name": "user", "term": term},
    )


def test_manager_finds_active_people_through_autocomplete_but_not_the_user_pages(manager_client, db):
    # Distinctive names: the manager's own (random) name must not match the search term too.
    f.UserFactory(username="zebulon.active", first_name="Zebulon", last_name="Quist")
    f.UserFactory(username="zebedee.gone", first_name="Zebedee", last_name="Quist", is_active=False)

    response = _user_autocomplete(manager_client, "zeb")

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["zebulon.active"]
    assert manager_client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_staff_support_agent_cannot_search_people(staff_agent_client, db):
    f.UserFactory(username="alice.active")

    assert _user_autocomplete(staff_agent_client, "al").status_code == 403

