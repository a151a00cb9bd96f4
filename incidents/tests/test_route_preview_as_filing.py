""""Who would get this?" routes an incident as filing it would: the route preview (the page and the API)
refuses what filing refuses, with the same words, and fills in what filing fills in (the API's channel).

Each pair is compared through its real doors: the preview page with the filing page, ``GET
/api/v1/route-preview/`` with ``POST /api/v1/incidents/``."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from incidents.models import Incident
from incidents.tests.api.support import NOW, filing, token_client
from matrix import models as m
from matrix.hooks import FILING_QUESTIONS
from matrix.tests import factories as mf

pytestmark = pytest.mark.django_db

PREVIEW_API = "/api/v1/route-preview/"
FILE_API = "/api/v1/incidents/"

BAD_INPUTS = {
    "an empty title": {"title": ""},
    "a blank title": {"title": "   "},
    "a 10,000-character title": {"title": "x" * 10_000},
    "no title": {"title": None},
    "an unknown channel": {"channel": "pigeon"},
    "a segment too long": {"customer_segment": "x" * 61},
}


def _with(data: dict, overrides: dict) -> dict:
    return {k: v for k, v in {**data, **overrides}.items() if v is not None}


def _routing_inputs(data: dict) -> dict:
    return {k: v for k, v in data.items() if k in FILING_QUESTIONS}


@pytest.fixture
def api(mx) -> Client:
    return token_client(mx["agent"])


@pytest.fixture
def agent(mx) -> Client:
    client = Client()
    client.force_login(mx["agent"])
    return client


# --- the API -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", list(BAD_INPUTS.values()), ids=list(BAD_INPUTS))
def test_the_api_preview_refuses_what_filing_refuses_with_the_same_messages(api, bad):
    body = _with(filing(), bad)

    with time_machine.travel(NOW, tick=False):
        filed = api.post(FILE_API, body, content_type="application/json")
        previewed = api.get(PREVIEW_API, _routing_inputs(body))

    assert filed.status_code == 400 and previewed.status_code == 400
    assert previewed.json() == filed.json()
    assert not Incident.objects.exists()


def test_the_api_preview_refuses_an_unknown_area_as_filing_does(api):
    body = filing(product_area="nope")

    with time_machine.travel(NOW, tick=False):
        filed = api.post(FILE_API, body, content_type="application/json")
        previewed = api.get(PREVIEW_API, _routing_inputs(body))

    assert previewed.status_code == filed.status_code == 400
    assert previewed.json() == filed.json() == {"product_area": ["Unknown product area 'nope'."]}


def test_leaving_the_channel_out_routes_the_api_preview_as_filing_it(api, mx):
    # A rule only for what comes in through the API: filing there without a channel is `api`.
    mf.RuleFactory(key="api-checkout", name="API checkout", order=5, area=mx["checkout"], channel="api",
                   team=mx["platform"])
    body = filing()
    assert "channel" not in body

    with time_machine.travel(NOW, tick=False):
        previewed = api.get(PREVIEW_API, _routing_inputs(body))
        filed = api.post(FILE_API, body, content_type="application/json")

    assert previewed.status_code == 200 and filed.status_code == 201
    incident = Incident.objects.get()
    assert (incident.channel, incident.team.key, incident.routing_rule_key) == ("api", "platform", "api-checkout")
    assert (previewed.json()["team"], previewed.json()["routing"]["rule"]) == ("platform", "api-checkout")
    assert previewed.json()["routing"]["explanation"] == incident.routing_explanation


def test_the_api_preview_asks_for_the_title_in_its_schema(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()

    parameters = {p["name"]: p.get("required", False)
                  for p in schema["paths"][PREVIEW_API]["get"]["parameters"]}
    assert parameters == {"product_area": True, "impact": True, "urgency": True, "title": True,
                          "description": False, "customer_segment": False, "channel": False}


# --- the pages ---------------------------------------------------------------------------------------------

FORM = {
    "title": "Card payments fail", "description": "Customers see error E42 after entering their card.",
    "product_area": "checkout", "impact": "significant", "urgency": "high", "channel": "web_form",
    "customer_segment": "", "submission_key": "form-1", "triage_order_id": "ORD-7",
}
PAGE_BAD_INPUTS = {**BAD_INPUTS, "no channel": {"channel": None}, "no description": {"description": None}}


def _page_errors(response) -> dict:
    """The messages beside the routing questions' fields."""
    return {name: messages for name, messages in response.context["field_errors"].items()
            if name in FILING_QUESTIONS}


@pytest.mark.parametrize("bad", list(PAGE_BAD_INPUTS.values()), ids=list(PAGE_BAD_INPUTS))
def test_the_preview_page_refuses_what_the_filing_page_refuses_with_the_same_messages(agent, bad):
    data = _with(FORM, bad)

    with time_machine.travel(NOW, tick=False):
        filed = agent.post(reverse("incidents:file"), data)
        previewed = agent.get(reverse("matrix:route_preview"), _routing_inputs(data))

    assert filed.status_code == 400 and not Incident.objects.exists()
    assert _page_errors(previewed) and _page_errors(previewed) == _page_errors(filed)
    assert previewed.context["preview"] is None  # no decision for answers filing would not take
    assert "It cannot be routed yet: see the messages beside the fields." in previewed.content.decode()


def test_the_preview_page_routes_what_the_filing_page_files_alike(agent, mx):
    mf.RuleFactory(key="by-email", name="Email checkout", order=5, area=mx["checkout"],
                   channel=m.IntakeChannel.EMAIL, team=mx["platform"])
    data = {**FORM, "channel": "email"}

    with time_machine.travel(NOW, tick=False):
        previewed = agent.get(reverse("matrix:route_preview"), _routing_inputs(data))
        filed = agent.post(reverse("incidents:file"), data)

    assert filed.status_code == 302
    incident = Incident.objects.get()
    decision = previewed.context["preview"].decision
    assert (decision.team.key, decision.rule.key) == (incident.team.key, incident.routing_rule_key) == (
        "platform", "by-email")


def test_while_typing_the_preview_page_answers_before_the_title_is_written(agent):
    # The live answer (htmx) does not hold the decision back for a field not filled in yet, as the filing
    # page's live preview does not; a field filled in wrongly does.
    answers = {"product_area": "checkout", "impact": "significant", "urgency": "high"}

    with time_machine.travel(NOW, tick=False):
        typing = agent.get(reverse("matrix:route_preview"), answers, HTTP_HX_REQUEST="true")
        too_long = agent.get(reverse("matrix:route_preview"), {**answers, "title": "x" * 10_000},
                             HTTP_HX_REQUEST="true")

    assert typing.context["preview"].decision.team.key == "payments" and typing.context["field_errors"] == {}
    assert too_long.context["preview"] is None
    assert too_long.context["field_errors"] == {"title": ["Ensure this value has at most 200 characters "
                                                          "(it has 10000)."]}
