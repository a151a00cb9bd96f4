"""Filing through the form, as a support agent: the questions, the live preview, the triage fields the
routed playbook asks for, every kind of error beside its field, and a double submit filing once."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from incidents import services
from incidents.models import Incident
from incidents.tests.factories import MONDAY
from matrix import models as m

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Card payments fail", "description": "Customers see error E42 after entering their card.",
    "product_area": "checkout", "impact": "significant", "urgency": "high", "channel": "web_form",
    "affected_customers": "C-104233", "customer_segment": "enterprise", "suspected_vendor": "stripe",
    "submission_key": "form-1", "triage_order_id": "ORD-7", "triage_region": "eu", "triage_amount": "120",
}


@pytest.fixture
def agent(client, mx):
    client.force_login(mx["agent"])
    return client


def file(client, data, **extra):
    with time_machine.travel(MONDAY, tick=False):
        return client.post(reverse("incidents:file"), data, **extra)


def preview(client, data):
    with time_machine.travel(MONDAY, tick=False):
        response = client.get(reverse("incidents:file_preview"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def slot(html: str, name: str) -> str:
    """The messages in a field's error slot (beside the field), joined."""
    found = re.search(rf'<div id="errors-{re.escape(name)}" class="field-errors"[^>]*>'
                      r'((?:<div class="invalid-feedback d-block">.*?</div>)*)</div>', html)
    assert found, f"no error slot for {name}"
    return found.group(1)


# --- the form ------------------------------------------------------------------------------------------
def test_form_asks_plain_questions_with_what_each_answer_means(agent, mx):
    m.Impact.objects.update(question="How many customers are affected?")
    m.Impact.objects.filter(key="significant").update(description="A large group of customers.")

    html = agent.get(reverse("incidents:file")).content.decode()

    for name in ("title", "description", "product_area", "impact", "urgency", "affected_customers",
                 "suspected_vendor", "customer_segment", "channel", "submission_key"):
        assert f'name="{name}"' in html
    assert "How many customers are affected?" in html
    assert '<strong>Significant</strong> <span class="small text-muted">— A large group of customers.</span>' in html
    assert 'type="radio"' in html and 'name="impact" value="significant"' in html
    assert 'id="area-filter"' in html  # the product area's type-ahead
    assert f'hx-get="{reverse("incidents:file_preview")}"' in html
    start = html.index('id="filing-form"')
    form = html[start:html.index("</form>", start)]
    assert form.count('name="csrfmiddlewaretoken"') == 1


def test_every_rendering_carries_a_fresh_submission_key(agent, mx):
    first = agent.get(reverse("incidents:file")).context["form"].initial["submission_key"]
    second = agent.get(reverse("incidents:file")).context["form"].initial["submission_key"]

    assert len(first) == 32 and first != second


# --- the live preview ----------------------------------------------------------------------------------
def test_preview_shows_tier_team_on_call_deadlines_escalation_and_playbook(agent, mx):
    html = preview(agent, FORM)

    assert '<span class="badge text-bg-warning">SEV2</span>' in html
    assert f'→ <a href="{reverse("matrix:team_detail", args=["payments"])}">Payments</a>' in html
    assert "no rule matched; Checkout is owned by Payments; tier SEV2 from impact Significant × urgency High" in html
    assert f'<a href="{reverse("matrix:person_detail", args=["pat"])}">Pat Ng</a>' in html  # on call now
    assert "acknowledge by <b>Mon 10:15 UTC</b>" in html and "contain by Mon 12:00" in html
    assert "resolve by Mon 2026-03-02 18:00" in html
    assert "on-call (Pat Ng)" in html and "lead (Lena Lead)" in html
    assert "Checkout failures" in html and "Collect order IDs" in html and "Open the payments dashboard" in html
    assert "<html" not in html


def test_preview_names_the_rule_that_matched(agent, mx):
    html = preview(agent, {**FORM, "product_area": "search", "title": "CDN serves stale pages"})

    assert "rule 10 &#x27;CDN problems&#x27; matched keyword &#x27;cdn&#x27;" in html
    assert "rule #10 “CDN problems”" in html


def test_business_hours_tier_previews_deadlines_on_the_teams_calendar(agent, mx):
    late_friday = {**FORM, "impact": "minor", "urgency": "low"}  # SEV4: 4 working hours to acknowledge
    with time_machine.travel(dt.datetime(2026, 3, 6, 15, 0, tzinfo=dt.UTC), tick=False):
        html = agent.get(reverse("incidents:file_preview"), late_friday, HTTP_HX_REQUEST="true").content.decode()

    # Payments works 09:00–17:00 Berlin (08:00–16:00 UTC): 1 hour on Friday, 3 more on Monday.
    assert "acknowledge by <b>Mon 11:00 UTC</b>" in html
    assert "counts Payments's business hours only" in html


def test_choosing_an_area_swaps_in_its_playbooks_triage_fields(agent, mx):
    html = preview(agent, FORM)

    assert '<fieldset id="triage-fields" class="mb-3" hx-swap-oob="true">' in html
    assert 'name="triage_playbook" value="checkout"' in html
    assert 'name="triage_order_id"' in html and 'name="triage_region"' in html and 'name="triage_amount"' in html
    assert "is-invalid" not in html  # untouched fields are not shown red while the agent types


