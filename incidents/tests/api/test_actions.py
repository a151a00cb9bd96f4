"""The incident API's actions: each lifecycle move, handoffs and misroutes, notes, and the coordination
of the response — each answering with the incident, or with 400, 403, 404 or 409 and a reason."""

import pytest

from incidents import services
from incidents.models import Handoff, Incident, StakeholderUpdate, TimelineEntry
from incidents.tests.api.support import INCIDENTS, action_url, file_incident, post, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(matrix, agent):
    return file_incident(agent)


# --- the lifecycle ----------------------------------------------------------------------------------------


def test_acknowledging_answers_with_the_acknowledged_incident(responder_api, incident):
    response = post(responder_api, action_url(incident, "acknowledge"))

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "acknowledged"
    assert response.json()["acknowledged_by"] == "pat"
    assert response.json()["id"] == incident.pk


def test_acknowledging_twice_is_a_409_with_the_reason(responder_api, incident):
    post(responder_api, action_url(incident, "acknowledge"))

    response = post(responder_api, action_url(incident, "acknowledge"))

    assert response.status_code == 409
    assert list(response.json()) == ["detail"]
    assert "already acknowledged" in response.json()["detail"].lower()


def test_the_whole_lifecycle_through_the_api(responder_api, incident):
    steps = [
        ("acknowledge", {}, "acknowledged"),
        ("pause", {"reason": "waiting_on_customer"}, "acknowledged"),
        ("resume", {}, "acknowledged"),
        ("contain", {}, "contained"),
        ("resolve", {"summary": "Rolled back the refund service."}, "resolved"),
        ("close", {}, "closed"),
        ("reopen", {"reason": "It came back."}, None),
    ]
    for name, data, expected in steps:
        response = post(responder_api, action_url(incident, name), data)
        assert response.status_code == 200, (name, response.content)
        if expected:
            assert response.json()["status"] == expected, name

    kinds = [entry.kind for entry in TimelineEntry.objects.filter(incident=incident)]
    assert {"acknowledged", "paused", "resumed", "contained", "resolved", "closed", "reopened"} <= set(kinds)


def test_pausing_records_the_reason_and_a_bad_reason_is_a_400(responder_api, incident):
    bad = post(responder_api, action_url(incident, "pause"), {"reason": "lunch"})
    good = post(responder_api, action_url(incident, "pause"), {"reason": "waiting_on_vendor"})

    assert bad.status_code == 400
    assert list(bad.json()) == ["reason"]
    assert good.json()["pause_reason"] == "waiting_on_vendor"
    assert good.json()["paused_at"] is not None


def test_closing_an_open_incident_is_a_409(responder_api, incident):
    response = post(responder_api, action_url(incident, "close"))

    assert response.status_code == 409
    assert response.json()["detail"]
    assert Incident.objects.get().status == "new"


def test_resolving_records_the_summary_on_the_timeline(responder_api, incident):
    post(responder_api, action_url(incident, "acknowledge"))

    response = post(responder_api, action_url(incident, "resolve"), {"summary": "Rolled back."})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "resolved"
    assert any("Rolled back." in entry["text"] for entry in response.json()["timeline"])


def test_reassigning_hands_off_to_the_named_team(responder_api, incident):
    response = post(responder_api, action_url(incident, "reassign"), {"team": "support", "reason": "Not payments"})

    assert response.status_code == 200, response.content
    [handoff] = response.json()["handoffs"]
    assert (handoff["to_team"], handoff["state"], handoff["reason"]) == ("support", "pending", "Not payments")


def test_reassigning_to_an_unknown_team_or_without_a_reason_is_a_400(responder_api, incident):
    unknown = post(responder_api, action_url(incident, "reassign"), {"team": "nobody", "reason": "x"})
    no_reason = post(responder_api, action_url(incident, "reassign"), {"team": "support"})

    assert unknown.status_code == 400
    assert list(unknown.json()) == ["team"]
    assert no_reason.status_code == 400
    assert no_reason.json() == {"reason": ["This field is required."]}
    assert not Handoff.objects.exists()


