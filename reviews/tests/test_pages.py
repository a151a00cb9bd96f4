"""The review page: the lead fills it in and publishes it; others read it; published means read-only."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from incidents.services import incident_acknowledge, incident_resolve
from incidents.tests.factories import MONDAY, IncidentFactory
from incidents.timers import timers_fire_due
from matrix.models import AreaRosterEntry, RosterRole
from notifications.models import Notification
from reviews.models import PostIncidentReview
from reviews.tests.factories import SEV1

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(mx, resolve):
    # Filed Monday 10:00, acknowledged at +3 min (SEV1 target 5: met), resolved at +60 (contain target 30: missed).
    resolve(responder=mx["pat"])
    return PostIncidentReview.objects.get()


@pytest.fixture
def lead_client(mx):
    client = Client()  # its own: a test may log someone else in with ``client`` beside it
    client.force_login(mx["lena"])
    return client


def url(review) -> str:
    return reverse("reviews:detail", args=[review.pk])


def filled(**overrides) -> dict:
    return {
        "section_summary": "Card payments failed for an hour after a deploy.",
        "section_impact": "About 300 orders.",
        "section_root-cause": "A missing config value.",
        "routed_right": "yes",
        "tier": "right",
        "contributing_factors": "No canary\n\nAn alert nobody watched \n",
        "went_well": "Paged within a minute.",
        "to_improve": "Roll back sooner.",
        **overrides,
    }


# --- access -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["reviews:list", "reviews:my_action_items"])
def test_anonymous_users_are_sent_to_login(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and "login" in response["Location"]


def test_anonymous_users_are_sent_to_login_from_a_review(client, review):
    response = client.get(url(review))

    assert response.status_code == 302 and "login" in response["Location"]


def test_a_support_agent_can_read_a_review_but_not_write_it(client, mx, review):
    client.force_login(mx["agent"])

    page = client.get(url(review))
    assert page.status_code == 200
    assert b'id="review-form"' not in page.content and b"add-action-item" not in page.content

    assert client.post(url(review), filled()).status_code == 403
    add = reverse("reviews:action_item_add", args=[review.pk])
    assert client.post(add, {"title": "x", "owner": mx["agent"].pk, "due_on": "2030-01-01"}).status_code == 403
    review.refresh_from_db()
    assert review.sections[0]["body"] == "" and not review.action_items.exists()


def test_an_incident_lead_who_is_not_the_reviews_lead_may_write_it(client, mx, review):
    client.force_login(mx["sam"])  # Incident leads role, support's lead

    assert client.post(url(review), filled()).status_code == 302


def test_a_responder_may_write_the_review_they_lead_but_no_other(client, mx, review):
    review.lead = mx["quinn"]  # a Responder: reviews are read-only to the role
    review.save()

    client.force_login(mx["pat"])
    assert client.post(url(review), filled()).status_code == 403
    client.force_login(mx["quinn"])
    assert client.post(url(review), filled()).status_code == 302


# --- writing ----------------------------------------------------------------------------------------

def test_the_lead_sees_the_sections_questions_timeline_and_targets(lead_client, mx, review):
    page = lead_client.get(url(review)).content.decode()

    for heading in ("Summary", "Impact", "Root cause", "Contributing factors", "What went well", "What to improve"):
        assert heading in page
    assert "Was it routed right the first time?" in page and "No, it should have been SEV2" in page
    assert re.search(r'name="routed_right" value="yes"[^>]*checked', page)  # defaulted from the routing
    assert "Acknowledged by Pat Ng." in page and "Resolved by Pat Ng." in page  # the imported timeline
    targets = page[page.index('class="table table-sm review-targets"'):]
    acknowledge = targets[targets.index('id="target-acknowledge"'):targets.index('id="target-contain"')]
    contain = targets[targets.index('id="target-contain"'):targets.index('id="target-resolve"')]
    resolve = targets[targets.index('id="target-resolve"'):]
    assert "3 min" in acknowledge and "met" in acknowledge
    assert "1 h 00 min" in contain and "missed" in contain
    assert "met" in resolve.split("</tr>")[0]


def test_saving_keeps_a_draft_with_every_answer(lead_client, mx, review):
    response = lead_client.post(url(review), filled(routed_right="no", tier="sev2"))

    assert response.status_code == 302
    review.refresh_from_db()
    assert [s["body"] for s in review.sections] == [
        "Card payments failed for an hour after a deploy.", "About 300 orders.", "A missing config value."]
    assert review.routed_right is False
    assert review.tier_right is False and review.right_tier.key == "sev2"
    assert review.contributing_factors == ["No canary", "An alert nobody watched"]
    assert (review.went_well, review.to_improve) == ("Paged within a minute.", "Roll back sooner.")
    assert not review.is_published
    assert not Notification.objects.filter(payload__event="review_published").exists()


def test_publishing_tells_stakeholders_and_asks_participants_for_feedback(lead_client, mx, review):
    AreaRosterEntry.objects.create(area=mx["checkout"], role=RosterRole.PRODUCT_MANAGER, user=mx["quinn"])

    response = lead_client.post(url(review), filled(publish="1"))

    assert response.status_code == 302
    review.refresh_from_db()
    assert review.is_published and review.published_by == mx["lena"]
    published = Notification.objects.filter(payload__event="review_published")
    assert sorted(published.values_list("target", flat=True)) == sorted([
        "payments@example.com", "https://hooks.example.com/payments",  # the owning team's channels
        "quinn@example.com",  # the area's roster
        "eve@example.com",  # executives: SEV1 notifies them
    ])
    assert all(n.subject.startswith("Post-incident review published: SEV1") for n in published)
    assert "Card payments failed for an hour after a deploy." in published.first().body
    asked = Notification.objects.filter(payload__event="review_feedback_wanted")
    # Pat acknowledged and resolved it; Lena leads the review (and the contain breach paged her).
    assert sorted(asked.values_list("user__username", flat=True)) == ["lena", "pat"]
    assert all(reverse("reviews:feedback", args=[review.pk]) in n.body for n in asked)


def test_a_published_review_is_read_only(lead_client, mx, review):
    lead_client.post(url(review), filled(publish="1"))

    page = lead_client.get(url(review)).content.decode()
    assert 'id="review-form"' not in page and "add-action-item" not in page
    assert "Card payments failed for an hour after a deploy." in page and "No canary" in page
    assert lead_client.post(url(review), filled(section_summary="Rewritten")).status_code == 403
    review.refresh_from_db()
    assert review.sections[0]["body"] == "Card payments failed for an hour after a deploy."


def test_publishing_needs_the_summary_but_keeps_the_draft(lead_client, review):
    response = lead_client.post(url(review), filled(section_summary="", publish="1"))

    assert response.status_code == 400
    assert "Write the summary before publishing." in response.content.decode()
    review.refresh_from_db()
    assert not review.is_published and review.sections[1]["body"] == "About 300 orders."


def test_the_tier_question_needs_an_answer(lead_client, review):
    response = lead_client.post(url(review), filled(tier=""))

    assert response.status_code == 400
    review.refresh_from_db()
    assert review.tier_right is None


# --- action items -----------------------------------------------------------------------------------

def test_the_lead_adds_an_action_item_and_its_owner_is_told(lead_client, mx, review):
    add = reverse("reviews:action_item_add", args=[review.pk])

    response = lead_client.post(add, {"title": "Canary for payment deploys", "owner": mx["pat"].pk,
                                      "due_on": "2030-03-20"})

    assert response.status_code == 302
    item = review.action_items.get()
    assert (item.title, item.owner, item.due_on, item.status) == (
        "Canary for payment deploys", mx["pat"], dt.date(2030, 3, 20), "open")
    assert Notification.objects.filter(user=mx["pat"], payload__event="action_item_assigned").exists()
    assert "Canary for payment deploys" in lead_client.get(url(review)).content.decode()


def test_an_action_item_due_in_the_past_is_refused(lead_client, mx, review):
    add = reverse("reviews:action_item_add", args=[review.pk])

    response = lead_client.post(add, {"title": "Too late", "owner": mx["pat"].pk, "due_on": "2020-01-01"})

    assert response.status_code == 400 and "Pick today or a later day." in response.content.decode()
    assert not review.action_items.exists()


def test_the_owner_moves_their_item_from_my_action_items(client, mx, review):
    from reviews.services import action_item_add

    item = action_item_add(review=review, user=mx["lena"], title="Canary", owner=mx["pat"],
                           due_on=dt.date(2030, 1, 1))
    client.force_login(mx["pat"])
    mine = reverse("reviews:my_action_items")
    assert "Canary" in client.get(mine).content.decode()

    response = client.post(reverse("reviews:action_item_status", args=[item.pk]), {"status": "done", "next": mine})

    assert response.status_code == 302 and response["Location"] == mine
    item.refresh_from_db()
    assert item.status == "done" and item.finished_at is not None
    row = f'id="action-item-{item.pk}"'
    assert row not in client.get(mine).content.decode()  # only what is still to do
    assert row in client.get(mine + "?all=1").content.decode()


def test_someone_else_cannot_move_an_action_item(client, mx, review):
    from reviews.services import action_item_add

    item = action_item_add(review=review, user=mx["lena"], title="Canary", owner=mx["pat"],
                           due_on=dt.date(2030, 1, 1))
    client.force_login(mx["agent"])

    response = client.post(reverse("reviews:action_item_status", args=[item.pk]), {"status": "wont_do"})

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == "open"


# --- feedback ---------------------------------------------------------------------------------------

def test_participants_feedback_shows_on_the_review(client, lead_client, mx, review):
    lead_client.post(url(review), filled(publish="1"))
    feedback_url = reverse("reviews:feedback", args=[review.pk])
    client.force_login(mx["pat"])
    assert "Give your feedback" in client.get(url(review)).content.decode()

    response = client.post(feedback_url, {"rating": "4", "comment": "Clear and honest."})

    assert response.status_code == 302
    page = lead_client.get(url(review)).content.decode()
    assert "Average 4.0 / 5 from 1 participant." in page
    assert "Pat Ng" in page and "Clear and honest." in page
    client.post(feedback_url, {"rating": "2", "comment": "On second thought…"})  # replaces, does not add
    assert "Average 2.0 / 5 from 1 participant." in lead_client.get(url(review)).content.decode()


def test_only_participants_give_feedback_and_only_once_published(client, lead_client, mx, review):
    feedback_url = reverse("reviews:feedback", args=[review.pk])
    client.force_login(mx["pat"])
    assert client.get(feedback_url).status_code == 404  # not published yet

    lead_client.post(url(review), filled(publish="1"))
    client.force_login(mx["agent"])

    assert client.post(feedback_url, {"rating": "5"}).status_code == 403
    assert not review.feedback.exists()


def test_feedback_is_asked_of_the_people_the_escalation_paged_even_if_they_never_acted(
    lead_client, mx, django_capture_on_commit_callbacks
):
    """Quinn was paged by step 1 (named in the policy) and did nothing on the timeline: still a participant."""
    mx["payments_sev1"].steps.get(position=1).notify_users.add(mx["quinn"])
    with django_capture_on_commit_callbacks(execute=True):
        incident = IncidentFactory(**SEV1, now=MONDAY)
        timers_fire_due(now=MONDAY + dt.timedelta(seconds=1))  # step 1 pages Pat (on call) and Quinn
        incident_acknowledge(incident=incident, user=mx["pat"], now=MONDAY + dt.timedelta(minutes=2))
        incident_resolve(incident=incident, user=mx["pat"], now=MONDAY + dt.timedelta(minutes=20))
    review = PostIncidentReview.objects.get()

    lead_client.post(url(review), filled(publish="1"))

    asked = Notification.objects.filter(payload__event="review_feedback_wanted")
    assert sorted(asked.values_list("user__username", flat=True)) == ["lena", "pat", "quinn"]


def test_the_review_timeline_reads_in_the_owning_teams_zone(client, mx, review):
    client.force_login(mx["lena"])

    html = client.get(url(review)).content.decode()

    # Filed 10:00 UTC; payments keeps Berlin time, and the viewer's own zone (UTC) is given beside it.
    assert "Mon 2 Mar 11:00 CET · 10:00 UTC here" in html
