"""The matrix page: who is notified when, per area and tier, and the coverage gaps highlighted."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from matrix import models as m
from matrix.governance import Draft, change_request_submit
from matrix.tests import factories as f

NOW = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)  # a Wednesday


@pytest.fixture
def org(db):
    """Checkout, owned by Payments (Alice on call, Bob its lead), with a SEV1 policy and playbook."""
    pm = f.standard_priority_matrix()
    payments = f.TeamFactory(key="payments", name="Payments")
    alice = f.UserFactory(username="alice", first_name="Alice", last_name="Archer")
    bob = f.UserFactory(username="bob", first_name="Bob", last_name="Baker")
    f.MembershipFactory(team=payments, user=bob, role=m.MembershipRole.LEAD)
    rotation = f.RotationFactory(team=payments, starts_on=dt.date(2026, 1, 5))
    f.RotationMemberFactory(rotation=rotation, user=alice, position=1)
    m.ContactChannel.objects.create(team=payments, kind=m.ChannelKind.EMAIL, target="payments@example.com",
                                    confirmed_at=NOW - dt.timedelta(days=3))
    checkout = f.AreaFactory(key="checkout", name="Checkout", owner_team=payments)
    policy = f.PolicyFactory(key="checkout-sev1", name="Checkout SEV1", area=checkout, tier=pm["tiers"]["sev1"])
    f.StepFactory(policy=policy, position=1, delay_minutes=0)
    f.StepFactory(policy=policy, position=2, delay_minutes=15, notify_on_call=False, notify_team_lead=True)
    f.StepFactory(policy=policy, position=3, delay_minutes=30, notify_on_call=False, notify_executives=True)
    # Every other tier: a general policy paging the routed team's on-call.
    general = f.PolicyFactory(key="general", name="General")
    f.StepFactory(policy=general, position=1, delay_minutes=0)
    f.PlaybookFactory(key="checkout-outage", name="Checkout outage", area=checkout, tier=pm["tiers"]["sev1"])
    return {"pm": pm, "payments": payments, "checkout": checkout, "alice": alice, "bob": bob, "rotation": rotation}


def get_matrix(client):
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("matrix:home"))
    assert response.status_code == 200
    return response, response.content.decode()


def row_for(response, key):
    return next(row for row in response.context["page"].rows if row.area.key == key)


def cell_for(response, area_key, tier_key):
    return next(c for c in row_for(response, area_key).cells if c.tier.key == tier_key)


def test_cell_shows_who_is_notified_at_each_step_and_when(agent_client, org):
    response, html = get_matrix(agent_client)

    cell = cell_for(response, "checkout", "sev1")
    assert [str(step) for step in cell.steps] == [
        "+0 on-call (Alice Archer)", "+15 lead (Bob Baker)", "+30 executives",
    ]
    assert ('<ol class="steps"><li class="step"><b>+0m</b> on-call (Alice Archer)</li>'
            '<li class="step"><b>+15m</b> lead (Bob Baker)</li>'
            '<li class="step"><b>+30m</b> executives</li></ol>') in html


def test_cell_shows_the_tier_targets_and_its_playbook(agent_client, org):
    _, html = get_matrix(agent_client)

    assert "ack 5m · contain 30m · resolve 4h" in html  # SEV1 of the standard matrix
    assert "ack 1h · contain 8h · resolve 2d" in html  # SEV3
    assert f'href="{reverse("matrix:playbook_detail", args=["checkout-outage"])}"' in html


def test_row_shows_lifecycle_owner_and_who_is_on_call_now_with_links(agent_client, org):
    org["checkout"].lifecycle_stage = m.LifecycleStage.BETA
    org["checkout"].save()

    response, html = get_matrix(agent_client)

    row = row_for(response, "checkout")
    assert row.owner == org["payments"]
    assert row.on_call == org["alice"]
    assert "Beta" in html
    assert f'href="{reverse("matrix:area_detail", args=["checkout"])}"' in html
    assert f'href="{reverse("matrix:team_detail", args=["payments"])}"' in html
    assert f'href="{reverse("matrix:person_detail", args=["alice"])}">Alice Archer</a>' in html


def test_specific_policy_wins_over_the_general_one_per_tier(agent_client, org):
    response, _ = get_matrix(agent_client)

    assert cell_for(response, "checkout", "sev1").policy.key == "checkout-sev1"
    assert cell_for(response, "checkout", "sev2").policy.key == "general"


def test_cells_without_policy_or_playbook_are_highlighted(agent_client, org):
    m.EscalationPolicy.objects.filter(key="general").delete()

    response, html = get_matrix(agent_client)

    sev2 = cell_for(response, "checkout", "sev2")
    assert sev2.policy is None and sev2.playbook is None
    assert sev2.gaps == ["no escalation policy", "no playbook"]
    assert cell_for(response, "checkout", "sev1").gaps == []
    assert html.count('class="cell gap"') == 3  # SEV2, SEV3, SEV4
    column = next(c for c in response.context["page"].tiers if c.tier.key == "sev2")
    assert column.cells_without_policy == 1
    assert "1 without policy" in html


def test_area_without_owner_is_highlighted_and_shows_where_its_incidents_go(agent_client, org):
    triage = f.TeamFactory(key="support", name="Support", is_triage=True)
    carol = f.UserFactory(username="carol", first_name="Carol", last_name="Cook")
    f.RotationMemberFactory(rotation=f.RotationFactory(team=triage, starts_on=dt.date(2026, 1, 5)), user=carol)
    f.AreaFactory(key="search", name="Search", owner_team=None)

    response, html = get_matrix(agent_client)

    row = row_for(response, "search")
    assert row.owner is None and row.team == triage and row.owner_gap
    assert "area-no-owner" in [finding.code for finding in row.findings]
    assert str(cell_for(response, "search", "sev2").steps[0]) == "+0 on-call (Carol Cook)"
    assert "no owner team" in html
    assert "Area &#x27;Search&#x27; has no owner team." in html  # in the lint panel


def test_team_with_nobody_on_call_is_highlighted(agent_client, org):
    mobile = f.TeamFactory(key="mobile", name="Mobile")
    f.AreaFactory(key="app", name="Mobile app", owner_team=mobile)

    response, html = get_matrix(agent_client)

    team_row = next(t for t in response.context["page"].teams if t.team == mobile)
    assert team_row.on_call is None
    assert "team-no-on-call-now" in [finding.code for finding in team_row.findings]
    assert re.search(r'<tr class="gap" id="team-mobile">', html)
    assert not re.search(r'<tr class="gap" id="team-payments">', html)
    assert row_for(response, "app").owner_gap
    cell = cell_for(response, "app", "sev2")
    assert str(cell.steps[0]) == "+0 on-call (nobody)"
    assert "a step reaches nobody" in cell.gaps


def test_stale_contacts_and_inactive_users_in_a_rotation_are_highlighted(agent_client, org, settings):
    settings.MATRIX_CONTACT_STALE_DAYS = 90
    channel = m.ContactChannel.objects.get(team=org["payments"])
    channel.confirmed_at = NOW - dt.timedelta(days=91)
    channel.save()
    gone = f.UserFactory(username="gone", is_active=False)
    f.RotationMemberFactory(rotation=org["rotation"], user=gone, position=2)

    response, html = get_matrix(agent_client)

    team_row = next(t for t in response.context["page"].teams if t.team == org["payments"])
    codes = {finding.code for finding in team_row.findings}
    assert {"team-contact-stale", "rotation-inactive-member"} <= codes
    assert re.search(r'<tr class="gap" id="team-payments">', html)
    assert row_for(response, "checkout").owner_gap  # the rows it owns point at the problem too
    assert "inactive user gone" in html


def test_lint_findings_are_listed_in_a_panel(agent_client, org):
    f.AreaFactory(key="search", name="Search", owner_team=None)

    response, html = get_matrix(agent_client)

    assert response.context["page"].findings
    assert 'id="lint"' in html
    assert "area-no-owner" in html


def test_rows_carry_the_text_the_search_box_narrows_by(agent_client, org):
    _, html = get_matrix(agent_client)

    assert 'data-filter="checkout checkout generally available payments alice archer checkout outage"' in html
    assert 'id="matrix-filter"' in html
    assert "js/matrix_filter.js" in html


def test_staff_see_admin_links_and_support_agents_do_not(client, org, role_user):
    change_url = reverse("admin:matrix_productarea_change", args=[org["checkout"].pk])

    client.force_login(role_user("Support agents"))
    assert change_url not in get_matrix(client)[1]
    client.force_login(role_user("Managers"))
    assert change_url in get_matrix(client)[1]


def test_matrix_page_requires_login(client, org):
    response = client.get(reverse("matrix:home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- pending change requests -------------------------------------------------------------------------
def propose(author, reason: str, *changes) -> m.ChangeRequest:
    """A pending change request with these (object, delete) changes, as the admin drafts one."""
    draft = Draft(author=author, reason=reason)
    for obj, delete in changes:
        draft.record(obj, delete=delete)
    return change_request_submit(draft=draft)


def pending_badge(html: str, area_key: str) -> str:
    row = html[html.index(f'id="area-{area_key}"'):]
    row = row[:row.index("</th>")]
    found = re.search(r'<(a|span) class="badge text-bg-warning pending-badge[^>]*>[^<]*</(a|span)>', row)
    return found.group(0) if found else ""


@pytest.fixture
def proposals(org, role_user):
    """Three pending requests on checkout (its owner; a rule moving from search to it; a step of its SEV1
    policy) and one decided request."""
    morgan = role_user("Managers", username="morgan")
    search = f.AreaFactory(key="search", name="Search", owner_team=org["payments"])
    rule = f.RuleFactory(key="search-rule", name="Search problems", area=search, team=org["payments"])
    checkout = org["checkout"]
    checkout.owner_team = f.TeamFactory(key="storefront", name="Storefront")
    owner = propose(morgan, "Storefront takes checkout", (checkout, False))
    rule.area = org["checkout"]
    moved = propose(morgan, "It is really checkout", (rule, False))
    step = m.EscalationStep.objects.get(policy__key="checkout-sev1", position=2)
    step.delay_minutes = 5
    steps = propose(morgan, "Faster", (step, False))
    search.name = "Site search"
    decided = propose(morgan, "Clearer", (search, False))
    decided.status = m.ChangeRequestStatus.REJECTED
    decided.save()
    return {"owner": owner, "moved": moved, "steps": steps, "search": search}


def test_pending_change_requests_show_on_each_area_they_touch(manager_client, org, proposals):
    response, html = get_matrix(manager_client)

    owner, moved, steps = proposals["owner"], proposals["moved"], proposals["steps"]
    assert row_for(response, "checkout").pending == [owner, moved, steps]
    assert row_for(response, "search").pending == [moved]  # the rule's area before the change
    ids = f"{owner.pk},{moved.pk},{steps.pk}"
    assert (f'href="{reverse("admin:matrix_changerequest_changelist")}?status__exact=pending&amp;id__in={ids}"'
            in pending_badge(html, "checkout"))
    assert ">3 pending changes</a>" in pending_badge(html, "checkout")
    assert (f'href="{reverse("admin:matrix_changerequest_change", args=[moved.pk])}"' in pending_badge(html, "search")
            and ">1 pending change</a>" in pending_badge(html, "search"))


def test_support_agents_see_the_pending_badge_without_an_admin_link(agent_client, org, proposals):
    _, html = get_matrix(agent_client)

    badge = pending_badge(html, "search")
    assert badge.startswith("<span") and ">1 pending change</span>" in badge
    assert "It is really checkout — by morgan" in badge


def test_decided_change_requests_are_not_shown(agent_client, org, proposals):
    for change_request in m.ChangeRequest.objects.exclude(status=m.ChangeRequestStatus.REJECTED):
        change_request.status = m.ChangeRequestStatus.WITHDRAWN
        change_request.save()

    response, html = get_matrix(agent_client)

    assert all(not row.pending for row in response.context["page"].rows)
    assert "pending-badge" not in html
