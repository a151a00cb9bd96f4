"""A published post-incident review is the record: read-only in the admin and on its page, corrected by signed,
dated addenda; drafts keep a history of who changed what. Action items still move after publishing."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from reviews.models import ActionItemStatus, PostIncidentReview, ReviewAddendum
from reviews.services import (
    ReviewStateError,
    action_item_add,
    review_add_addendum,
    review_publish,
    review_save,
)

pytestmark = pytest.mark.django_db

DUE = dt.date(2030, 1, 1)


@pytest.fixture
def draft(mx, resolve):
    resolve(responder=mx["pat"])
    review = PostIncidentReview.objects.get()
    review_save(review=review, user=mx["lena"], sections={"summary": "Card payments failed after a deploy."},
                routed_right=True, tier_right=True, contributing_factors=["No canary"], went_well="Paged fast.",
                to_improve="Roll back sooner.")
    action_item_add(review=review, user=mx["lena"], title="Add a canary", owner=mx["pat"], due_on=DUE)
    return PostIncidentReview.objects.get()


@pytest.fixture
def published(mx, draft):
    review_publish(review=draft, user=mx["lena"])
    return PostIncidentReview.objects.get()


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change_url(review) -> str:
    return reverse("admin:reviews_postincidentreview_change", args=[review.pk])


def admin_form(review, **changes) -> dict:
    """The review's admin form as posted, with ``changes`` (an action item's fields as ``item_title`` etc.)."""
    yes_no = {None: "unknown", True: "true", False: "false"}
    items = list(review.action_items.order_by("pk"))
    data = {
        "incident": review.incident_id, "lead": review.lead_id or "", "due_on": review.due_on.isoformat(),
        "routed_right": yes_no[review.routed_right], "tier_right": yes_no[review.tier_right], "right_tier": "",
        "contributing_factors": json.dumps(review.contributing_factors), "went_well": review.went_well,
        "to_improve": review.to_improve, "sections": json.dumps(review.sections), "_save": "Save",
        "action_items-TOTAL_FORMS": len(items), "action_items-INITIAL_FORMS": len(items),
        "action_items-MIN_NUM_FORMS": 0, "action_items-MAX_NUM_FORMS": 1000,
    }
    for prefix in ("addenda", "feedback"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0, f"{prefix}-MIN_NUM_FORMS": 0,
                     f"{prefix}-MAX_NUM_FORMS": 1000})
    for index, item in enumerate(items):
        data.update({
            f"action_items-{index}-id": item.pk, f"action_items-{index}-review": review.pk,
            f"action_items-{index}-title": changes.pop("item_title", item.title),
            f"action_items-{index}-owner": item.owner_id,
            f"action_items-{index}-due_on": changes.pop("item_due_on", item.due_on.isoformat()),
        })
        if changes.pop("item_delete", False):
            data[f"action_items-{index}-DELETE"] = "on"
    return {**data, **changes}


REWRITE = {"routed_right": "false", "went_well": "Nothing.", "contributing_factors": json.dumps(["A vendor"]),
           "item_title": "Rewritten"}


def findings(review: PostIncidentReview) -> tuple:
    review.refresh_from_db()
    items = tuple(review.action_items.values_list("title", "due_on", "owner_id"))
    return (review.sections, review.routed_right, review.tier_right, review.contributing_factors, review.went_well,
            review.to_improve, review.lead_id, review.due_on, items)


# --- the admin ---------------------------------------------------------------------------------------

def test_a_manager_edits_a_draft_in_the_admin_and_the_history_says_who(mx, draft):
    response = as_user(mx["max"]).post(change_url(draft), admin_form(draft, **REWRITE))

    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert draft.routed_right is False and draft.went_well == "Nothing." and draft.contributing_factors == ["A vendor"]
    assert draft.action_items.get().title == "Rewritten"
    latest = draft.history.first()
    assert latest.history_user == mx["max"] and latest.routed_right is False
    assert draft.history.filter(routed_right=True).exists()  # the lead's answer is still on record
    assert draft.action_items.get().history.first().history_user == mx["max"]


def test_a_published_review_cannot_be_rewritten_in_the_admin(mx, published):
    before = findings(published)

    response = as_user(mx["max"]).post(change_url(published), admin_form(published, **REWRITE))

    assert response.status_code == 403
    assert findings(published) == before


def test_a_published_reviews_action_items_cannot_be_deleted_or_added_in_the_admin(mx, published):
    data = admin_form(published, item_delete=True)
    data.update({"action_items-TOTAL_FORMS": 2, "action_items-1-title": "Sneaked in",
                 "action_items-1-owner": mx["pat"].pk, "action_items-1-due_on": DUE.isoformat(),
                 "action_items-1-review": published.pk})

    assert as_user(mx["max"]).post(change_url(published), data).status_code == 403
    assert list(published.action_items.values_list("title", flat=True)) == ["Add a canary"]


def test_the_admin_shows_a_published_review_read_only(mx, published):
    review_add_addendum(review=published, user=mx["lena"], text="The canary existed but was off.")

    page = as_user(mx["max"]).get(change_url(published)).content.decode()

    assert 'name="_save"' not in page and 'name="routed_right"' not in page and 'name="went_well"' not in page
    assert 'name="action_items-0-title"' not in page and "deletelink" not in page
    assert "The canary existed but was off." in page  # the addenda, shown


def test_a_published_reviews_action_item_cannot_be_edited_on_its_own_admin_page(mx, published):
    item = published.action_items.get()
    url = reverse("admin:reviews_actionitem_change", args=[item.pk])
    data = {"review": published.pk, "title": "Rewritten", "owner": mx["quinn"].pk, "due_on": "2031-01-01",
            "created_by": "", "change_request": "", "_save": "Save"}

    assert as_user(mx["max"]).post(url, data).status_code == 403
    item.refresh_from_db()
    assert (item.title, item.owner, item.due_on) == ("Add a canary", mx["pat"], DUE)


def test_not_even_a_superuser_deletes_a_published_review(django_user_model, mx, published):
    admin = as_user(django_user_model.objects.create_superuser("root", "root@example.com", "x"))
    item = published.action_items.get()

    assert admin.post(reverse("admin:reviews_postincidentreview_delete", args=[published.pk]),
                      {"post": "yes"}).status_code == 403
    assert admin.post(reverse("admin:reviews_actionitem_delete", args=[item.pk]), {"post": "yes"}).status_code == 403
    bulk = admin.post(reverse("admin:reviews_postincidentreview_changelist"),
                      {"action": "delete_selected", "_selected_action": [published.pk], "post": "yes"})
    assert bulk.status_code == 403
    assert PostIncidentReview.objects.filter(pk=published.pk).exists() and published.action_items.exists()


def test_a_published_review_cannot_be_reverted_from_its_history(mx, draft):
    first = draft.history.last()  # as created: nothing answered, nothing written
    review_publish(review=draft, user=mx["lena"])
    before = findings(draft)
    url = reverse("admin:reviews_postincidentreview_simple_history", args=[draft.pk, first.history_id])

    response = as_user(mx["max"]).post(url, admin_form(first.instance))

    assert response.status_code == 403
    assert findings(draft) == before


# --- the review page and the services ------------------------------------------------------------------

def test_the_page_refuses_to_edit_a_published_review(mx, published):
    before = findings(published)
    lead = as_user(mx["lena"])

    page = lead.get(reverse("reviews:detail", args=[published.pk])).content.decode()
    assert 'id="review-form"' not in page and "add-action-item" not in page
    edit = {"section_summary": "Rewritten", "routed_right": "no", "tier": "right", "went_well": "Nothing."}
    assert lead.post(reverse("reviews:detail", args=[published.pk]), edit).status_code == 403
    add = {"title": "Late item", "owner": mx["pat"].pk, "due_on": DUE.isoformat()}
    assert lead.post(reverse("reviews:action_item_add", args=[published.pk]), add).status_code == 403
    with pytest.raises(ReviewStateError, match="read-only"):
        review_save(review=published, user=mx["lena"], sections={"summary": "Rewritten"}, routed_right=False,
                    tier_right=True)
    assert findings(published) == before


def test_action_items_still_move_after_publishing(mx, published):
    item = published.action_items.get()
    url = reverse("reviews:action_item_status", args=[item.pk])

    assert as_user(mx["pat"]).post(url, {"status": ActionItemStatus.DONE}).status_code == 302

    item.refresh_from_db()
    assert item.status == ActionItemStatus.DONE and item.finished_at is not None
    assert item.history.first().history_user == mx["pat"]


# --- addenda -----------------------------------------------------------------------------------------

def addendum_url(review) -> str:
    return reverse("reviews:addendum_add", args=[review.pk])


@pytest.mark.parametrize("name", ["lena", "sam", "max"])  # the review's lead, an Incident lead, a Manager
def test_those_who_may_write_reviews_add_addenda_shown_in_order(mx, published, name):
    writer = as_user(mx[name])

    first = writer.post(addendum_url(published), {"text": "It was routed right after all: triage moved it."})
    second = writer.post(addendum_url(published), {"text": "The vendor confirmed the outage."})

    assert first.status_code == second.status_code == 302
    assert first["Location"].endswith(f"/reviews/{published.pk}/#addenda")
    texts = list(published.addenda.values_list("text", "author"))
    assert texts == [("It was routed right after all: triage moved it.", mx[name].pk),
                     ("The vendor confirmed the outage.", mx[name].pk)]
    page = as_user(mx["agent"]).get(reverse("reviews:detail", args=[published.pk])).content.decode()
    section = page[page.index('id="addenda"'):]
    assert section.index("It was routed right after all") < section.index("The vendor confirmed the outage.")
    assert (mx[name].get_full_name()) in section
    assert "add-addendum" not in page  # the support agent reads them only
    published.refresh_from_db()
    assert published.routed_right is True  # the answer stays as published


@pytest.mark.parametrize("name", ["agent", "pat", "eve"])  # Support agent, Responder, Executive
def test_readers_may_not_add_addenda(mx, published, name):
    response = as_user(mx[name]).post(addendum_url(published), {"text": "My version of events."})

    assert response.status_code == 403
    assert not ReviewAddendum.objects.exists()


def test_a_draft_takes_no_addenda_and_an_empty_one_is_refused(mx, draft):
    lead = as_user(mx["lena"])

    response = lead.post(addendum_url(draft), {"text": "Too early."}, follow=True)
    assert "still a draft" in response.content.decode()
    assert as_user(mx["agent"]).post(addendum_url(draft), {"text": "Too early."}).status_code == 403
    with pytest.raises(ReviewStateError, match="still a draft"):
        review_add_addendum(review=draft, user=mx["lena"], text="Too early.")
    review_publish(review=draft, user=mx["lena"])
    empty = lead.post(addendum_url(draft), {"text": "  "})
    assert empty.status_code == 400 and 'class="add-addendum"' in empty.content.decode()
    assert not ReviewAddendum.objects.exists()


def test_addenda_are_read_only_in_the_admin(mx, published):
    addendum = review_add_addendum(review=published, user=mx["lena"], text="Correction.")

    with pytest.raises(NoReverseMatch):  # no admin page of their own: only shown, on the review's
        reverse("admin:reviews_reviewaddendum_change", args=[addendum.pk])
