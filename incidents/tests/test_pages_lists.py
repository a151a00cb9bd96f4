"""The incident list (filters, paging), my team's queue, the war room, and the matrix cells' live counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import services
from incidents.tests.factories import MONDAY, IncidentFactory
from incidents.timers import timers_fire_due
from incidents.views import lists

pytestmark = pytest.mark.django_db


@pytest.fixture
def incidents(mx):
    """Newest first: a drill, a resolved one, a new SEV1 in checkout, an acknowledged SEV2 in checkout (all
    payments'), and one on search (platform's) filed at 09:30 that breached its acknowledge target."""
    def at(minutes: float) -> dt.datetime:
        return MONDAY + dt.timedelta(minutes=minutes)

    made = {
        "search": IncidentFactory(title="Search slow", product_area="search", details={}, now=at(-30)),
        "sev2": IncidentFactory(title="Refunds stuck"),
        "sev1": IncidentFactory(title="Checkout down", impact="extensive", urgency="critical", now=at(1)),
        "resolved": IncidentFactory(title="Old glitch", now=at(2)),
        "drill": IncidentFactory(title="Game day", is_drill=True, now=at(3)),
    }
    timers_fire_due(now=at(2))  # only search's acknowledge target (09:45) has passed
    services.incident_acknowledge(incident=made["sev2"], user=mx["pat"], now=at(3))
    services.incident_acknowledge(incident=made["resolved"], user=mx["pat"], now=at(3))
    services.incident_resolve(incident=made["resolved"], user=mx["pat"], now=at(4))
    services.incident_acknowledge(incident=made["drill"], user=mx["pat"], now=at(4))
    for incident in made.values():
        incident.refresh_from_db()
    return made


def titles(response) -> list[str]:
    return [incident.title for incident in response.context["page"].object_list]


def listing(client, **filters):
    response = client.get(reverse("incidents:list"), filters)
    assert response.status_code == 200
    return titles(response)


def test_list_shows_every_column_newest_first(client, mx, incidents):
    client.force_login(mx["eve"])  # executives see incidents

    response = client.get(reverse("incidents:list"))

    assert titles(response) == ["Old glitch", "Checkout down", "Refunds stuck", "Search slow"]  # no drill
    html = response.content.decode()
    row = html[html.index(f'id="incident-{incidents["search"].pk}"'):]
    row = row[:row.index("</tr>")]
    for text in (f"#{incidents['search'].pk}", "Search slow", "SEV2", "Search", "Platform", "New", "—",
                 "breached"):
        assert text in row, text
    sev2 = html[html.index(f'id="incident-{incidents["sev2"].pk}"'):]
    assert "Pat Ng" in sev2[:sev2.index("</tr>")]  # the assignee (whoever acknowledged it)


@pytest.mark.parametrize(("filters", "expected"), [
    ({"status": "open"}, ["Checkout down", "Refunds stuck", "Search slow"]),  # drills hidden by default
    ({"status": "open", "drill": "any"}, ["Game day", "Checkout down", "Refunds stuck", "Search slow"]),
    ({"status": "resolved"}, ["Old glitch"]),
    ({"status": "new"}, ["Checkout down", "Search slow"]),
    ({"team": "platform"}, ["Search slow"]),
    ({"tier": "sev1"}, ["Checkout down"]),
    ({"area": "search"}, ["Search slow"]),
    ({"breached": "yes"}, ["Search slow"]),
    ({"breached": "no"}, ["Old glitch", "Checkout down", "Refunds stuck"]),
    ({"drill": "yes"}, ["Game day"]),
    ({"drill": "no", "area": "checkout", "status": "open"}, ["Checkout down", "Refunds stuck"]),
])
def test_list_filters(client, mx, incidents, filters, expected):
    client.force_login(mx["agent"])

    assert listing(client, **filters) == expected


def test_an_unknown_filter_value_is_an_error_on_the_form_not_a_crash(client, mx, incidents):
    client.force_login(mx["agent"])

    response = client.get(reverse("incidents:list"), {"team": "nope"})

    assert response.status_code == 200
    assert "Select a valid choice." in str(response.context["filters"].form.errors)


def test_list_pages_keep_the_filters(client, mx, incidents, monkeypatch):
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    client.force_login(mx["agent"])

    first = client.get(reverse("incidents:list"), {"status": "open", "drill": "any"})
    second = client.get(reverse("incidents:list"), {"status": "open", "drill": "any", "page": 2})

    assert titles(first) == ["Game day", "Checkout down"] and titles(second) == ["Refunds stuck", "Search slow"]
    assert 'href="?status=open&amp;drill=any&amp;page=2"' in first.content.decode()


def test_queue_shows_my_teams_open_incidents_most_urgent_first(client, mx, incidents):
    client.force_login(mx["quinn"])  # payments responder

    response = client.get(reverse("incidents:queue"))

    rows = [incident.title for incident in response.context["rows"]]
    # The SEV1 must be acknowledged by 10:06; the SEV2 (acknowledged) contained by 12:00, the drill by 12:04.
    assert rows == ["Checkout down", "Refunds stuck", "Game day"]
    assert "Search slow" not in response.content.decode()  # platform's, not mine


def test_queue_of_someone_in_no_team_is_empty(client, mx, incidents):
    client.force_login(mx["eve"])

    response = client.get(reverse("incidents:queue"))

    assert response.context["rows"] == []
    assert "Nothing open for your teams." in response.content.decode()


def test_war_room_lists_live_major_incidents_with_commander_channel_and_last_update(client, mx, incidents):
    sev1 = incidents["sev1"]
    services.incident_open_war_room(incident=sev1, user=mx["lena"], commander=mx["lena"], channel="#inc-checkout")
    services.incident_post_update(incident=sev1, user=mx["lena"], body="Rolling back the release.",
                                  now=MONDAY + dt.timedelta(minutes=25))
    client.force_login(mx["eve"])

    response = client.get(reverse("incidents:war_room"))

    html = response.content.decode()
    assert [incident.title for incident in response.context["rows"]] == ["Checkout down"]
    card = html[html.index(f'id="war-room-{sev1.pk}"'):]
    assert "Lena Lead" in card and "#inc-checkout" in card and "Rolling back the release." in card
    assert 'hx-trigger="every 30s"' in html


def test_war_room_leaves_out_minor_and_finished_incidents(client, mx, incidents):
    services.incident_acknowledge(incident=incidents["sev1"], user=mx["pat"])
    services.incident_resolve(incident=incidents["sev1"], user=mx["pat"])
    client.force_login(mx["eve"])

    response = client.get(reverse("incidents:war_room"))

    assert response.context["rows"] == []
    assert "No major incident is open." in response.content.decode()


def test_matrix_cells_link_to_their_live_incidents(client, mx, incidents):
    client.force_login(mx["agent"])

    html = client.get(reverse("matrix:home")).content.decode()

    assert ('<a class="badge text-bg-primary cell-badge" href="/incidents/?area=checkout&amp;tier=sev2&amp;'
            'status=open&amp;drill=no" title="1 open SEV2 incident in Checkout">1 open</a>') in html
    assert 'href="/incidents/?area=checkout&amp;tier=sev1&amp;status=open&amp;drill=no"' in html
    assert ('<a class="badge text-bg-danger cell-badge" href="/incidents/?area=search&amp;tier=sev2&amp;'
            'status=open&amp;drill=no" title="1 open SEV2 incident in Search, 1 past a target">1 open</a>') in html
    assert html.count("cell-badge") == 3  # the drill and the resolved one are not live incidents


def test_matrix_counts_cost_one_query_however_many_incidents(client, mx, incidents):
    client.force_login(mx["agent"])

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("matrix:home"))

    counted = [q["sql"] for q in queries.captured_queries if 'FROM "incidents_incident"' in q["sql"]]
    assert len(counted) == 1 and "GROUP BY" in counted[0]
