"""The incident page: who owns it, live countdowns to its deadlines, the timeline, the playbook checklist,
the vendor, and only the actions the viewer may take now."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from incidents import services
from incidents.forms import fill_template
from incidents.models import ChecklistTick, PauseReason
from incidents.tests.factories import MONDAY, IncidentFactory
from matrix import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(mx):
    return IncidentFactory(title="Card payments fail", reporter=mx["agent"])


def page(client, user, incident, at=MONDAY + dt.timedelta(minutes=5)) -> str:
    client.force_login(user)
    with time_machine.travel(at, tick=False):
        response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_page_shows_owner_on_call_routing_and_live_countdowns(client, mx, incident):
    html = page(client, mx["quinn"], incident)

    assert f"#{incident.pk} Card payments fail" in html and "SEV2" in html
    assert 'class="badge text-bg-danger status-badge">New</span>' in html
    assert "on call now: <a href=\"/people/pat/\">Pat Ng</a>" in html
    assert "no rule matched; Checkout is owned by Payments; tier SEV2 from impact Significant × urgency High." in html
    # 10:05 now; acknowledge by 10:15, contain by 12:00, resolve by 18:00.
    assert '<span class="countdown fw-semibold" data-due="2026-03-02T10:15:00+00:00">in 10m 00s</span>' in html
    assert 'data-due="2026-03-02T12:00:00+00:00"' in html and 'data-due="2026-03-02T18:00:00+00:00"' in html
    assert 'src="/static/js/countdown.js"' in html
    assert f'hx-get="/incidents/{incident.pk}/live/" hx-trigger="every 10s"' in html


def test_an_overdue_deadline_counts_up_and_shows_the_breach(client, mx, incident):
    from incidents.timers import timers_fire_due

    timers_fire_due(now=MONDAY + dt.timedelta(minutes=16))

    html = page(client, mx["quinn"], incident, at=MONDAY + dt.timedelta(minutes=16))

    row = html[html.index('id="deadline-acknowledge"'):]
    row = row[:row.index("</tr>")]
    assert "1m 00s overdue" in row and "breached" in row and "table-danger" in row


def test_a_met_target_stops_counting(client, mx, incident):
    services.incident_acknowledge(incident=incident, user=mx["pat"], now=MONDAY + dt.timedelta(minutes=3))

    html = page(client, mx["quinn"], incident)

    row = html[html.index('id="deadline-acknowledge"'):]
    row = row[:row.index("</tr>")]
    assert "met, 10:03" in row and "data-due" not in row


def test_a_target_reached_after_its_breach_is_shown_late(client, mx, incident):
    from incidents.timers import timers_fire_due

    timers_fire_due(now=MONDAY + dt.timedelta(minutes=16))
    services.incident_acknowledge(incident=incident, user=mx["pat"], now=MONDAY + dt.timedelta(minutes=17))

    html = page(client, mx["quinn"], incident, at=MONDAY + dt.timedelta(minutes=18))

    row = html[html.index('id="deadline-acknowledge"'):]
    row = row[:row.index("</tr>")]
    assert "late, 10:17" in row and "data-due" not in row


def test_paused_incident_shows_a_banner_and_no_countdown(client, mx, incident):
    services.incident_pause(incident=incident, user=mx["pat"], reason=PauseReason.WAITING_ON_CUSTOMER,
                            now=MONDAY + dt.timedelta(minutes=2))

    html = page(client, mx["quinn"], incident)

    assert "Clocks paused since Mon 10:02 UTC: waiting on customer." in html
    assert "data-due" not in html
    assert ">Resume the clocks</button>" in html and ">Acknowledge</button>" not in html


def test_timeline_reads_oldest_first_newest_last(client, mx, incident):
    services.incident_add_note(incident=incident, user=mx["pat"], text="Looking at the gateway logs.",
                               now=MONDAY + dt.timedelta(minutes=4))

    html = page(client, mx["quinn"], incident)

    filed, routed, note = (html.index(text) for text in ("Filed by Alex Agent", "Routed to Payments",
                                                         "Looking at the gateway logs."))
    assert filed < routed < note


def test_live_part_refreshes_alone(client, mx, incident):
    client.force_login(mx["quinn"])

    response = client.get(reverse("incidents:live", args=[incident.pk]), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="incident-live"') and "Routed to Payments" in html


def test_triage_details_are_labelled_as_the_playbook_asks_them(client, mx, incident):
    html = page(client, mx["quinn"], incident)

    assert '<dt class="col-sm-3">Order ID</dt><dd class="col-sm-9 prewrap">ORD-1001</dd>' in html


def test_responder_is_offered_the_legal_moves_only(client, mx, incident):
    html = page(client, mx["quinn"], incident)

    for label in ("Acknowledge", "Assign to me"):
        assert f">{label}</button>" in html
    for label in ("Mark contained", "Resolve", "Close", "Resume the clocks"):
        assert f">{label}</button>" not in html
    for action in ("pause", "handoff", "misroute", "war-room", "note", "vendor"):
        assert f'action="/incidents/{incident.pk}/{action}/"' in html
    assert 'id="action-reopen"' not in html


def test_once_acknowledged_the_next_moves_are_offered(client, mx, incident):
    services.incident_acknowledge(incident=incident, user=mx["pat"], now=MONDAY + dt.timedelta(minutes=3))

    html = page(client, mx["quinn"], incident)

    for label in ("Mark contained", "Resolve", "Assign to me"):
        assert f">{label}</button>" in html
    assert ">Acknowledge</button>" not in html


def test_a_resolved_incident_offers_close_and_reopen(client, mx, incident):
    services.incident_acknowledge(incident=incident, user=mx["pat"], now=MONDAY + dt.timedelta(minutes=3))
    services.incident_resolve(incident=incident, user=mx["pat"], now=MONDAY + dt.timedelta(minutes=4))

    html = page(client, mx["quinn"], incident)

    assert ">Close</button>" in html and 'id="action-reopen"' in html
    assert ">Resolve</button>" not in html and 'id="action-pause"' not in html
    assert "met, 10:04" in html[html.index('id="deadline-resolve"'):]


def test_support_agent_may_add_a_note_but_not_move_the_incident(client, mx, incident):
    html = page(client, mx["agent"], incident)

    assert ">Acknowledge</button>" not in html and 'id="action-handoff"' not in html
    assert f'action="/incidents/{incident.pk}/note/"' in html


def test_executive_sees_the_incident_but_no_actions(client, mx, incident):
    html = page(client, mx["eve"], incident)

    assert "Card payments fail" in html
    assert f'action="/incidents/{incident.pk}/' not in html  # no action, no checklist form
    assert 'type="checkbox"' not in html and "Collect order IDs" in html


def test_update_forms_start_from_the_playbook_templates_filled_in(client, mx, incident):
    m.Playbook.objects.filter(key="checkout").update(
        customer_update_template="{{ title }} ({{ tier }}) is being handled by {{ team }}: {{ status }}.",
        incident_note_template="Owner: {{team}}. Unknown: {{ nope }}. Not reachable: {{ reporter.password }}.",
    )

    html = page(client, mx["quinn"], incident)

    assert "Card payments fail (SEV2) is being handled by Payments: New." in html
    assert "Owner: Payments. Unknown: {{ nope }}. Not reachable: {{ reporter.password }}." in html


def test_fill_template_replaces_only_known_names(mx, incident):
    text = fill_template("#{{ id }} {{ area }} due {{ acknowledge_by }} {{ title.upper }}", incident)

    assert text == f"#{incident.pk} Checkout due 2026-03-02 10:15 UTC {{{{ title.upper }}}}"


def test_checklist_ticks_are_saved_with_who_ticked(client, mx, incident):
    item = mx["checklist"][0]
    client.force_login(mx["pat"])

    response = client.post(reverse("incidents:checklist_tick", args=[incident.pk]),
                           {"item_id": item.pk, "done": ["0", "1"]}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="checklist"') and "<html" not in html
    assert f'id="tick-{item.pk}" checked' in html and "✓ Pat Ng" in html
    assert ChecklistTick.objects.get(incident=incident, item=item).ticked_by == mx["pat"]


def test_unticking_removes_the_tick(client, mx, incident):
    item = mx["checklist"][0]
    services.checklist_tick(incident=incident, user=mx["pat"], item_id=item.pk)
    client.force_login(mx["pat"])

    response = client.post(reverse("incidents:checklist_tick", args=[incident.pk]), {"item_id": item.pk, "done": "0"})

    assert response.status_code == 302 and response.url.endswith("#checklist")
    assert not ChecklistTick.objects.filter(incident=incident).exists()


def test_a_tick_for_an_item_of_another_playbook_is_refused_in_place(client, mx, incident):
    other = m.ChecklistItem.objects.create(playbook=m.Playbook.objects.create(key="other", name="Other"),
                                           kind=m.ChecklistKind.ALERT, text="Elsewhere")
    client.force_login(mx["pat"])

    response = client.post(reverse("incidents:checklist_tick", args=[incident.pk]), {"item_id": other.pk},
                           HTTP_HX_REQUEST="true")

    assert "That item is not on this incident&#x27;s playbook checklist." in response.content.decode()
    assert not ChecklistTick.objects.exists()


def test_executive_cannot_tick(client, mx, incident):
    client.force_login(mx["eve"])

    response = client.post(reverse("incidents:checklist_tick", args=[incident.pk]),
                           {"item_id": mx["checklist"][0].pk})

    assert response.status_code == 403 and not ChecklistTick.objects.exists()


def test_involved_vendor_shows_contacts_contract_owner_engagement_and_fallback(client, mx, incident):
    stripe = mx["stripe"]
    m.Vendor.objects.filter(pk=stripe.pk).update(
        contract_sla="Response in 1 hour.", engagement_policy="Only the payments lead opens a P1.",
        fallback_plan="Fail over to Adyen.",
    )
    m.VendorContact.objects.create(vendor=stripe, name="Stripe P1 desk", role="Support", email="p1@stripe.example")
    services.incident_involve_vendor(incident=incident, user=mx["lena"], vendor="stripe")

    html = page(client, mx["quinn"], incident)

    panel = html[html.index('id="vendor"'):]
    for text in ("Vendor involved", "Stripe", "Response in 1 hour.", "Vera Vendors",
                 "Only the payments lead opens a P1.", "Fail over to Adyen.", "Stripe P1 desk", "p1@stripe.example"):
        assert text in panel, text


def test_unknown_incident_is_not_found(client, mx):
    client.force_login(mx["quinn"])

    assert client.get(reverse("incidents:detail", args=[999])).status_code == 404
