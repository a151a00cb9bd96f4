"""Playbook pages and the sanitized Markdown of their scenarios."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from matrix import models as m
from matrix.tests import factories as f

HOSTILE = """# Card payments fail

Check the [status page](https://status.example.com) first.

<script>alert("owned")</script>
[click me](javascript:alert(1))
<a href="javascript:alert(2)" onclick="alert(3)">or me</a>
<img src="x" onerror="alert(4)">
"""


def render_markdown(text: str) -> str:
    return Template("{% load matrix_tags %}{{ text|markdown }}").render(Context({"text": text}))


def test_markdown_filter_renders_markdown():
    html = render_markdown("# Title\n\nSome **bold** and a [link](https://example.com).")

    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.com" rel="noopener noreferrer">link</a>' in html


def test_markdown_filter_strips_scripts_handlers_and_javascript_links():
    html = render_markdown(HOSTILE)

    assert "<script" not in html and "alert(&quot;owned&quot;)" not in html and 'alert("owned")' not in html
    assert "javascript:" not in html
    assert "onclick" not in html and "onerror" not in html
    assert '<a href="https://status.example.com" rel="noopener noreferrer">status page</a>' in html


@pytest.fixture
def playbook(db):
    pm = f.standard_priority_matrix()
    area = f.AreaFactory(key="checkout", name="Checkout")
    playbook = f.PlaybookFactory(
        key="card-failures", name="Card failures", area=area, tier=pm["tiers"]["sev1"], scenario=HOSTILE,
        incident_note_template="Card payments failing since {time}.",
        customer_update_template="We are investigating failed card payments.",
        review_template="What failed, why, and what we change.",
    )
    m.ChecklistItem.objects.create(playbook=playbook, position=1, kind=m.ChecklistKind.ALERT, text="Page the processor")
    m.ChecklistItem.objects.create(playbook=playbook, position=2, kind=m.ChecklistKind.COLLECT,
                                   text="Failed payment IDs")
    m.ChecklistItem.objects.create(playbook=playbook, position=3, kind=m.ChecklistKind.CONFIRM,
                                   text="Success rate back above 98%")
    m.TriageField.objects.create(playbook=playbook, key="payment_id", label="Payment ID", required=True,
                                 help_text="From the customer's receipt.")
    return playbook


def test_playbook_page_shows_sanitized_scenario_checklist_triage_fields_and_templates(agent_client, playbook):
    response = agent_client.get(reverse("matrix:playbook_detail", args=["card-failures"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Card payments fail</h1>" in html
    assert "<script>alert" not in html and "javascript:" not in html and "onerror" not in html
    assert [(label, [i.text for i in items]) for label, items in response.context["page"].checklist] == [
        ("Who to alert", ["Page the processor"]),
        ("Data to collect", ["Failed payment IDs"]),
        ("How to confirm containment", ["Success rate back above 98%"]),
    ]
    for text in ("Payment ID", "From the customer&#x27;s receipt.", "Card payments failing since {time}.",
                 "We are investigating failed card payments.", "What failed, why, and what we change."):
        assert text in html
    assert f'href="{reverse("matrix:area_detail", args=["checkout"])}">Checkout</a>' in html


def test_area_page_shows_its_playbook_scenario_sanitized(agent_client, playbook):
    html = agent_client.get(reverse("matrix:area_detail", args=["checkout"])).content.decode()

    assert "<h1>Card payments fail</h1>" in html
    assert "<script>alert" not in html and "javascript:" not in html


def test_unknown_playbook_is_not_found(agent_client, playbook):
    assert agent_client.get(reverse("matrix:playbook_detail", args=["nope"])).status_code == 404
