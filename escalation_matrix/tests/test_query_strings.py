"""Every date and number a page reads from its query string: a bad one is a clear 400 or a message on the
page, never a 500 (a day past 9999 or before year 1 used to overflow ``datetime`` on "what changed")."""

import datetime as dt
import html
import re

import pytest
import time_machine

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 6, 12, 0, tzinfo=dt.UTC)
BAD_VALUES = ["9999-12-31", "0001-01-01", "99999999999999999999", "-1", "abc"]


def _day(what: str):
    def message(value: str) -> str:
        if value == "9999-12-31":
            return f"9999-12-31 is in the future: {what} can only be shown up to today (2026-03-06)."
        if value == "0001-01-01":
            return f"0001-01-01 is too far back: {what} can only be shown from 2000-01-01 on."
        return "Not a date: write it as YYYY-MM-DD, e.g. 2026-03-02."
    return message


def _page(value: str) -> str:
    if re.fullmatch(r"-?\d+", value):
        return f"There is no page {value}: showing page 1 of 1."
    return f"“{value}” is not a page number: showing the first page."


def _last(value: str) -> str:
    if value == "99999999999999999999":
        return "At most 2000 incidents."
    return "At least one incident." if value == "-1" else "A whole number of incidents."


UNFILTERABLE = "The list cannot be filtered that way"
PERIOD = "That is not one of the periods offered (30, 90 or 365 days): showing the last 90 days instead."

# (path, the query string for the bad value, what the page says about it)
PAGES = [
    ("/changes/", "since={}", lambda v: "From: " + _day("changes")(v)),
    ("/changes/", "until={}", lambda v: "To: " + _day("changes")(v)),
    ("/", "as_of={}", lambda v: _day("the matrix")(v) + " Showing today's matrix instead."),
    ("/incidents/routing/", "days={}", lambda v: PERIOD),
    ("/incidents/routing/", "days={}&rule=cdn", lambda v: PERIOD),
    ("/incidents/", "page={}", _page),
    ("/incidents/", "status=open&page={}", _page),
    ("/reviews/", "page={}", _page),
    ("/reviews/training/", "page={}", _page),
    ("/reviews/drills/", "page={}", _page),
    ("/incidents/routing/simulate/", "change_request={}&last=200",
     lambda v: "That change request is not open or does not touch routing."),
    ("/incidents/routing/simulate/", "change_request=1&last={}", _last),
]
API = [
    ("/api/v1/incidents/", "page={}", "page"),
    ("/api/v1/incidents/", "page_size={}", "page_size"),
]
ADMIN_LISTS = [  # (the list, its date_hierarchy field): a date is asked for as its year, month and day
    ("/admin/incidents/incident/", "filed_at"),
    ("/admin/incidents/breach/", "breached_at"),
    ("/admin/reviews/postincidentreview/", "due_on"),
    ("/admin/reviews/drill/", "scheduled_for"),
    ("/admin/reviews/matrixreview/", "due_on"),
    ("/admin/matrix/rotationoverride/", "starts_at"),
    ("/admin/matrix/changerequest/", "created_at"),
]


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def manager_client(client, role_user):
    """A manager sees every one of these pages (and, staff, the admin)."""
    client.force_login(role_user("Managers"))
    return client


def get(client, url: str, **kwargs):
    with time_machine.travel(NOW, tick=False):
        return client.get(url, **kwargs)


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize(("path", "query", "says"), PAGES, ids=[f"{p}?{q}" for p, q, _ in PAGES])
def test_a_bad_date_or_number_in_a_pages_query_string_is_said_so_on_the_page(manager_client, path, query, says,
                                                                                value):
    response = get(manager_client, f"{path}?{query.format(value)}")

    assert response.status_code in (200, 400)
    assert says(value) in text(response)


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize(("path", "query", "param"), API, ids=[f"{p}?{q}" for p, q, _ in API])
def test_a_bad_number_in_an_api_query_string_is_a_400_naming_it(manager_client, path, query, param, value):
    response = get(manager_client, f"{path}?{query.format(value)}")

    if param == "page_size" and value == "99999999999999999999":
        assert response.status_code == 200  # more than the most is the most (docs/api.md): 200 a page
        return
    assert response.status_code == 400
    assert list(response.json()) == [param] and response.json()[param][0]


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize(("path", "field"), ADMIN_LISTS)
def test_a_bad_date_in_an_admin_lists_query_string_shows_the_list_with_a_message(manager_client, path, field,
                                                                                  value):
    parts = value.split("-") if value.count("-") == 2 else [value]
    query = "&".join(f"{field}__{part}={number}" for part, number in zip(["year", "month", "day"], parts,
                                                                          strict=False))

    response = get(manager_client, f"{path}?{query}", follow=True)

    assert response.status_code == 200
    if value == "0001-01-01":  # a real day: that day's (empty) list
        assert response.redirect_chain == [] and UNFILTERABLE not in text(response)
    else:
        assert response.redirect_chain[-1][0].endswith("?e=1")
        assert UNFILTERABLE in text(response)
