"""Nothing a review's writer types is lost: adding an action item keeps the sections (saved as the draft
first), a failed publish comes back with every word and its problems listed at the top, the autosave
endpoint keeps the draft as typed; the drill debrief and the quarterly review keep their text on a failed
save too."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviews.drills import services as drill_services
from reviews.models import PostIncidentReview

from .factories import scheduled_drill
from .matrix_reviews.support import client_for, open_review, org
from .test_pages import filled, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(mx, resolve):
    resolve(responder=mx["pat"])
    return PostIncidentReview.objects.get()


@pytest.fixture
def lead_client(mx):
    client = Client()
    client.force_login(mx["lena"])
    return client

TYPED = {
    "section_summary": "Seven sections' worth of careful words.",
    "section_impact": "About 300 orders.",
    "section_root-cause": "A missing config value.",
}


def add_url(of: PostIncidentReview) -> str:
    return reverse("reviews:action_item_add", args=[of.pk])


def autosave_url(of: PostIncidentReview) -> str:
    return reverse("reviews:autosave", args=[of.pk])


def due() -> str:
    return (timezone.localdate() + dt.timedelta(days=14)).isoformat()


def problems(html: str) -> str:
    found = re.search(r'<div class="alert alert-danger form-problems".*?</div>', html, re.S)
    assert found, "no list of problems at the top of the form"
    return found.group(0)


# --- adding an action item --------------------------------------------------------------------------

def test_adding_an_action_item_saves_the_sections_typed_above_it(lead_client, mx, review):
    response = lead_client.post(add_url(review), {**TYPED, "title": "Canary for deploys", "owner": mx["pat"].pk,
                                                  "due_on": due(), "add_item": "1"})

    assert response.status_code == 302
    review.refresh_from_db()
    assert [s["body"] for s in review.sections] == list(TYPED.values())
    assert review.action_items.get().title == "Canary for deploys"
    assert "The draft is saved too." in lead_client.get(url(review)).content.decode()


def test_an_action_item_refused_keeps_the_sections_and_the_item_as_typed(lead_client, mx, review):
    response = lead_client.post(add_url(review), {**TYPED, "title": "Too late", "owner": mx["pat"].pk,
                                                  "due_on": "2020-01-01", "add_item": "1"})

    html = response.content.decode()
    assert response.status_code == 400 and "Pick today or a later day." in html
    for text in TYPED.values():
        assert text.replace("'", "&#x27;") in html
    assert re.search(r'name="title" value="Too late"', html)
    review.refresh_from_db()
    assert review.sections[0]["body"] == TYPED["section_summary"]  # kept as the draft, too
    assert not review.action_items.exists()


def test_the_action_item_inputs_and_button_belong_to_the_review_form(lead_client, review):
    html = lead_client.get(url(review)).content.decode()

    assert re.search(r'<input type="text" name="title"[^>]*form="review-form"', html)
    assert re.search(rf'<button[^>]*form="review-form"[^>]*formaction="{add_url(review)}"[^>]*>Add action item', html)


def test_save_draft_with_an_action_item_typed_adds_it_rather_than_dropping_it(lead_client, mx, review):
    response = lead_client.post(url(review), {**TYPED, "title": "Roll back sooner", "owner": mx["pat"].pk,
                                              "due_on": due(), "save": ""})

    assert response.status_code == 302
    assert review.action_items.get().title == "Roll back sooner"
    review.refresh_from_db()
    assert review.sections[0]["body"] == TYPED["section_summary"]


def test_an_item_added_to_a_review_published_meanwhile_saves_nothing(lead_client, mx, review):
    lead_client.post(url(review), filled(publish="1"))

    response = lead_client.post(add_url(review), {**TYPED, "title": "Late", "owner": mx["pat"].pk, "due_on": due()})

    assert response.status_code == 403
    assert not review.action_items.exists()


# --- a failed publish -------------------------------------------------------------------------------

def test_a_failed_publish_keeps_every_word_and_lists_its_problems_at_the_top(lead_client, review):
    response = lead_client.post(url(review), filled(section_summary="", tier="",
                                                    went_well="Paged within a minute.", publish="1"))

    html = response.content.decode()
    assert response.status_code == 400
    top = problems(html)
    assert html.index("form-problems") < html.index('name="section_impact"')  # above the fields
    assert re.search(r'<a href="#div_id_tier">Was the tier right\?</a>: This field is required\.', top)
    for text in ("About 300 orders.", "A missing config value.", "Paged within a minute.", "Roll back sooner."):
        assert text in html
    assert 'id="div_id_tier"' in html  # the link's target exists


def test_publishing_without_the_summary_lists_it_at_the_top_linked_to_it(lead_client, review):
    html = lead_client.post(url(review), filled(section_summary="", publish="1")).content.decode()

    assert re.search(r'<a href="#div_id_section_summary">Summary</a>: Write the summary before publishing\.',
                     problems(html))
    assert 'id="div_id_section_summary"' in html and "About 300 orders." in html


# --- autosave ---------------------------------------------------------------------------------------

def test_the_review_form_is_marked_for_autosave_and_the_unsaved_warning(lead_client, review):
    html = lead_client.get(url(review)).content.decode()

    assert re.search(rf'<form method="post" id="review-form"[^>]*data-autosave="{autosave_url(review)}"[^>]*'
                     r'data-warn-unsaved', html)
    assert "data-autosave-status" in html


def test_autosave_keeps_the_sections_as_typed_even_before_the_questions_are_answered(lead_client, review):
    response = lead_client.post(autosave_url(review), {**TYPED, "routed_right": "", "tier": ""})

    assert response.status_code == 200 and response.json() == {"saved": True}
    review.refresh_from_db()
    assert [s["body"] for s in review.sections] == list(TYPED.values())
    assert review.tier_right is None and review.routed_right is None
    assert not review.is_published


def test_autosave_keeps_the_answers_given(lead_client, review):
    lead_client.post(autosave_url(review), {**TYPED, "routed_right": "no", "tier": "sev2"})

    review = PostIncidentReview.objects.select_related("right_tier").get()
    assert review.routed_right is False and review.tier_right is False and review.right_tier.key == "sev2"


def test_only_those_who_may_write_the_review_autosave_it(client, mx, review):
    client.force_login(mx["agent"])

    assert client.post(autosave_url(review), TYPED).status_code == 403
    review.refresh_from_db()
    assert review.sections[0]["body"] == ""


def test_autosave_needs_a_login_and_a_post(client, lead_client, review):
    response = client.post(autosave_url(review), TYPED)
    assert response.status_code == 302 and "login" in response["Location"]
    assert lead_client.get(autosave_url(review)).status_code == 405


def test_a_published_review_is_not_autosaved(lead_client, review):
    lead_client.post(url(review), filled(publish="1"))

    response = lead_client.post(autosave_url(review), {**TYPED, "section_summary": "Rewritten"})

    assert response.status_code == 409
    review.refresh_from_db()
    assert review.sections[0]["body"] == "Card payments failed for an hour after a deploy."


def test_autosave_needs_the_csrf_token(mx, review):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(mx["lena"])

    assert strict.post(autosave_url(review), TYPED).status_code == 403


# --- the drill debrief and the quarterly review -----------------------------------------------------

@pytest.fixture
def finished(mx, django_capture_on_commit_callbacks):
    from incidents.tests.factories import MONDAY

    drill = drill_services.drill_start(drill=scheduled_drill(mx), user=mx["lena"], now=MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        return drill_services.drill_end(drill=drill, user=mx["lena"], now=MONDAY + dt.timedelta(minutes=20))


def test_a_failed_debrief_publish_keeps_the_text_and_lists_the_problem_at_the_top(mx, finished):
    lena = Client()
    lena.force_login(mx["lena"])
    typed = {f"section_{s['key']}": f"Typed for {s['heading']}." for s in finished.debrief}
    first = f"section_{finished.debrief[0]['key']}"

    response = lena.post(reverse("reviews:drill_detail", args=[finished.pk]), {**typed, first: "", "publish": "1"})

    html = response.content.decode()
    assert response.status_code == 400
    assert f'<a href="#div_id_{first}">' in problems(html)
    for name, text in typed.items():
        if name != first:
            assert text in html
    assert re.search(r'<form method="post" id="debrief-form"[^>]*data-warn-unsaved="dirty"', html)


def test_a_refused_sign_off_keeps_its_notes_and_is_marked_unsaved(review_of_matrix):
    quarterly, manager = review_of_matrix

    response = manager.post(reverse("reviews:matrix_review_sign_off", args=[quarterly.pk]),
                            {"notes": "Accepted the search gap until Q3."})

    html = response.content.decode()
    assert response.status_code == 400 and "Accepted the search gap until Q3." in html
    assert re.search(r'<form [^>]*id="sign-off-form"[^>]*data-warn-unsaved="dirty"', html)


def test_a_refused_change_request_keeps_the_area_forms_marked_unsaved(review_of_matrix):
    quarterly, manager = review_of_matrix
    ask = reverse("reviews:matrix_review_request_change", args=[quarterly.pk, "checkout"])

    response = manager.post(ask, {"text": ""})

    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(rf'action="{re.escape(ask)}" data-warn-unsaved="dirty"', html)


@pytest.fixture
def review_of_matrix(db):
    """The quarterly review's own organisation (not ``mx``): its open review and a manager's client."""
    people = org()
    return open_review(), client_for(people["vera"])


def test_publishing_with_an_action_item_half_typed_keeps_it_and_waits(lead_client, mx, review):
    response = lead_client.post(url(review), filled(title="Roll back sooner", publish="1"))

    html = response.content.decode()
    assert response.status_code == 400 and "add the action item typed below, or clear it" in html
    assert re.search(r'name="title" value="Roll back sooner"', html)
    review.refresh_from_db()
    assert not review.is_published and review.sections[0]["body"] == "Card payments failed for an hour after a deploy."


def test_a_failed_publish_keeps_an_action_item_half_typed(lead_client, review):
    html = lead_client.post(url(review), filled(tier="", title="Roll back sooner", publish="1")).content.decode()

    assert re.search(r'name="title" value="Roll back sooner"', html)
