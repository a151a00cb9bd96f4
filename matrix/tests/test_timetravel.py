"""Time travel: the matrix page as it stood on a day, rendered from the history that real changes wrote.

The story (``reorg``): on Monday 2 March the matrix is set up; on Thursday 5 March approved change
requests give Checkout to Payments, speed up its SEV1 escalation, put Carol on call for Payments instead
of Alice, delete the Legacy area and give Search its first playbook; Ned stops being notified directly.
"""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escalation_matrix.roles import APPROVERS, MANAGERS
from matrix import models as m
from matrix.governance import Draft, change_request_approve, change_request_submit
from matrix.governance.history import change_context
from matrix.routing import RouteRequest
from matrix.selectors.matrix_page import GAP_NO_PLAYBOOK
from matrix.tests import factories as f
from matrix.timetravel import HistoricalSnapshot, end_of_day

pytestmark = pytest.mark.django_db

SET_UP = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # Monday
REORG = dt.datetime(2026, 3, 5, 10, 0, tzinfo=dt.UTC)  # Thursday
TODAY = dt.datetime(2026, 3, 6, 12, 0, tzinfo=dt.UTC)  # Friday
BEFORE_REORG = dt.date(2026, 3, 3)


def approved(author, approver, reason: str, *changes) -> m.ChangeRequest:
    """One change request with these (object, delete) changes, drafted by ``author`` and approved."""
    draft = Draft(author=author, reason=reason)
    for obj, delete in changes:
        draft.record(obj, delete=delete)
    change_request = change_request_submit(draft=draft)
    return change_request_approve(change_request=change_request, approver=approver)


def reorg(role_user) -> dict:
    with time_machine.travel(SET_UP, tick=False):
        pm = f.standard_priority_matrix()
        people = {name: f.UserFactory(username=name, first_name=name.title(), last_name="Tester")
                  for name in ("sue", "sam", "alice", "bob", "carol", "ned")}
        storefront = f.TeamFactory(key="storefront", name="Storefront")
        payments = f.TeamFactory(key="payments", name="Payments")
        for team, lead, on_call in ((storefront, "sam", "sue"), (payments, "bob", "alice")):
            f.MembershipFactory(team=team, user=people[lead], role=m.MembershipRole.LEAD)
            rotation = f.RotationFactory(team=team, starts_on=dt.date(2026, 1, 5))
            f.RotationMemberFactory(rotation=rotation, user=people[on_call], position=1)
        stripe = f.VendorFactory(key="stripe", name="Stripe")
        checkout = f.AreaFactory(key="checkout", name="Checkout", owner_team=storefront)
        checkout.depends_on_vendors.add(stripe)
        search = f.AreaFactory(key="search", name="Search", owner_team=payments)
        legacy = f.AreaFactory(key="legacy", name="Legacy", owner_team=storefront)
        policy = f.PolicyFactory(key="checkout-sev1", name="Checkout SEV1", area=checkout, tier=pm["tiers"]["sev1"])
        f.StepFactory(policy=policy, position=1, delay_minutes=0)
        step2 = f.StepFactory(policy=policy, position=2, delay_minutes=15, notify_on_call=False, notify_team_lead=True)
        step2.notify_users.add(people["ned"])
        general = f.PolicyFactory(key="general", name="General")
        f.StepFactory(policy=general, position=1, delay_minutes=0)
        f.PlaybookFactory(key="checkout", name="Checkout failures", area=checkout)
        morgan = role_user(MANAGERS, username="morgan", first_name="Morgan", last_name="Lee")
        daniel = role_user(APPROVERS, username="daniel", first_name="Daniel", last_name="Diaz")

    with time_machine.travel(REORG, tick=False):
        checkout.owner_team = payments
        approved(morgan, daniel, "Payments takes over checkout", (checkout, False))
        step2.delay_minutes = 5
        step3 = m.EscalationStep(policy=policy, position=3, delay_minutes=30, notify_on_call=False,
                                 notify_executives=True)
        approved(morgan, daniel, "Faster escalation for checkout", (policy, False), (step2, False), (step3, False))
        rotation = payments.rotations.get()
        alice_slot = rotation.members.get()
        carol_slot = m.RotationMember(rotation=rotation, user=people["carol"], position=1)
        approved(morgan, daniel, "Carol replaces Alice on call", (rotation, False), (alice_slot, True),
                 (carol_slot, False))
        approved(morgan, daniel, "Legacy is retired", (legacy, True))
        approved(morgan, daniel, "Search gets a playbook",
                 (m.Playbook(key="search", name="Search outage", area=search), False))
        with change_context("Ned moved to another team", user=morgan):  # as the admin saves an m2m edit
            step2.notify_users.set([])
    return {**pm, **people, "storefront": storefront, "payments": payments, "checkout": checkout,
            "search": search, "legacy": legacy, "policy": policy, "stripe": stripe, "morgan": morgan,
            "daniel": daniel}