def test_triage_fields_stay_put_while_the_playbook_stays_the_same(agent, mx):
    html = preview(agent, {**FORM, "triage_playbook": "checkout", "triage_amount": "lots"})

    assert 'id="triage-fields"' not in html  # the field the agent is typing in is not replaced
    assert ('<div id="errors-triage_amount" class="field-errors" hx-swap-oob="true">'
            '<div class="invalid-feedback d-block">Enter a whole number.</div></div>') in html


def test_triage_fields_go_when_the_new_area_has_no_playbook(agent, mx):
    html = preview(agent, {**FORM, "product_area": "search", "triage_playbook": "checkout"})

    fieldset = html[html.index('<fieldset id="triage-fields"'):html.index("</fieldset>")]
    assert 'name="triage_playbook" value=""' in fieldset and "triage_order_id" not in fieldset


def test_preview_while_typing_does_not_call_missing_answers_errors(agent, mx):
    html = preview(agent, {"title": "Card payments fail", "product_area": "checkout"})

    assert "This field is required." not in html
    assert "Pick the area and answer the two questions" in html


def test_preview_shows_a_routing_problem_beside_its_field(agent, mx):
    m.PriorityCell.objects.filter(impact__key="significant", urgency__key="high").delete()

    html = preview(agent, FORM)

    assert ('<div id="errors-urgency" class="field-errors" hx-swap-oob="true"><div class="invalid-feedback d-block">'
            "The priority matrix has no tier for Significant × High.</div></div>") in html
    assert "It cannot be routed yet" in html


# --- filing --------------------------------------------------------------------------------------------
def test_filing_lands_on_the_incident_saying_who_owns_it_and_by_when(agent, mx):
    response = file(agent, FORM)

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("incidents:detail", args=[incident.pk])
    page = agent.get(response.url).content.decode()
    assert f"Filed #{incident.pk} — owned by Payments (on call: Pat Ng), acknowledge by 10:15" in page
    assert incident.reporter == mx["agent"] and incident.team == mx["payments"]
    assert incident.details == {"order_id": "ORD-7", "region": "eu", "amount": 120}
    assert incident.suspected_vendor == mx["stripe"] and incident.customer_segment == "enterprise"
    assert incident.affected_customers == "C-104233" and incident.submission_key == "form-1"


def test_a_double_submit_files_one_incident(agent, mx):
    first, second = file(agent, FORM), file(agent, FORM)

    assert Incident.objects.count() == 1
    assert first.url == second.url == reverse("incidents:detail", args=[Incident.objects.get().pk])


def test_missing_answers_are_flagged_field_by_field_and_nothing_is_filed(agent, mx):
    response = file(agent, {"submission_key": "form-2", "channel": "web_form"})

    html = response.content.decode()
    assert response.status_code == 400
    for name in ("title", "description", "product_area", "impact", "urgency"):
        assert "This field is required." in slot(html, name), name
    assert Incident.objects.count() == 0


def test_an_unknown_area_is_flagged_beside_the_area(agent, mx):
    html = file(agent, {**FORM, "product_area": "nope"}).content.decode()

    assert "Select a valid choice." in slot(html, "product_area")
    assert Incident.objects.count() == 0


def test_a_pair_without_a_tier_is_flagged_beside_the_urgency(agent, mx):
    m.PriorityCell.objects.filter(impact__key="significant", urgency__key="high").delete()

    html = file(agent, FORM).content.decode()

    assert "The priority matrix has no tier for Significant × High." in slot(html, "urgency")
    assert Incident.objects.count() == 0


def test_a_required_triage_field_left_empty_is_flagged_beside_it(agent, mx):
    html = file(agent, {**FORM, "triage_order_id": ""}).content.decode()

    assert 'name="triage_order_id"' in html  # the playbook's fields are on the page again
    assert "This field is required." in slot(html, "triage_order_id")
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("field", ["description", "affected_customers"])
def test_a_text_over_the_limit_every_door_shares_is_flagged_beside_it(agent, mx, field):
    html = file(agent, {**FORM, field: "x" * 20_001}).content.decode()

    assert "at most 20000 characters (it has 20001)" in slot(html, field)
    assert Incident.objects.count() == 0


def test_malformed_triage_answers_are_flagged_beside_them(agent, mx):
    html = file(agent, {**FORM, "triage_amount": "lots", "triage_region": "mars"}).content.decode()

    assert "Enter a whole number." in slot(html, "triage_amount")
    assert "Select a valid choice." in slot(html, "triage_region")
    assert Incident.objects.count() == 0


def test_errors_the_service_finds_are_shown_beside_their_fields(agent, mx, monkeypatch):
    def refuse(**kwargs):
        raise services.IncidentInputError({
            "title": ["Say what is broken."], "details.order_id": ["No such order."], "external_ref": ["Too long."],
        })

    monkeypatch.setattr(services, "incident_file", refuse)

    response = file(agent, FORM)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Say what is broken." in slot(html, "title")
    assert "No such order." in slot(html, "triage_order_id")
    assert '<div class="alert alert-danger">external ref: Too long.</div>' in html


def test_an_executive_cannot_file(client, mx):
    client.force_login(mx["eve"])

    assert client.get(reverse("incidents:file")).status_code == 403
    assert file(client, FORM).status_code == 403
    assert Incident.objects.count() == 0


def test_the_form_needs_the_csrf_token(mx):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(mx["agent"])

    assert file(strict, FORM).status_code == 403
    assert Incident.objects.count() == 0