def test_accepting_a_handoff_gives_the_incident_to_the_receiving_team(incident, responder, matrix):
    handoff = services.incident_reassign(incident=incident, user=responder, team="support", reason="Not ours")

    response = post(token_client(matrix["sid"]), f"{INCIDENTS}{incident.pk}/handoffs/{handoff.pk}/accept/")

    assert response.status_code == 200, response.content
    assert response.json()["team"] == "support"
    assert response.json()["handoffs"][0]["state"] == "accepted"


def test_only_the_receiving_team_may_accept_a_handoff(responder_api, incident, responder):
    handoff = services.incident_reassign(incident=incident, user=responder, team="support", reason="Not ours")

    response = post(responder_api, f"{INCIDENTS}{incident.pk}/handoffs/{handoff.pk}/accept/")

    assert response.status_code == 403
    assert response.json() == {"detail": "Only a member of Support or a manager can accept this handoff."}
    assert Handoff.objects.get().state == "pending"


def test_accepting_a_handoff_of_another_incident_is_a_404(responder_api, incident, agent, responder):
    other = file_incident(agent)
    handoff = services.incident_reassign(incident=other, user=responder, team="support", reason="Not ours")

    response = post(responder_api, f"{INCIDENTS}{incident.pk}/handoffs/{handoff.pk}/accept/")

    assert response.status_code == 404
    assert response.json() == {"detail": f"Incident #{incident.pk} has no handoff #{handoff.pk}."}
    assert Handoff.objects.get().state == "pending"


