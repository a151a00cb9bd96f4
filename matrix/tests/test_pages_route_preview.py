"""The route preview page: "who would get this?", live as the user types, with nothing saved."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matrix import models as m
from matrix.tests import factories as f

NOW = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def matrix(db):
    pm = f.standard_priority_matrix()
    checkout_team = f.TeamFactory(key="checkout-team", name="Checkout team")
    payments = f.TeamFactory(key="payments", name="Payments")
    alice = f.UserFactory(username="alice", first_name="Alice", last_name="Archer")
    f.RotationMemberFactory(rotation=f.RotationFactory(team=payments, starts_on=dt.date(2026, 1, 5)), user=alice)
    f.MembershipFactory(team=payments, user=f.UserFactory(first_name="Bob", last_name="Baker"),
                        role=m.MembershipRole.LEAD)
    f.AreaFactory(key="checkout", name="Checkout", owner_team=checkout_team)
    f.RuleFactory(key="refunds", name="refunds → payments", order=12, keywords="refund, chargeback", team=payments)
    policy = f.PolicyFactory(key="payments-sev2", name="Payments SEV2", team=payments, tier=pm["tiers"]["sev2"])
    f.StepFactory(policy=policy, position=1, delay_minutes=0)
    f.StepFactory(policy=policy, position=2, delay_minutes=15, notify_on_call=False, notify_team_lead=True)
    playbook = f.PlaybookFactory(key="refund-failures", name="Refund failures")
    m.ChecklistItem.objects.create(playbook=playbook, kind=m.ChecklistKind.COLLECT, text="Refund IDs")
    return pm


# The filing questions, answered as filing needs them (a title and a description: see
# incidents/tests/test_route_preview_as_filing.py).
REFUND = {"product_area": "checkout", "impact": "significant", "urgency": "high", "title": "Refunds fail",
          "description": "The customer sees an error.", "customer_segment": "", "channel": "email"}


def preview(client, data, htmx=False):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("matrix:route_preview"), data, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_preview_page_shows_the_form_and_asks_for_the_key_answers(agent_client, matrix):
    html = preview(agent_client, {})

    assert 'hx-get="/route-preview/"' in html and 'hx-trigger="change, keyup delay:400ms"' in html
    for name in ("product_area", "impact", "urgency", "title", "description", "customer_segment", "channel"):
        assert f'name="{name}"' in html
    assert "Pick the area, the impact and the urgency" in html
    form = html[html.index('id="route-preview-form"'):]
    assert "csrfmiddlewaretoken" not in form[: form.index("</form>")]  # a GET form must not put it in the URL
    # It asks filing's required fields: without novalidate htmx would send nothing until they are filled in.
    assert " novalidate" in form[: form.index(">")]


def test_preview_shows_tier_team_rule_explanation_on_call_deadlines_steps_and_playbook(agent_client, matrix):
    html = preview(agent_client, REFUND)

    assert "SEV2 → <a href=\"/teams/payments/\">Payments</a>" in html
    assert ("rule 12 &#x27;refunds → payments&#x27; matched keyword &#x27;refund&#x27;; "
            "tier SEV2 from impact Significant × urgency High") in html
    assert "rule #12 “refunds → payments”" in html
    assert f'href="{reverse("matrix:person_detail", args=["alice"])}">Alice Archer</a>' in html
    assert "acknowledge by 12:15 UTC" in html  # SEV2: 15 minutes
    assert "resolve by Wed 2026-03-04 20:00" in html  # SEV2: 8 hours
    assert "on-call (Alice Archer)" in html and "lead (Bob Baker)" in html
    assert f'href="{reverse("matrix:playbook_detail", args=["refund-failures"])}">Refund failures</a>' in html
    assert "Refund IDs" in html


def test_preview_falls_back_to_the_area_owner_when_no_rule_matches(agent_client, matrix):
    html = preview(agent_client, {**REFUND, "title": "Button misaligned"})

    assert "no rule matched; Checkout is owned by Checkout team" in html


def test_live_preview_with_htmx_returns_the_decision_and_out_of_band_field_errors(agent_client, matrix):
    html = preview(agent_client, REFUND, htmx=True)

    assert "<html" not in html
    assert "SEV2 →" in html
    assert '<div id="errors-urgency" class="field-errors" hx-swap-oob="true"></div>' in html


def test_routing_error_is_shown_beside_the_field_it_names(agent_client, matrix):
    m.PriorityCell.objects.filter(impact__key="significant", urgency__key="high").delete()

    for htmx in (False, True):
        html = preview(agent_client, REFUND, htmx=htmx)

        assert ('<div id="errors-urgency" class="field-errors"' + (' hx-swap-oob="true"' if htmx else "") + '>'
                '<div class="invalid-feedback d-block">The priority matrix has no tier for Significant × High.</div>'
                ) in html
        assert "SEV2 →" not in html


def test_unknown_choice_is_shown_beside_its_field(agent_client, matrix):
    html = preview(agent_client, {**REFUND, "product_area": "nope"})

    assert ('<div id="errors-product_area" class="field-errors">'
            '<div class="invalid-feedback d-block">Select a valid choice.') in html


def test_missing_answers_are_errors_on_submit_but_not_while_typing(agent_client, matrix):
    partial = {"product_area": "checkout", "title": "Refunds fail"}

    assert "This field is required." in preview(agent_client, partial)
    live = preview(agent_client, partial, htmx=True)
    assert "This field is required." not in live
    assert "Pick the area, the impact and the urgency" in live


def test_preview_saves_nothing(agent_client, matrix):
    with CaptureQueriesContext(connection) as queries:
        preview(agent_client, REFUND)

    writes = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == [] or all("django_session" in sql for sql in writes)
