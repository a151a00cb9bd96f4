"""Each action on the incident page, through its POST: done when permitted, refused when not, an illegal
move explained, bad input shown on its form."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from incidents import services
from incidents.models import Handoff, HandoffState, Incident, StakeholderUpdate, Status, TimelineEntry
from incidents.tests.factories import MONDAY, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(mx):
    return IncidentFactory(title="Card payments fail", now=MONDAY - dt.timedelta(minutes=1))


def act(client, user, incident, action, data=None, follow=True):
    client.force_login(user)
    return client.post(reverse("incidents:action", args=[incident.pk, action]), data or {}, follow=follow)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def acknowledged(incident, mx):
    return services.incident_acknowledge(incident=incident, user=mx["pat"])


def test_acknowledge_in_one_click(client, mx, incident):
    response = act(client, mx["pat"], incident, "acknowledge")

    incident.refresh_from_db()
    assert response.redirect_chain == [(reverse("incidents:detail", args=[incident.pk]), 302)]
    assert messages_of(response) == ["Acknowledged."]
    assert incident.status == Status.ACKNOWLEDGED and incident.acknowledged_by == mx["pat"]


def test_acknowledging_twice_explains_who_was_first(client, mx, incident):
    acknowledged(incident, mx)
    incident.refresh_from_db()
    at = incident.acknowledged_at.strftime("%H:%M")

    response = act(client, mx["quinn"], incident, "acknowledge")

    assert response.status_code == 200
    assert messages_of(response) == [f"Already acknowledged by Pat Ng at {at} UTC."]
    assert '<div class="alert alert-danger" role="status">Already acknowledged by Pat Ng' in response.content.decode()


def test_contain_resolve_close_in_turn(client, mx, incident):
    acknowledged(incident, mx)

    for action, status in (("contain", Status.CONTAINED), ("resolve", Status.RESOLVED), ("close", Status.CLOSED)):
        act(client, mx["pat"], incident, action)
        incident.refresh_from_db()
        assert incident.status == status, action


def test_contain_before_acknowledge_is_refused_with_the_reason(client, mx, incident):
    response = act(client, mx["pat"], incident, "contain")

    assert messages_of(response) == ["Acknowledge it first."]
    incident.refresh_from_db()
    assert incident.status == Status.NEW


def test_reopen_needs_a_reason(client, mx, incident):
    acknowledged(incident, mx)
    services.incident_resolve(incident=incident, user=mx["pat"])

    refused = act(client, mx["pat"], incident, "reopen", {"reason": ""}, follow=False)
    done = act(client, mx["pat"], incident, "reopen", {"reason": "It is back for EU customers."})

    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    assert 'id="action-reopen" open' in refused.content.decode()  # the form with its error is open
    incident.refresh_from_db()
    assert messages_of(done) == ["Reopened."] and incident.status == Status.ACKNOWLEDGED


def test_pause_then_resume(client, mx, incident):
    paused = act(client, mx["pat"], incident, "pause", {"reason": "waiting_on_vendor"})
    incident.refresh_from_db()
    assert messages_of(paused) == ["The clocks are paused."] and incident.pause_reason == "waiting_on_vendor"

    resumed = act(client, mx["pat"], incident, "resume")

    incident.refresh_from_db()
    assert messages_of(resumed) == ["The clocks are running again."] and not incident.is_paused


def test_pause_for_an_unknown_reason_is_a_form_error(client, mx, incident):
    response = act(client, mx["pat"], incident, "pause", {"reason": "lunch"}, follow=False)

    assert response.status_code == 400
    assert "Select a valid choice. lunch is not one of the available choices." in response.content.decode()


def test_assign_to_me(client, mx, incident):
    act(client, mx["quinn"], incident, "assign")

    incident.refresh_from_db()
    assert incident.assignee == mx["quinn"]


def test_hand_off_and_the_receiving_team_accepts(client, mx, incident):
    response = act(client, mx["pat"], incident, "handoff", {"team": "platform", "reason": "It is the CDN."})

    handoff = Handoff.objects.get()
    assert messages_of(response) == ["Handed off to Platform: waiting for them to accept."]
    assert f'action="/incidents/{incident.pk}/handoffs/{handoff.pk}/accept/"' in response.content.decode()

    client.force_login(mx["pete"])
    accepted = client.post(reverse("incidents:handoff_accept", args=[incident.pk, handoff.pk]), follow=True)

    handoff.refresh_from_db()
    assert messages_of(accepted) == ["Platform accepted the handoff."] and handoff.state == HandoffState.ACCEPTED


def test_a_handoff_to_the_owning_team_is_not_offered(client, mx, incident):
    response = act(client, mx["pat"], incident, "handoff", {"team": "payments", "reason": "x"}, follow=False)

    assert response.status_code == 400 and "Select a valid choice." in response.content.decode()
    assert not Handoff.objects.exists()


def test_flag_misroute_moves_it_and_records_the_routing_as_wrong(client, mx, incident):
    response = act(client, mx["pat"], incident, "misroute", {"team": "platform", "reason": "Search is theirs."})

    incident.refresh_from_db()
    assert messages_of(response) == ["Moved to Platform; the first routing is recorded as wrong."]
    assert incident.team == mx["platform"] and incident.routing_correct is False


def test_open_war_room_with_a_commander_and_channel(client, mx, incident):
    act(client, mx["pat"], incident, "war-room", {"commander": mx["lena"].pk, "channel": "#inc-42"})

    incident.refresh_from_db()
    assert incident.commander == mx["lena"] and incident.war_room_channel == "#inc-42"


def test_open_war_room_makes_me_commander_by_default(client, mx, incident):
    act(client, mx["pat"], incident, "war-room", {"channel": ""})

    incident.refresh_from_db()
    assert incident.commander == mx["pat"]


def test_post_a_customer_update(client, mx, incident):
    response = act(client, mx["lena"], incident, "update", {"audience": "customers", "body": "We are on it."})

    assert messages_of(response) == ["Update posted."]
    update = StakeholderUpdate.objects.get()
    assert (update.audience, update.body, update.author) == ("customers", "We are on it.", mx["lena"])


def test_an_empty_update_is_a_form_error_on_its_own_form(client, mx, incident):
    response = act(client, mx["lena"], incident, "update", {"audience": "customers", "body": " "}, follow=False)

    html = response.content.decode()
    assert response.status_code == 400 and "This field is required." in html
    assert 'id="action-update-customers" open' in html and 'id="action-update-stakeholders" open' not in html


def test_add_a_note(client, mx, incident):
    act(client, mx["agent"], incident, "note", {"text": "Customer sent a screenshot."})

    note = TimelineEntry.objects.get(incident=incident, kind="note")
    assert note.text == "Customer sent a screenshot." and note.actor == mx["agent"]


def test_involve_vendor_tells_its_owner_and_shows_its_panel(client, mx, incident):
    response = act(client, mx["lena"], incident, "vendor", {"vendor": "stripe"})

    assert messages_of(response) == ["Stripe involved; their relationship owner is told."]
    assert "Vendor involved" in response.content.decode()


@pytest.mark.parametrize("action", ["acknowledge", "assign", "pause", "handoff", "war-room", "update", "note"])
def test_an_executive_cannot_act(client, mx, incident, action):
    response = act(client, mx["eve"], incident, action, {"reason": "x", "team": "platform", "text": "x",
                                                           "body": "x", "audience": "customers"}, follow=False)

    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == Status.NEW and incident.assignee is None and incident.commander is None
    assert TimelineEntry.objects.filter(incident=incident).count() == 2  # filed and routed, nothing more


@pytest.mark.parametrize("action", ["acknowledge", "contain", "misroute", "war-room"])
def test_a_support_agent_cannot_move_the_incident(client, mx, incident, action):
    response = act(client, mx["agent"], incident, action, {"team": "platform", "reason": "x"}, follow=False)

    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == Status.NEW and incident.team == mx["payments"]


def test_actions_only_answer_post(client, mx, incident):
    client.force_login(mx["pat"])

    assert client.get(reverse("incidents:action", args=[incident.pk, "acknowledge"])).status_code == 405


def test_an_unknown_action_is_not_found(client, mx, incident):
    assert act(client, mx["pat"], incident, "explode", follow=False).status_code == 404


def test_actions_need_the_csrf_token(mx, incident):
    strict = Client(enforce_csrf_checks=True)

    response = act(strict, mx["pat"], incident, "acknowledge", follow=False)

    assert response.status_code == 403
    assert Incident.objects.get(pk=incident.pk).status == Status.NEW


def test_only_the_receiving_team_may_accept_a_handoff(client, mx, incident):
    handoff = services.incident_reassign(incident=incident, user=mx["pat"], team="platform", reason="CDN.")
    client.force_login(mx["quinn"])  # payments, not platform

    response = client.post(reverse("incidents:handoff_accept", args=[incident.pk, handoff.pk]), follow=True)

    handoff.refresh_from_db()
    assert messages_of(response) == ["Only a member of Platform or a manager can accept this handoff."]
    assert handoff.state == HandoffState.PENDING