@pytest.fixture
def story(role_user) -> dict:
    return reorg(role_user)


def matrix_page(client, **params):
    with time_machine.travel(TODAY, tick=False):
        response = client.get(reverse("matrix:home"), params)
    assert response.status_code == 200
    return response


def row(response, key):
    return next((r for r in response.context["page"].rows if r.area.key == key), None)


def cell(response, key, tier="sev1"):
    return next(c for c in row(response, key).cells if c.tier.key == tier)


def steps_of(response, key, tier="sev1") -> list[str]:
    return [str(step) for step in cell(response, key, tier).steps]


# --- the bar: rendering the page against history ------------------------------------------------------
def test_as_of_page_shows_the_old_owner_steps_on_call_and_gaps_from_before_the_approved_changes(
    agent_client, story
):
    then = matrix_page(agent_client, as_of=BEFORE_REORG.isoformat())
    html = then.content.decode()

    assert row(then, "checkout").owner.key == "storefront"
    assert steps_of(then, "checkout") == ["+0 on-call (Sue Tester)", "+15 lead (Sam Tester), Ned Tester"]
    assert ('<li class="step"><b>+15m</b> lead (Sam Tester), Ned Tester</li>') in html
    assert row(then, "search").on_call.username == "alice"  # Payments' rotation before Carol took over
    assert GAP_NO_PLAYBOOK in cell(then, "search").gaps
    assert any(finding.code == "area-no-playbook" and finding.subject_key == "search"
               for finding in then.context["page"].findings)
    assert row(then, "legacy") is not None  # deleted since, there then
    assert "The matrix as it stood on Tuesday 3 March 2026" in html
    assert f'href="{reverse("matrix:home")}">Back to today</a>' in html
    assert f'href="{reverse("matrix:changes")}?since=2026-03-04">What changed since then</a>' in html


def test_todays_page_shows_the_approved_changes(agent_client, story):
    now = matrix_page(agent_client)
    html = now.content.decode()

    assert row(now, "checkout").owner.key == "payments"
    assert steps_of(now, "checkout") == ["+0 on-call (Carol Tester)", "+5 lead (Bob Tester)", "+30 executives"]
    assert row(now, "search").on_call.username == "carol"
    assert GAP_NO_PLAYBOOK not in cell(now, "search").gaps
    assert row(now, "legacy") is None
    assert "as-of-banner" not in html
    assert f'href="{reverse("matrix:changes")}">What changed</a>' in html


def test_the_day_of_the_changes_shows_them_made(agent_client, story):
    that_day = matrix_page(agent_client, as_of="2026-03-05")

    assert row(that_day, "checkout").owner.key == "payments"
    assert steps_of(that_day, "checkout") == ["+0 on-call (Carol Tester)", "+5 lead (Bob Tester)", "+30 executives"]


def test_a_day_before_any_history_says_the_matrix_had_nothing_recorded(agent_client, story):
    html = matrix_page(agent_client, as_of="2026-02-27").content.decode()

    assert "On Friday 27 February 2026 the matrix had nothing recorded yet" in html
    assert 'id="matrix-grid"' not in html


@pytest.mark.parametrize(("value", "message"), [
    ("2026-03-07", "2026-03-07 is in the future: the matrix can only be shown up to today (2026-03-06)."),
    ("last tuesday", "Not a date: write it as YYYY-MM-DD, e.g. 2026-03-02."),
    ("2026-02-30", "Not a date: write it as YYYY-MM-DD, e.g. 2026-03-02."),
])
def test_a_date_that_cannot_be_shown_is_said_so_above_todays_matrix(agent_client, story, value, message):
    response = matrix_page(agent_client, as_of=value)
    html = response.content.decode()

    assert f"{message} Showing today's matrix instead." in html
    assert response.context["page"].as_of is None
    assert row(response, "checkout").owner.key == "payments"


