"""Change requests the system drafts for a manager to finish, and where a change request came from (origin)."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matrix import hooks
from matrix import models as m
from matrix.admin.finishing import finish_url
from matrix.governance import (
    ChangeRequestError,
    Draft,
    change_request_approve,
    change_request_dismiss,
    change_request_draft,
    change_request_submit,
    change_request_submitted,
)
from matrix.tests import factories as f
from matrix.tests.test_admin import admin_form_data, assert_saved, change_url
from matrix.tests.test_governance_admin import decide, messages_of, review_url, text
from notifications.models import Notification

REASON = "Refunds belong to payments"


@pytest.fixture(autouse=True)
def approvals_on(settings):
    settings.MATRIX_APPROVALS = True


@pytest.fixture
def teams(db):
    return {"platform": f.TeamFactory(key="platform", name="Platform"),
            "payments": f.TeamFactory(key="payments", name="Payments")}


@pytest.fixture
def rule(teams):
    return f.RuleFactory(key="cdn", name="CDN problems", order=10, keywords="cdn", team=teams["platform"])


@pytest.fixture
def new_rule_draft(morgan, teams, daniel):
    """What incidents.learning drafts: a new rule "refund → payments" before the cdn rule."""
    draft = Draft(author=morgan, reason=REASON, origin="routing_refinement:cdn:payments")
    draft.record(m.RoutingRule(key="cdn-payments", name="CDN: refund → Payments", order=5, keywords="refund",
                               team=teams["payments"], active=True))
    return change_request_draft(
        draft=draft, note="3 incidents routed by rule #10 were moved to Payments.",
        evidence=[{"label": "#7 CDN refund page times out", "url": "/incidents/7/", "ref": "incident:7"}],
    )


@pytest.fixture
def team_change_draft(morgan, rule, teams):
    changed = m.RoutingRule.objects.get(pk=rule.pk)
    changed.team = teams["payments"]
    draft = Draft(author=morgan, reason="Send CDN problems to payments", origin="routing_refinement:cdn:payments")
    draft.record(changed)
    return change_request_draft(draft=draft, note="No words tell them apart.")


# --- origin --------------------------------------------------------------------------------------------------
def test_a_form_opened_with_an_origin_carries_it_into_the_change_request(morgan_client, rule, teams):
    received = []

    def listen(sender, change_request, **kwargs):
        received.append(change_request.origin)

    change_request_submitted.connect(listen, dispatch_uid="test-listen")
    try:
        url = change_url(rule) + "?origin=ticket:12"  # a kind nobody registered: kept, shown as it is
        page = morgan_client.get(url)
        response = morgan_client.post(url, admin_form_data(page, team=teams["payments"].pk, change_reason=REASON))
    finally:
        change_request_submitted.disconnect(dispatch_uid="test-listen")

    change_request = m.ChangeRequest.objects.get()
    assert response.status_code == 302 and change_request.origin == "ticket:12"
    assert change_request.status == "pending" and received == ["ticket:12"]
    assert "Raising a change from ticket:12" in text(page)


def test_an_add_form_opened_with_an_origin_carries_it_too(morgan_client, teams):
    url = reverse("admin:matrix_vendor_add") + "?origin=ticket:3:area:checkout"
    page = morgan_client.get(url)

    response = morgan_client.post(url, admin_form_data(page, key="cdn", name="CDN", change_reason="New vendor"))

    assert_saved(response)
    assert m.ChangeRequest.objects.get().origin == "ticket:3:area:checkout"


def test_a_save_without_an_origin_has_none(morgan_client, rule, teams):
    page = morgan_client.get(change_url(rule))
    morgan_client.post(change_url(rule), admin_form_data(page, team=teams["payments"].pk, change_reason=REASON))

    assert m.ChangeRequest.objects.get().origin == ""


@pytest.fixture
def resolver():
    calls = []

    def resolve(origins):
        calls.append(list(origins))
        return {o: hooks.OriginLink(label=f"Item {o.split(':')[1]}", url=f"/items/{o.split(':')[1]}/") for o in origins}

    hooks.register_change_request_origin("test_item", resolve)
    yield calls
    hooks._origin_resolvers.pop("test_item")


def test_an_origin_its_kinds_owner_refuses_to_the_author_is_dropped(morgan_client, morgan, rule, teams):
    asked = []

    def may_raise(origin, author):
        asked.append((origin, author))
        return origin == "guarded:1"

    hooks.register_change_request_origin("guarded", lambda origins: {}, may_raise=may_raise)
    try:
        for number in (1, 2):
            url = change_url(rule) + f"?origin=guarded:{number}"
            page = morgan_client.get(url)
            morgan_client.post(url, admin_form_data(page, order=10 + number, change_reason=REASON))
    finally:
        hooks.register_change_request_origin("guarded", lambda origins: {})
        hooks._origin_resolvers.pop("guarded")

    assert list(m.ChangeRequest.objects.order_by("pk").values_list("origin", flat=True)) == ["guarded:1", ""]
    assert ("guarded:2", morgan) in asked
    assert "Raising a change from" not in text(page)  # the form does not promise a link it will not make


def test_origins_are_made_and_read_in_one_place():
    assert hooks.make_origin("matrix_review", 3, "area", "checkout") == "matrix_review:3:area:checkout"
    assert hooks.parse_origin("matrix_review:3:area:checkout") == ("matrix_review", ("3", "area", "checkout"))
    assert hooks.parse_origin("") == ("", ()) and hooks.origin_kind("action_item:12") == "action_item"


def make_request(author, origin: str, label: str = "Checkout") -> m.ChangeRequest:
    area = f.AreaFactory()
    return m.ChangeRequest.objects.create(
        author=author, reason="Why", operation="change", target_content_type=ContentType.objects.get_for_model(area),
        target_object_id=area.pk, target_label=label, diff={"format": 1, "objects": []}, origin=origin,
    )


def test_the_list_and_page_show_where_a_request_came_from_through_its_resolver(morgan_client, morgan, resolver):
    first = make_request(morgan, "test_item:4")
    make_request(morgan, "test_item:5")
    make_request(morgan, "unknown_kind:1")

    listing = morgan_client.get(reverse("admin:matrix_changerequest_changelist"))
    page = morgan_client.get(review_url(first))

    html = listing.content.decode()
    assert '<a href="/items/4/">Item 4</a>' in html and '<a href="/items/5/">Item 5</a>' in html
    assert "unknown_kind:1" in html
    assert resolver[0] == ["test_item:4", "test_item:5"]  # the whole page at once
    assert "Raised from: Item 4" in text(page)


def test_the_list_costs_the_same_queries_for_more_requests_with_origins(morgan_client, morgan, resolver):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            morgan_client.get(reverse("admin:matrix_changerequest_changelist"))
        return len(captured)

    make_request(morgan, "test_item:1")
    few = queries()
    for n in range(5):
        make_request(morgan, f"test_item:{n + 2}")

    assert queries() == few


# --- system drafts ----------------------------------------------------------------------------------------------
def test_a_system_draft_tells_its_author_and_not_the_approvers(new_rule_draft, morgan, daniel):
    assert new_rule_draft.status == m.ChangeRequestStatus.DRAFT
    assert new_rule_draft.get_status_display() == "Drafted — a manager must finish it"
    told = Notification.objects.get()
    assert told.target == "morgan@example.com" and told.payload["event"] == "drafted"
    assert "3 incidents routed by rule #10 were moved to Payments." in told.body
    assert not m.RoutingRule.objects.filter(key="cdn-payments").exists()


def test_nobody_can_approve_a_draft_as_it_is(new_rule_draft, daniel, daniel_client):
    with pytest.raises(ChangeRequestError, match="is a draft: a manager must finish it in the admin"):
        change_request_approve(change_request=new_rule_draft, approver=daniel)

    page = daniel_client.get(review_url(new_rule_draft))
    assert 'value="approve"' not in page.content.decode()


def test_the_draft_page_says_why_links_the_evidence_and_offers_finish_and_dismiss(morgan_client, new_rule_draft):
    page = morgan_client.get(review_url(new_rule_draft))

    assert "the system drafted it for" in text(page) and "(morgan): nobody can approve it until" in text(page)
    assert "Why it was drafted: 3 incidents routed by rule #10 were moved to Payments." in text(page)
    assert '<a href="/incidents/7/">#7 CDN refund page times out</a>' in page.content.decode()
    assert "Finish in the admin" in text(page) and 'value="dismiss"' in page.content.decode()


def test_people_who_may_not_make_the_change_are_not_offered_to_finish_it(new_rule_draft, daniel_client, daniel):
    page = daniel_client.get(review_url(new_rule_draft))

    assert "Finish in the admin" not in text(page) and 'value="dismiss"' not in page.content.decode()
    with pytest.raises(PermissionDenied):
        change_request_dismiss(change_request=new_rule_draft, user=daniel)


def test_finishing_a_new_rule_opens_the_add_form_filled_in_and_saving_it_closes_the_draft(
    morgan_client, new_rule_draft, teams
):
    url = finish_url(new_rule_draft)
    query = parse_qs(urlparse(url).query)
    assert urlparse(url).path == reverse("admin:matrix_routingrule_add")
    assert query["origin"] == [f"change_request:{new_rule_draft.pk}"] and query["change_reason"] == [REASON]

    form = morgan_client.get(url)
    assert f"Raising a change from change request #{new_rule_draft.pk}, drafted by the system" in text(form)
    initial = form.context["adminform"].form.initial
    assert (initial["key"], initial["order"], initial["keywords"], initial["team"]) == (
        "cdn-payments", "5", "refund", str(teams["payments"].pk))
    response = morgan_client.post(url, admin_form_data(form, keywords="refund, chargeback"), follow=True)

    finished = m.ChangeRequest.objects.get(status="pending")
    new_rule_draft.refresh_from_db()
    assert (new_rule_draft.status, new_rule_draft.finished_as) == ("finished", finished)
    assert new_rule_draft.get_status_display() == "Finished as another request"
    assert finished.origin == f"change_request:{new_rule_draft.pk}" and finished.reason == REASON
    assert finished.diff["objects"][0]["fields"]["keywords"]["new"] == "refund, chargeback"
    assert f"Finishes the draft: change request #{new_rule_draft.pk}" in text(response)
    assert f"Raised from: change request #{new_rule_draft.pk}, drafted by the system ({REASON})" in text(response)
    assert "Finished as: change request" in text(morgan_client.get(review_url(new_rule_draft)))


def test_finishing_a_change_opens_the_change_form_with_the_drafted_values(morgan_client, team_change_draft, rule,
                                                                         teams):
    form = morgan_client.get(finish_url(team_change_draft))

    assert form.context["adminform"].form.initial["team"] == str(teams["payments"].pk)
    assert form.context["adminform"].form.initial["keywords"] == "cdn"  # the rest as it is
    morgan_client.post(finish_url(team_change_draft), admin_form_data(form))

    finished = m.ChangeRequest.objects.get(status="pending")
    assert list(finished.diff["objects"][0]["fields"]) == ["team"]
    team_change_draft.refresh_from_db()
    assert team_change_draft.finished_as == finished


def test_a_draft_is_finished_once(morgan_client, new_rule_draft):
    url = finish_url(new_rule_draft)
    form = morgan_client.get(url)
    data = admin_form_data(form)
    morgan_client.post(url, data)

    again = morgan_client.post(url, {**data, "key": "cdn-payments-2", "order": "6"}, follow=True)

    assert m.ChangeRequest.objects.filter(status="pending").count() == 1
    assert any(f"Change request #{new_rule_draft.pk} was already finished" in m for m in messages_of(again))


def test_dismissing_a_draft_says_so_with_who_and_why(morgan_client, new_rule_draft):
    response = decide(morgan_client, new_rule_draft, "dismiss", "Platform handles refunds now.")

    new_rule_draft.refresh_from_db()
    assert new_rule_draft.status == "dismissed"
    assert new_rule_draft.decision_comment == "Dismissed by morgan: Platform handles refunds now."
    assert f"Change request #{new_rule_draft.pk} is dismissed." in messages_of(response)
    again = decide(morgan_client, new_rule_draft, "dismiss")
    assert f"Change request #{new_rule_draft.pk} is no longer a draft (dismissed)." in messages_of(again)


def test_a_pending_request_cannot_be_dismissed(morgan_client, morgan, daniel, rule, teams):
    page = morgan_client.get(change_url(rule))
    morgan_client.post(change_url(rule), admin_form_data(page, team=teams["payments"].pk, change_reason=REASON))
    pending = m.ChangeRequest.objects.get()

    with pytest.raises(ChangeRequestError, match="is no longer a draft"):
        change_request_dismiss(change_request=pending, user=morgan)


# --- only the draft's own object, by someone who may make it, finishes a draft ------------------------------
def test_a_save_of_another_object_carrying_a_drafts_origin_is_refused(morgan_client, new_rule_draft, rule, teams):
    url = change_url(rule) + f"?origin=change_request:{new_rule_draft.pk}"  # typed by hand: not the draft's rule
    page = morgan_client.get(url)

    response = morgan_client.post(url, admin_form_data(page, team=teams["payments"].pk, change_reason=REASON),
                                  follow=True)

    new_rule_draft.refresh_from_db()
    assert new_rule_draft.status == "draft" and new_rule_draft.finished_as is None
    assert not m.ChangeRequest.objects.filter(status="pending").exists()
    assert any(f"This save does not finish change request #{new_rule_draft.pk}: that draft would add the routing "
               f"rule" in message for message in messages_of(response))


def test_a_change_of_another_object_of_the_same_model_does_not_finish_a_change_draft(morgan, team_change_draft,
                                                                                      teams):
    other = f.RuleFactory(key="other", name="Other", order=20, keywords="other", team=teams["platform"])
    other.team = teams["payments"]
    draft = Draft(author=morgan, reason="Other to payments", origin=f"change_request:{team_change_draft.pk}")
    draft.record(other)

    with pytest.raises(ChangeRequestError, match="does not finish change request"):
        change_request_submit(draft=draft)


def test_someone_who_may_not_make_the_drafted_change_cannot_finish_it(new_rule_draft, daniel, teams):
    draft = Draft(author=daniel, reason=REASON, origin=f"change_request:{new_rule_draft.pk}")  # an approver
    draft.record(m.RoutingRule(key="cdn-payments", name="CDN: refund", order=5, keywords="refund",
                               team=teams["payments"], active=True))

    with pytest.raises(ChangeRequestError, match=f"You may not finish change request #{new_rule_draft.pk}"):
        change_request_submit(draft=draft)
    new_rule_draft.refresh_from_db()
    assert new_rule_draft.status == "draft"
