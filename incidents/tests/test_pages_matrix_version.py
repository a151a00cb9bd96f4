"""The incident page's "Matrix version": the matrix it was routed under (a link to the matrix page as of
its filing day), whether today's matrix would route it the same way, and how much the matrix changed since."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from escalation_matrix.roles import APPROVERS
from incidents.matrix_version import incident_matrix_version
from incidents.selectors import incident_detail
from incidents.tests.factories import MONDAY, IncidentFactory, incident_matrix
from matrix import models as m
from matrix.governance import Draft, change_request_approve, change_request_submit
from matrix.tests import factories as mf

pytestmark = pytest.mark.django_db

LATER = MONDAY + dt.timedelta(days=2)


@pytest.fixture
def mx(db) -> dict:
    """The incidents' small matrix, set up (and so recorded in its history) an hour before MONDAY."""
    with time_machine.travel(MONDAY - dt.timedelta(hours=1), tick=False):
        return incident_matrix()


@pytest.fixture
def incident(mx):
    return IncidentFactory(title="Card payments fail", reporter=mx["agent"])  # checkout, SEV2 → Payments


def panel(client, user, incident, at=LATER) -> str:
    client.force_login(user)
    with time_machine.travel(at, tick=False):
        response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="matrix-version"')
    return re.sub(r"\s+", " ", html[start:html.index("</section>", start)])


def test_an_incident_routed_as_today_says_so_and_links_the_matrix_of_its_filing_day(client, mx, incident):
    html = panel(client, mx["quinn"], incident)

    assert "Routed under the matrix as it stood at Mon 2026-03-02 10:00 UTC" in html
    assert f'href="{reverse("matrix:home")}?as_of=2026-03-02">the matrix at the end of 2026-03-02</a>' in html
    assert "Same routing today" in html
    assert "No change to the matrix since it was filed." in html


def test_after_an_approved_rule_it_says_where_today_s_matrix_would_send_it(client, mx, incident, role_user):
    approver = role_user(APPROVERS, username="daniel")
    with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):
        draft = Draft(author=mx["max"], reason="Card failures belong to Platform")
        draft.record(m.RoutingRule(key="cards", name="Card problems", order=5, keywords="card",
                                   team=mx["platform"], tier_override=mx["tiers"]["sev1"]))
        change_request_approve(change_request=change_request_submit(draft=draft), approver=approver)

    html = panel(client, mx["quinn"], incident)

    assert "Differs today" in html and "Same routing today" not in html
    assert ('Today it would go to <a href="/teams/platform/">Platform</a> via rule “Card problems” (tier SEV1).'
            in html)
    for line in ("Team: Payments → Platform", "Rule: no rule → Card problems", "Tier: SEV2 → SEV1",
                 "Escalation policy: Default → Payments SEV1"):
        assert f"<li>{line}</li>" in html
    assert (f'1 change to the matrix since it was filed (<a href="{reverse("matrix:changes")}?since=2026-03-02">'
            f'what changed since 2026-03-02</a>)' in html)


def test_changed_escalation_steps_alone_are_a_difference(client, mx, incident):
    step = mx["default_policy"].steps.get(position=2)
    with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):
        step.delay_minutes = 20
        step._change_reason = "Leads want more time"
        step.save()

    html = panel(client, mx["quinn"], incident)

    assert "Today it would go to" in html and "(tier SEV2)" in html
    assert [line for line in re.findall(r"<li>(.*?)</li>", html)] == [
        "Escalation steps of Default: changed since filing"
    ]


def test_an_incident_today_s_matrix_cannot_route_says_why(client, mx):
    incident = IncidentFactory(product_area="onboarding", details={})  # no owner: the triage team, Support
    with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):
        mx["support"].is_triage = False
        mx["support"].save()

    html = panel(client, mx["quinn"], incident)

    assert ("Cannot be routed today</span> No rule matched, Onboarding has no owner and there is no triage team."
            in html)


def test_the_version_costs_one_query_when_the_matrix_is_kept(mx, incident, django_assert_num_queries):
    incident = incident_detail(incident.pk)  # as the page reads it, its timeline prefetched
    with time_machine.travel(LATER, tick=False):
        incident_matrix_version(incident)  # an earlier request loaded the kept matrix
        with django_assert_num_queries(1):  # the count of changes since filing
            version = incident_matrix_version(incident)
    assert version.same_today and version.changes_since == 0


def test_every_later_matrix_change_is_counted(mx, incident):
    with time_machine.travel(MONDAY + dt.timedelta(hours=3), tick=False):
        mf.VendorFactory(key="cdn", name="CDN")
        mx["search"].description = "Site search"
        mx["search"].save()

    assert incident_matrix_version(incident).changes_since == 2


def test_the_count_is_exact_while_the_links_name_whole_days(client, mx, incident):
    # The matrix was set up an hour before filing, the same day: the day's pages show it, the count does not.
    with time_machine.travel(MONDAY + dt.timedelta(hours=3), tick=False):
        mf.VendorFactory(key="cdn", name="CDN")

    html = panel(client, mx["quinn"], incident)

    assert "1 change to the matrix since it was filed" in html
    assert ">what changed since 2026-03-02</a>" in html and "the matrix at the end of 2026-03-02" in html
