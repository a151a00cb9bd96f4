"""A failed filing keeps everything typed (the triage answers too, even when routing fails on the second
try), and a required triage field the agent had not been shown yet is explained, not shouted at."""

import re

import pytest

from incidents.models import Incident
from matrix import models as m

from .test_pages_filing import FORM, file, slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(client, mx):
    client.force_login(mx["agent"])
    return client


SHOWN = {**FORM, "triage_playbook": "checkout"}  # as the browser posts it: the playbook whose fields it showed


def value_of(html: str, name: str) -> str:
    tag = re.search(rf'<(input|textarea|select)[^>]*name="{name}"[^>]*>', html)
    assert tag, f"no {name} on the page"
    if tag.group(1) == "textarea":
        return re.search(rf'name="{name}"[^>]*>(.*?)</textarea>', html, re.S).group(1).strip()
    if tag.group(1) == "select":
        body = html[tag.end():html.index("</select>", tag.end())]
        return re.search(r'<option value="([^"]*)" selected', body).group(1)
    return re.search(r'value="([^"]*)"', tag.group(0)).group(1)


def test_a_failed_submit_keeps_the_title_description_and_every_triage_answer(agent, mx):
    html = file(agent, {**SHOWN, "customer_segment": "x" * 500}).content.decode()

    assert Incident.objects.count() == 0
    assert value_of(html, "title") == "Card payments fail"
    assert value_of(html, "description") == "Customers see error E42 after entering their card."
    assert value_of(html, "affected_customers") == "C-104233"
    assert value_of(html, "triage_order_id") == "ORD-7"
    assert value_of(html, "triage_region") == "eu"
    assert value_of(html, "triage_amount") == "120"
    assert re.search(r'<form id="filing-form"[^>]*data-warn-unsaved="dirty"', html)  # not saved: leaving asks


def test_triage_answers_survive_a_routing_failure_on_submit(agent, mx):
    m.PriorityCell.objects.filter(impact__key="significant", urgency__key="high").delete()

    html = file(agent, SHOWN).content.decode()

    assert "The priority matrix has no tier for Significant × High." in slot(html, "urgency")
    assert value_of(html, "triage_order_id") == "ORD-7"
    assert value_of(html, "triage_region") == "eu"
    assert value_of(html, "triage_amount") == "120"
    assert 'name="triage_playbook" value="checkout"' in html
    assert Incident.objects.count() == 0


def test_a_required_triage_field_not_shown_yet_is_explained_at_the_top(agent, mx):
    typed_before_the_fields_came = {k: v for k, v in FORM.items() if not k.startswith("triage_")}

    html = file(agent, {**typed_before_the_fields_came, "triage_playbook": ""}).content.decode()

    assert Incident.objects.count() == 0
    top = html[html.index('id="errors-__all__"'):html.index('name="title"')]
    assert "The “Checkout failures” playbook needs Order ID too: fill it in below (marked *) and file again." in top
    assert slot(html, "triage_order_id") == ""  # explained above, not called a mistake beside it
    assert re.search(r'Order ID<span class="asteriskField">\*</span>', html)
    assert re.search(r'<input type="text" name="triage_order_id"[^>]*required', html)
    assert value_of(html, "title") == "Card payments fail"


def test_a_required_triage_field_the_agent_saw_and_left_empty_is_still_flagged_beside_it(agent, mx):
    html = file(agent, {**SHOWN, "triage_order_id": ""}).content.decode()

    assert "This field is required." in slot(html, "triage_order_id")
    assert "too: fill it in below" not in html
