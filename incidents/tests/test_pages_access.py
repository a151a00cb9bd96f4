"""Who reaches the incident pages: anonymous users go to login, roles see the top-bar links they may use."""

import pytest
from django.urls import reverse

from incidents.tests.factories import IncidentFactory, incident_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def mx(db):
    matrix = incident_matrix()
    matrix["incident"] = IncidentFactory()
    return matrix


def pages(incident) -> list[str]:
    return [
        reverse("incidents:list"), reverse("incidents:file"), reverse("incidents:file_preview"),
        reverse("incidents:queue"), reverse("incidents:war_room"), reverse("incidents:detail", args=[incident.pk]),
        reverse("incidents:live", args=[incident.pk]),
    ]


def test_anonymous_users_are_sent_to_login_from_every_page(client, mx):
    for url in pages(mx["incident"]):
        response = client.get(url)

        assert response.status_code == 302, url
        assert response.url == f"{reverse('login')}?next={url}"


def test_anonymous_posts_are_sent_to_login_and_change_nothing(client, mx):
    incident = mx["incident"]

    response = client.post(reverse("incidents:action", args=[incident.pk, "acknowledge"]))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    incident.refresh_from_db()
    assert incident.status == "new"


@pytest.mark.parametrize("who", ["agent", "pat", "lena", "max", "eve"])
def test_every_role_that_views_incidents_gets_every_page(client, mx, who):
    client.force_login(mx[who])

    for url in pages(mx["incident"]):
        if url == reverse("incidents:file") or url.startswith(reverse("incidents:file_preview")):
            continue  # filing needs the add permission (below)
        assert client.get(url).status_code == 200, url


def test_a_user_with_no_role_is_refused(client, mx):
    from matrix.tests.factories import UserFactory

    client.force_login(UserFactory())

    for url in pages(mx["incident"]):
        assert client.get(url).status_code == 403, url


def nav(html: str) -> str:
    return html[html.index('<ul class="navbar-nav'):html.index("</nav>")]


def test_top_bar_offers_filing_to_support_agents(client, mx):
    client.force_login(mx["agent"])

    bar = nav(client.get(reverse("matrix:home")).content.decode())

    for link, label in (("file", "File an incident"), ("list", "All incidents"), ("queue", "My queue"),
                        ("war_room", "War room")):
        assert f'href="{reverse(f"incidents:{link}")}">{label}</a>' in bar


def test_top_bar_does_not_offer_filing_to_executives(client, mx):
    client.force_login(mx["eve"])

    bar = nav(client.get(reverse("matrix:home")).content.decode())

    assert "File an incident" not in bar
    assert f'href="{reverse("incidents:war_room")}">War room</a>' in bar


def test_top_bar_shows_no_incident_links_without_a_role(client, mx):
    from matrix.tests.factories import UserFactory

    client.force_login(UserFactory())

    bar = nav(client.get(reverse("matrix:home")).content.decode())

    assert "/incidents/" not in bar
