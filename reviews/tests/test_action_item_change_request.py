"""An action item raises a matrix change request, linked both ways; a review answering "routed wrong" counts
against routing accuracy."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidents.metrics import escalation_accuracy, rule_accuracy
from matrix import models as m
from matrix.governance import change_request_approve
from matrix.tests.test_admin import admin_form_data
from reviews.models import ActionItem, PostIncidentReview
from reviews.services import action_item_add

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def approvals_on(settings):
    settings.MATRIX_APPROVALS = True


@pytest.fixture
def item(mx, resolve) -> ActionItem:
    resolve(responder=mx["pat"])
    review = PostIncidentReview.objects.get()
    return action_item_add(review=review, user=mx["lena"], title="Give refunds their own route", owner=mx["lena"],
                           due_on=due())


def due() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=14)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def review_url(item) -> str:
    return reverse("reviews:detail", args=[item.review_id])


def raise_url(item) -> str:
    return reverse("reviews:action_item_raise_change", args=[item.pk])


def test_managers_see_raise_a_matrix_change_on_each_item_and_others_do_not(mx, item):
    assert f'href="{raise_url(item)}"' in logged_in(mx["max"]).get(review_url(item)).content.decode()
    assert f'href="{raise_url(item)}"' not in logged_in(mx["lena"]).get(review_url(item)).content.decode()


def test_only_people_who_may_edit_the_matrix_may_raise_a_change(mx, item):
    assert logged_in(mx["lena"]).get(raise_url(item)).status_code == 403
    assert logged_in(mx["agent"]).get(raise_url(item)).status_code == 403
    assert Client().get(raise_url(item)).status_code == 302  # to the login page


def test_the_raise_page_offers_new_objects_and_existing_ones(mx, item):
    page = logged_in(mx["max"]).get(raise_url(item))

    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="productarea:add"' in html and f'value="productarea:{mx["checkout"].pk}"' in html
    assert f'value="routingrule:{mx["cdn_rule"].pk}"' in html and 'value="team:add"' in html


def test_picking_an_object_opens_its_admin_form_carrying_the_item_as_origin(mx, item):
    client = logged_in(mx["max"])

    change = client.get(raise_url(item), {"target": f"productarea:{mx['checkout'].pk}"})
    new = client.get(raise_url(item), {"target": "routingrule:add"})

    assert change.status_code == 302
    assert change.url == reverse("admin:matrix_productarea_change", args=[mx["checkout"].pk]) + (
        f"?origin=action_item%3A{item.pk}")
    assert new.url == reverse("admin:matrix_routingrule_add") + f"?origin=action_item%3A{item.pk}"


def test_a_choice_that_is_not_offered_is_refused_clearly(mx, item):
    response = logged_in(mx["max"]).get(raise_url(item), {"target": "incident:3"})

    assert response.status_code == 400
    assert "Choose one of the listed parts of the matrix." in text(response)


def test_the_submitted_change_request_links_the_item_and_both_pages_show_the_link(mx, item):
    client = logged_in(mx["max"])
    admin_form = client.get(raise_url(item), {"target": f"productarea:{mx['checkout'].pk}"}).url
    page = client.get(admin_form)
    assert "Raising a change from Action item “Give refunds their own route”" in text(page)

    client.post(admin_form, admin_form_data(page, owner_team=mx["platform"].pk, change_reason="Per the review"))

    change_request = m.ChangeRequest.objects.get()
    item.refresh_from_db()
    assert change_request.origin == f"action_item:{item.pk}" and item.change_request == change_request
    review = text(client.get(review_url(item)))
    assert f"Matrix change #{change_request.pk} : Pending approval" in review
    assert "Raise another matrix change" in review
    cr_page = client.get(reverse("admin:matrix_changerequest_change", args=[change_request.pk]))
    incident = item.review.incident_id
    assert f"Raised from: Action item “Give refunds their own route” (review of incident #{incident})" in text(cr_page)
    assert f'href="{review_url(item)}#action-item-{item.pk}"' in cr_page.content.decode()


def test_the_review_shows_the_linked_requests_status_as_it_moves_on(mx, item, role_user):
    client = logged_in(mx["max"])
    admin_form = client.get(raise_url(item), {"target": f"productarea:{mx['checkout'].pk}"}).url
    client.post(admin_form, admin_form_data(client.get(admin_form), owner_team=mx["platform"].pk,
                                            change_reason="Per the review"))
    change_request_approve(change_request=m.ChangeRequest.objects.get(), approver=role_user("Approvers"))

    assert ": Approved" in text(client.get(review_url(item)))


def test_the_review_page_reads_linked_requests_in_one_query(mx, item, django_assert_max_num_queries):
    client = logged_in(mx["max"])
    for n in range(3):
        extra = action_item_add(review=item.review, user=mx["lena"], title=f"Item {n}", owner=mx["lena"],
                                due_on=due())
        area = m.ProductArea.objects.create(key=f"a{n}", name=f"A{n}", owner_team=mx["payments"])
        url = client.get(raise_url(extra), {"target": f"productarea:{area.pk}"}).url
        client.post(url, admin_form_data(client.get(url), owner_team=mx["platform"].pk, change_reason="Why"))
    assert ActionItem.objects.filter(change_request__isnull=False).count() == 3

    with django_assert_max_num_queries(40) as captured:
        client.get(review_url(item))
    assert sum("matrix_changerequest" in q["sql"] for q in captured.captured_queries) == 1


# --- a review's answer counts against routing -----------------------------------------------------------------
def test_a_published_review_answering_routed_wrong_lowers_routing_accuracy(mx, item):
    review = item.review
    assert escalation_accuracy() == 1.0

    PostIncidentReview.objects.filter(pk=review.pk).update(routed_right=False)  # a draft's answer: not yet
    assert escalation_accuracy() == 1.0
    PostIncidentReview.objects.filter(pk=review.pk).update(published_at=dt.datetime(2026, 3, 3, tzinfo=dt.UTC))

    assert escalation_accuracy() == 0.0
    owner = {r.key: r for r in rule_accuracy()}["area_owner"]
    assert (owner.routed, owner.wrong, owner.misrouted, owner.reviewed_wrong) == (1, 1, 0, 1)
