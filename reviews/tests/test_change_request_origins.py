"""Origins come from an admin URL, so anyone may type one: an action item or a review's area is linked to a
change request only when its author may raise matrix changes from it; otherwise the request keeps no origin."""

import datetime as dt

import pytest
from django.utils import timezone

from escalation_matrix.roles import APPROVERS
from matrix import models as m
from matrix.governance import Draft, change_request_submit
from matrix.hooks import make_origin, origin_permitted
from reviews.matrix_reviews.services import matrix_review_open
from reviews.models import ActionItem, PostIncidentReview
from reviews.services import action_item_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(mx, resolve) -> ActionItem:
    resolve(responder=mx["pat"])
    return action_item_add(review=PostIncidentReview.objects.get(), user=mx["lena"], title="Split the cdn rule",
                           owner=mx["lena"], due_on=timezone.localdate() + dt.timedelta(days=14))


@pytest.fixture
def approver(role_user):
    """Staff who may see the matrix admin but change nothing in it: they raise no changes."""
    return role_user(APPROVERS, username="daniel")


def submit(author, origin: str, mx) -> m.ChangeRequest:
    rule = m.RoutingRule.objects.get(pk=mx["cdn_rule"].pk)
    rule.keywords = "cdn, edge"
    draft = Draft(author=author, reason="Catch edge problems too", origin=origin)
    draft.record(rule)
    return change_request_submit(draft=draft)


def test_a_manager_raising_from_an_action_item_links_it(mx, item):
    change_request = submit(mx["max"], f"action_item:{item.pk}", mx)

    item.refresh_from_db()
    assert change_request.origin == f"action_item:{item.pk}" and item.change_request == change_request


def test_someone_who_may_not_raise_changes_links_no_action_item(mx, item, approver):
    assert not origin_permitted(f"action_item:{item.pk}", approver)

    change_request = submit(approver, f"action_item:{item.pk}", mx)

    item.refresh_from_db()
    assert change_request.origin == "" and item.change_request is None


def test_an_origin_naming_no_action_item_is_dropped(mx, item):
    assert submit(mx["max"], "action_item:999999", mx).origin == ""


def test_only_people_who_may_raise_changes_add_to_a_reviews_area(mx, approver):
    review = matrix_review_open(now=timezone.now())
    origin = make_origin("matrix_review", review.pk, "area", "checkout")

    mine = submit(mx["max"], origin, mx)
    spoofed = submit(approver, origin, mx)

    assert (mine.origin, spoofed.origin) == (origin, "")
    assert list(m.ChangeRequest.objects.filter(origin=origin)) == [mine]  # what the review's area lists


def test_an_origin_naming_no_review_is_dropped(mx):
    assert submit(mx["max"], "matrix_review:999999:area:checkout", mx).origin == ""


def test_nobody_passes_an_admin_save_off_as_a_refinement_drafted_from_misroutes(mx):
    assert submit(mx["max"], "routing_refinement:cdn:payments", mx).origin == ""