def test_as_of_page_leaves_out_pending_change_requests_that_todays_page_shows(agent_client, story):
    search = story["search"]
    search.owner_team = story["storefront"]
    draft = Draft(author=story["morgan"], reason="Storefront takes search")
    draft.record(search)
    with time_machine.travel(TODAY, tick=False):
        change_request_submit(draft=draft)

    assert [cr.reason for cr in row(matrix_page(agent_client), "search").pending] == ["Storefront takes search"]
    assert row(matrix_page(agent_client, as_of=BEFORE_REORG.isoformat()), "search").pending == []


# --- the snapshot itself ---------------------------------------------------------------------------------
def test_historical_snapshot_routes_and_reads_relations_as_they_stood_without_queries(story, django_assert_num_queries):
    snapshot = HistoricalSnapshot(end_of_day(BEFORE_REORG))
    decision = snapshot.router.route(RouteRequest(area="checkout", impact="extensive", urgency="critical"))
    assert (decision.team.key, decision.tier.key, decision.policy.key) == ("storefront", "sev1", "checkout-sev1")
    assert decision.on_call.username == "sue"

    checkout = snapshot.area_by_key["checkout"]
    with django_assert_num_queries(0):
        assert checkout.owner_team.name == "Storefront"
        assert [v.key for v in checkout.depends_on_vendors.all()] == ["stripe"]
        steps = list(decision.policy.steps.all())
        assert [s.delay_minutes for s in steps] == [0, 15]
        assert [u.username for u in steps[1].notify_users.all()] == ["ned"]
        assert steps[1].policy.name == "Checkout SEV1"


def test_an_object_renamed_later_keeps_its_old_values_in_the_past(story):
    stripe = story["stripe"]
    with time_machine.travel(TODAY, tick=False):
        stripe.name = "Stripe Payments"
        stripe.save()

    assert HistoricalSnapshot(end_of_day(BEFORE_REORG)).vendor_by_key["stripe"].name == "Stripe"
    assert HistoricalSnapshot(TODAY).vendor_by_key["stripe"].name == "Stripe Payments"


def test_as_of_page_costs_the_same_queries_at_5_and_25_areas(agent_client, role_user):
    from matrix.tests.test_matrix_page_queries import add_areas, build_shared, build_teams

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            matrix_page(agent_client, as_of=BEFORE_REORG.isoformat())
        return len(queries)

    with time_machine.travel(SET_UP, tick=False):
        tiers = list(f.standard_priority_matrix()["tiers"].values())
        teams = build_teams()
        build_shared(tiers)
        add_areas(0, 5, teams, tiers)
    small = count()
    with time_machine.travel(SET_UP, tick=False):
        add_areas(5, 25, teams, tiers)
    large = count()

    assert m.ProductArea.objects.count() == 25
    assert large == small


# --- in a real browser -----------------------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_manager_looks_at_the_matrix_of_an_earlier_day_and_then_at_what_changed_since(live_server, role_user):
    from django.test import Client
    from playwright.sync_api import expect

    from matrix.tests.browser import browser_page

    story = reorg(role_user)
    client = Client()
    client.force_login(story["morgan"])
    with browser_page(live_server.url, client.cookies["sessionid"].value) as page:
        page.goto("/")
        expect(page.locator("#area-checkout")).to_contain_text("Payments")
        page.get_by_label("Show the matrix as it stood on").fill(BEFORE_REORG.isoformat())
        page.get_by_role("button", name="As of…").click()

        expect(page.locator(".as-of-banner")).to_contain_text("The matrix as it stood on Tuesday 3 March 2026")
        expect(page.locator("#area-checkout")).to_contain_text("Storefront")
        expect(page.locator("#area-search")).to_contain_text("no playbook")
        page.get_by_role("link", name="What changed since then").click()

        expect(page.locator(f"#change-productarea-{story['checkout'].pk}")).to_contain_text(
            "Owner team: Storefront → Payments")
        expect(page.locator(".changes-summary")).to_contain_text("from Wed 4 Mar 2026")