def test_flagging_a_misroute_moves_it_and_marks_the_routing_wrong(responder_api, incident):
    response = post(responder_api, action_url(incident, "misroute"), {"team": "support", "reason": "Search bug"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["team"] == "support"
    assert body["routed_team"] == "payments"
    assert body["routing"]["correct"] is False
    assert body["handoffs"][0]["kind"] == "misroute"


def test_a_misroute_to_an_unknown_team_is_a_400(responder_api, incident):
    response = post(responder_api, action_url(incident, "misroute"), {"team": "nobody", "reason": "x"})

    assert response.status_code == 400
    assert list(response.json()) == ["team"]
    assert Incident.objects.get().team.key == "payments"


def test_a_note_is_a_201_with_the_timeline_entry(responder_api, incident):
    response = post(responder_api, action_url(incident, "notes"), {"text": "Checked the dashboards."})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["actor"], body["text"]) == ("note", "pat", "Checked the dashboards.")
    assert TimelineEntry.objects.filter(pk=body["id"], incident=incident).exists()


def test_an_empty_note_is_a_400(responder_api, incident):
    response = post(responder_api, action_url(incident, "notes"), {"text": ""})

    assert response.status_code == 400
    assert list(response.json()) == ["text"]


@pytest.mark.parametrize("name, data", [
    ("acknowledge", {}), ("contain", {}), ("resolve", {}), ("close", {}), ("reopen", {"reason": "x"}),
    ("pause", {"reason": "waiting_on_customer"}), ("resume", {}), ("reassign", {"team": "support", "reason": "x"}),
    ("misroute", {"team": "support", "reason": "x"}), ("notes", {"text": "x"}), ("handoffs/1/accept", {}),
    ("assign", {"assignee": None}), ("war-room", {}), ("vendor", {"vendor": "stripe"}),
    ("checklist", {"item_id": 1}), ("updates", {"body": "x"}),
])
def test_every_action_on_an_unknown_incident_is_a_404(responder_api, matrix, name, data):
    response = post(responder_api, f"{INCIDENTS}999999/{name}/", data)

    assert response.status_code == 404
    assert response.json() == {"detail": "No incident #999999."}


def test_actions_take_post_only(responder_api, incident):
    response = responder_api.get(action_url(incident, "acknowledge"))

    assert response.status_code == 405


# --- people and coordination -----------------------------------------------------------------------------

def test_a_support_agent_may_add_a_note_as_the_service_allows(matrix, agent, incident):
    response = post(token_client(agent), action_url(incident, "notes"), {"text": "Customer called again."})

    assert response.status_code == 201, response.content
    assert response.json()["actor"] == "agent"


def test_assigning_by_username_and_unassigning_with_null(responder_api, incident):
    assigned = post(responder_api, action_url(incident, "assign"), {"assignee": "quinn"})
    unassigned = post(responder_api, action_url(incident, "assign"), {"assignee": None})

    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["assignee"] == "quinn"
    assert unassigned.json()["assignee"] is None


def test_assigning_an_unknown_or_inactive_person_is_a_400(responder_api, incident, matrix):
    matrix["olly"].is_active = False
    matrix["olly"].save()

    unknown = post(responder_api, action_url(incident, "assign"), {"assignee": "nobody"})
    inactive = post(responder_api, action_url(incident, "assign"), {"assignee": "olly"})

    assert unknown.json() == {"assignee": ["No active user 'nobody'."]}
    assert inactive.status_code == 400
    assert Incident.objects.get().assignee is None


def test_opening_the_war_room_names_the_commander_and_channel(responder_api, incident):
    response = post(responder_api, action_url(incident, "war-room"), {"commander": "lena", "channel": "#inc-42"})

    assert response.status_code == 200, response.content
    assert (response.json()["commander"], response.json()["war_room_channel"]) == ("lena", "#inc-42")
    assert any(entry["kind"] == "war_room" for entry in response.json()["timeline"])


def test_the_war_room_commander_defaults_to_the_caller(responder_api, incident):
    response = post(responder_api, action_url(incident, "war-room"))

    assert response.json()["commander"] == "pat"


def test_involving_a_vendor_marks_it_and_an_unknown_vendor_is_a_400(responder_api, incident):
    unknown = post(responder_api, action_url(incident, "vendor"), {"vendor": "acme"})
    known = post(responder_api, action_url(incident, "vendor"), {"vendor": "stripe"})

    assert unknown.status_code == 400
    assert unknown.json() == {"vendor": ["Unknown vendor 'acme'."]}
    assert known.status_code == 200, known.content
    assert known.json()["suspected_vendor"] == "stripe"


def test_ticking_and_unticking_a_checklist_item_records_who_and_when(responder_api, incident, matrix):
    item = matrix["checklist"][0]

    ticked = post(responder_api, action_url(incident, "checklist"), {"item_id": item.pk})
    unticked = post(responder_api, action_url(incident, "checklist"), {"item_id": item.pk, "done": False})

    assert ticked.status_code == 200, ticked.content
    [tick] = ticked.json()["checklist"]
    assert (tick["item"], tick["ticked_by"]) == (item.pk, "pat")
    assert unticked.json()["checklist"] == []


def test_ticking_an_item_of_another_playbook_is_a_400(responder_api, incident):
    response = post(responder_api, action_url(incident, "checklist"), {"item_id": 999999})

    assert response.status_code == 400
    assert list(response.json()) == ["item_id"]


def test_posting_a_stakeholder_update_is_a_201_with_the_update(responder_api, incident):
    response = post(responder_api, action_url(incident, "updates"),
                    {"body": "Card payments recovering.", "audience": "customers"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["audience"], body["author"], body["body"]) == ("customers", "pat", "Card payments recovering.")
    assert StakeholderUpdate.objects.filter(incident=incident).count() == 1


def test_an_update_for_an_unknown_audience_or_without_a_body_is_a_400(responder_api, incident):
    response = post(responder_api, action_url(incident, "updates"), {"body": "", "audience": "press"})

    assert response.status_code == 400
    assert set(response.json()) == {"body", "audience"}
    assert not StakeholderUpdate.objects.exists()


def test_a_view_only_role_cannot_post_updates_or_tick_the_checklist(matrix, incident):
    executive = token_client(matrix["eve"])

    assert post(executive, action_url(incident, "updates"), {"body": "x"}).status_code == 403
    assert post(executive, action_url(incident, "checklist"), {"item_id": 1}).status_code == 403


@pytest.mark.parametrize(("action", "field", "limit"), [
    ("notes", "text", 10_000), ("updates", "body", 10_000), ("resolve", "summary", 10_000),
    ("reopen", "reason", 2_000),
])
def test_an_actions_text_over_its_limit_is_refused_as_on_the_page(responder_api, incident, action, field, limit):
    response = post(responder_api, action_url(incident, action), {field: "x" * (limit + 1)})

    assert response.status_code == 400
    assert response.json()[field] == [f"Ensure this field has no more than {limit} characters."]
