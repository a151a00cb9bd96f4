"""The routing accuracy page, the routing simulator page, and rule accuracy in the routing rule admin."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import learning
from incidents.services import incident_flag_misroute
from incidents.tests.factories import MONDAY, IncidentFactory, after
from matrix import models as m
from matrix.governance import Draft, change_request_submit

pytestmark = pytest.mark.django_db
ACCURACY, SIMULATOR = reverse("incidents:routing_accuracy"), reverse("incidents:routing_simulator")


@pytest.fixture(autouse=True)
def a_week_later():
    with time_machine.travel(MONDAY + dt.timedelta(days=7), tick=False):
        yield


@pytest.fixture
def history(mx):
    """cdn (→ platform) routed three: two misrouted to payments; one checkout incident (its owner); and an
    older one, filed 120 days before, that cdn misrouted to support."""
    long_ago = MONDAY - dt.timedelta(days=120)
    old = IncidentFactory(title="CDN outage of old", now=long_ago)
    incident_flag_misroute(incident=old, user=mx["pat"], team="support", reason="Ours.",
                           now=long_ago + dt.timedelta(minutes=5))
    made = [IncidentFactory(title=t) for t in ["CDN refund page times out", "Refund stuck behind CDN", "CDN slow"]]
    for incident in made[:2]:
        incident_flag_misroute(incident=incident, user=mx["pat"], team="payments", reason="Refunds.", now=after(5))
    made.append(IncidentFactory())
    return made


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def row(response, key: str) -> str:
    html = response.content.decode()
    start = html.index(f'id="rule-{key}"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:html.index("</tr>", start)]))


def test_anonymous_people_are_sent_to_log_in(client):
    for url in (ACCURACY, SIMULATOR):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_accuracy_page_shows_each_rules_rate_and_misroutes_by_team(client, mx, history):
    client.force_login(mx["lena"])  # an incident lead

    response = client.get(ACCURACY)

    assert response.status_code == 200
    assert "#10 CDN problems Platform 3 33% 1 of 3 2 → Payments" in row(response, "cdn")
    assert "1 100% 1 of 1" in row(response, "area_owner")
    assert "Escalation accuracy, last 90 days: 50% routed right the first time" in text(response)
    assert 'href="/admin/' not in response.content.decode()  # not staff: no admin links


def test_a_rate_is_poor_below_the_floor_the_matrix_review_uses(client, mx, history, settings):
    client.force_login(mx["lena"])
    html = client.get(ACCURACY).content.decode()
    assert 'text-bg-danger">33%' in html  # below the default 80%

    settings.MATRIX_REVIEW_RULE_ACCURACY_MIN = 30
    html = client.get(ACCURACY).content.decode()
    assert 'text-bg-warning">33%' in html


def test_the_period_selects_the_incidents_counted(manager_client, mx, history):
    recent = manager_client.get(ACCURACY, {"days": 30})
    year = manager_client.get(ACCURACY, {"days": 365})

    assert "2 → Payments" in row(recent, "cdn") and "Support" not in row(recent, "cdn")
    assert "4 25% 1 of 4 2 → Payments, 1 → Support" in row(year, "cdn")
    assert f'href="{reverse("admin:matrix_routingrule_change", args=[mx["cdn_rule"].pk])}"' in (
        year.content.decode())


def test_a_rules_wrongly_routed_incidents_are_listed_with_where_they_went(client, mx, history):
    client.force_login(mx["agent"])

    response = client.get(ACCURACY, {"days": 90, "rule": "cdn"})

    listed = response.content.decode().split('id="wrongly-routed"')[1]
    assert f'href="/incidents/{history[0].pk}/"' in listed and f'/incidents/{history[2].pk}/' not in listed
    assert "routed to Platform, moved to Payments" in text(response)


def test_a_refinement_drafted_for_a_rule_is_linked_from_its_row(manager_client, mx, history, settings):
    settings.ROUTING_REFINE_THRESHOLD = 1
    incident_flag_misroute(incident=history[2], user=mx["pat"], team="payments", reason="Ours.", now=after(7))
    learning.refine_after_misroute(incident_id=history[2].pk)  # what the worker runs after the misroute
    drafted = m.ChangeRequest.objects.get(status="draft")

    response = manager_client.get(ACCURACY)

    assert f"refinement #{drafted.pk} drafted" in row(response, "cdn")
    assert reverse("admin:matrix_changerequest_change", args=[drafted.pk]) in response.content.decode()


def test_a_drill_never_shows_on_the_accuracy_page(manager_client, mx, history):
    before = row(manager_client.get(ACCURACY), "cdn")
    drill = IncidentFactory(title="CDN drill", is_drill=True)
    incident_flag_misroute(incident=drill, user=mx["pat"], team="payments", reason="Drill.", now=after(6))

    assert row(manager_client.get(ACCURACY), "cdn") == before


def refund_rule_request(mx) -> m.ChangeRequest:
    draft = Draft(author=mx["max"], reason="Refunds belong to payments")
    draft.record(m.RoutingRule(key="refunds", name="Refunds", order=5, keywords="refund", team=mx["payments"]))
    return change_request_submit(draft=draft)


def test_the_simulator_replays_a_change_request_from_a_link(client, mx, history, role_user):
    change_request = refund_rule_request(mx)
    client.force_login(role_user("Approvers", username="apu"))  # approvers decide it: they may replay it

    response = client.get(SIMULATOR, {"change_request": change_request.pk, "last": 200})

    assert response.status_code == 200
    page = text(response)
    assert f"Replayed 5 incidents with change request #{change_request.pk} (Refunds belong to payments)" in page
    assert "Decisions that change 2 (2 better, 0 worse)" in page
    assert "today 40% → with the draft 80% (2 → 4 of 5)" in page
    html = response.content.decode()
    assert f'id="changed-{history[0].pk}"' in html and f'id="changed-{history[2].pk}"' not in html


def test_the_simulator_replays_rules_edited_on_the_page(manager_client, mx, history):
    page = manager_client.get(SIMULATOR)
    rules = page.context["by_rules"]["rules"].value()
    assert "key: cdn" in rules and "team: platform" in rules  # today's rules to start from

    response = manager_client.post(SIMULATOR, {"rules": rules.replace("team: platform", "team: payments"),
                                               "last": 200})

    assert response.status_code == 200
    # The old incident, which belonged to support, changes too: neither better nor worse.
    assert "Decisions that change 4 (2 better, 1 worse)" in text(response)
    assert m.RoutingRule.objects.get().team == mx["platform"]  # nothing saved


def test_the_simulator_counts_the_steps_a_policy_edited_on_the_page_would_fire(manager_client, mx, history):
    page = manager_client.get(SIMULATOR).context["by_rules"]["rules"].value()
    assert "policies:" in page and "key: default" in page  # today's policies to start from
    # Default climbs to the lead when containment is 30 minutes late; none of the five was contained.
    policies = page[page.index("policies:"):].replace(
        "- key: payments-sev1", "  - {phase: contain, counted_from: target, delay_minutes: 30}\n- key: payments-sev1")

    response = manager_client.post(SIMULATOR, {"rules": policies, "last": 200})

    assert response.status_code == 200
    page = text(response)
    assert "Decisions that change 0" in page
    assert ("Escalation steps fired Phase Today With the draft "
            "Acknowledgement 10 10 Containment 0 5 Resolution 0 0") in page
    assert "Default: acknowledgement 2 steps, containment 1 step fired" in page
    assert m.EscalationStep.objects.filter(phase=m.Phase.CONTAIN).count() == 0  # nothing saved


def test_the_simulator_says_what_is_wrong_with_edited_rules(manager_client, mx):
    response = manager_client.post(SIMULATOR, {"rules": "- key: cdn\n  name: CDN\n  order: 10\n  team: nobody\n",
                                               "last": 200})

    assert response.status_code == 400
    assert response.context["by_rules"].errors["rules"] == ["rules[0] (key 'cdn').team: unknown team 'nobody' (line 4)"]
    assert "rules[0] (key &#x27;cdn&#x27;).team: unknown team &#x27;nobody&#x27; (line 4)" in (
        response.content.decode())
    assert response.context["result"] is None


def test_the_simulator_replays_at_most_2000_incidents(manager_client, mx):
    response = manager_client.post(SIMULATOR, {"rules": "rules: []", "last": 5000})

    assert response.status_code == 400
    assert response.context["by_rules"].errors["last"] == ["At most 2000 incidents."]


def test_the_simulator_refuses_a_request_that_is_not_open(client, mx):
    change_request = refund_rule_request(mx)
    m.ChangeRequest.objects.filter(pk=change_request.pk).update(status="approved")
    client.force_login(mx["max"])

    response = client.get(SIMULATOR, {"change_request": change_request.pk, "last": 200})

    assert response.status_code == 400
    assert "That change request is not open or does not touch routing." in text(response)


@pytest.mark.parametrize("who", ["agent", "lena", "eve"])
def test_only_people_deciding_routing_changes_run_the_simulator(client, mx, who, monkeypatch):
    change_request = refund_rule_request(mx)
    monkeypatch.setattr("incidents.simulator.simulate", lambda **kwargs: pytest.fail("no replay for them"))
    client.force_login(mx[who])  # a support agent, an incident lead, an executive

    page = client.get(SIMULATOR)
    posted = client.post(SIMULATOR, {"rules": "rules: []", "last": 2000})
    linked = client.get(SIMULATOR, {"change_request": change_request.pk, "last": 2000})

    assert page.status_code == 200 and "Only people who decide changes to routing run the simulator" in text(page)
    assert 'id="simulate-rules"' not in page.content.decode()
    assert posted.status_code == 403 and linked.status_code == 403


def test_the_routing_rule_admin_shows_each_rules_record(manager_client, mx, history):
    changelist = manager_client.get(reverse("admin:matrix_routingrule_changelist"))
    change = manager_client.get(reverse("admin:matrix_routingrule_change", args=[mx["cdn_rule"].pk]))

    assert "Right first time" in text(changelist)
    assert "33% of 3 in 90 days (misroutes 2→Payments)" in text(changelist)
    assert "33% of 3 in 90 days (misroutes 2→Payments)" in text(change)


def test_the_rule_admins_record_column_costs_the_same_queries_for_more_rules(manager_client, mx, history):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            manager_client.get(reverse("admin:matrix_routingrule_changelist"))
        return len(captured)

    few = queries()
    for n in range(5):
        m.RoutingRule.objects.create(key=f"more-{n}", name=f"More {n}", order=100 + n, team=mx["support"])
    assert queries() == few


def test_a_change_request_touching_rules_links_to_the_simulator(manager_client, mx):
    change_request = refund_rule_request(mx)

    page = manager_client.get(reverse("admin:matrix_changerequest_change", args=[change_request.pk]))

    assert f'href="{SIMULATOR}?change_request={change_request.pk}"' in page.content.decode()
