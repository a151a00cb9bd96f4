"""The review list (filters: status, team, my reviews), the incident page's review panel, the top bar's link,
and the admin."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from incidents.tests.factories import MONDAY
from reviews.services import action_item_add, feedback_submit, review_publish, review_save

from .factories import resolved_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviews(mx, resolve):
    """Three reviews on Wednesday 11 March 2026: one overdue (due Mon 9), one draft (due Fri 13), one published."""
    overdue = resolve(responder=mx["pat"], filed_at=MONDAY, title="Old outage").review
    draft = resolve(responder=mx["pat"], filed_at=MONDAY + dt.timedelta(days=4), title="Fresh outage").review
    published = resolve(responder=mx["olly"], filed_at=MONDAY, title="CDN outage", product_area="search").review
    review_save(review=published, user=mx["pete"], sections={"summary": "CDN"}, routed_right=True, tier_right=True)
    review_publish(review=published, user=mx["pete"])
    return {"overdue": overdue, "draft": draft, "published": published}


def listed(client, query: str = "") -> list[str]:
    with time_machine.travel(dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.UTC), tick=False):
        page = client.get(reverse("reviews:list") + query).content.decode()
    return [title for title in ("Old outage", "Fresh outage", "CDN outage") if title in page]


def test_the_list_shows_the_most_pressing_first(agent_client, reviews):
    assert listed(agent_client) == ["Old outage", "Fresh outage", "CDN outage"]


@pytest.mark.parametrize(("query", "expected"), [
    ("?status=overdue", ["Old outage"]),
    ("?status=draft", ["Fresh outage"]),
    ("?status=published", ["CDN outage"]),
    ("?team=platform", ["CDN outage"]),
    ("?team=payments&status=draft", ["Fresh outage"]),
])
def test_the_list_filters_by_status_and_team(agent_client, reviews, query, expected):
    assert listed(agent_client, query) == expected


def test_my_reviews_are_those_i_lead(client, mx, reviews):
    client.force_login(mx["pete"])

    assert listed(client, "?mine=1") == ["CDN outage"]


def test_the_incident_page_links_to_its_review(agent_client, mx, reviews):
    review = reviews["overdue"]

    page = agent_client.get(reverse("incidents:detail", args=[review.incident_id])).content.decode()

    assert 'id="review-panel"' in page
    assert f'href="{reverse("reviews:detail", args=[review.pk])}"' in page and "Open the review" in page
    assert "lead Lena Lead" in page


def test_the_lead_is_invited_to_write_from_the_incident_page(client, mx, reviews):
    client.force_login(mx["lena"])

    page = client.get(reverse("incidents:detail", args=[reviews["draft"].incident_id])).content.decode()

    assert "Write the review" in page


def test_an_incident_without_a_review_has_no_panel(agent_client, mx):
    incident = resolved_incident(responder=mx["pat"], impact="significant", urgency="high")  # SEV2: none required

    page = agent_client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()

    assert 'id="review-panel"' not in page


def test_the_top_bar_links_to_the_reviews(agent_client, mx):
    page = agent_client.get(reverse("matrix:home")).content.decode()
    assert f'href="{reverse("reviews:list")}">Post-incident reviews</a>' in page
    assert f'href="{reverse("reviews:my_action_items")}">My action items</a>' in page


def test_the_admin_lists_and_shows_reviews_action_items_and_feedback(manager_client, mx, reviews):
    published = reviews["published"]
    item = action_item_add(review=reviews["draft"], user=mx["lena"], title="Canary", owner=mx["pat"],
                           due_on=dt.date(2030, 1, 1))
    answer = feedback_submit(review=published, user=mx["olly"], rating=5, comment="Useful")

    for model, obj in (("postincidentreview", published), ("actionitem", item), ("reviewfeedback", answer)):
        change = reverse(f"admin:reviews_{model}_change", args=[obj.pk])
        changelist = manager_client.get(reverse(f"admin:reviews_{model}_changelist"))
        assert changelist.status_code == 200 and f'href="{change}' in changelist.content.decode()
        assert manager_client.get(change).status_code == 200


def test_the_admin_does_not_move_an_action_items_status_which_would_leave_finished_at_wrong(manager_client, mx,
                                                                                            reviews):
    item = action_item_add(review=reviews["draft"], user=mx["lena"], title="Canary", owner=mx["pat"],
                           due_on=dt.date(2030, 1, 1))

    review_page = manager_client.get(reverse("admin:reviews_postincidentreview_change", args=[item.review_id]))
    item_page = manager_client.get(reverse("admin:reviews_actionitem_change", args=[item.pk]))

    assert 'name="action_items-0-due_on"' in review_page.content.decode()  # the row is there, editable
    assert 'name="action_items-0-status"' not in review_page.content.decode()
    assert 'name="due_on"' in item_page.content.decode() and 'name="status"' not in item_page.content.decode()
