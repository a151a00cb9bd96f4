"""Who may open what, and who may do what: ONE table, every URL, anonymous and each of the six roles.

Every URL of the URLconf (the admin's aside: a few explicit rows cover it) needs a row, or the test fails
with "add it to the table": a new page or action is never open to roles by accident. Every action of the
incident page (``incidents.views.actions.ACTIONS``) needs a POST row too.

Each role is a person of that role and nothing else: on no team, leading no review, facilitating no drill,
owning no area. What the product grants through those ties (a review's lead writes it whatever their role)
is tested where those features are; here the answer depends on the role alone.

The cells are the status code the product intends, from docs/guide.md's roles and each view's checks:
``L`` a redirect to the login page, ``A`` a redirect to the admin's login, ``302`` any other redirect (for
an action: done, or refused with a message on the page it returns to), ``-`` not asked. Every request runs
in a transaction rolled back after it, so each starts from the same data (built once for the module).
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from escalation_matrix.roles import APPROVERS, EXECUTIVES, INCIDENT_LEADS, MANAGERS, RESPONDERS, SUPPORT_AGENTS

# The test database is set up only for tests that ask for it; each test also runs in a savepoint of its own.
pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
COLUMNS = (ANONYMOUS, MANAGERS, APPROVERS, SUPPORT_AGENTS, RESPONDERS, INCIDENT_LEADS, EXECUTIVES)


@dataclass(frozen=True)
class Row:
    name: str  # the URL's name, namespaced ("incidents:detail"); "admin:…" rows are the explicit admin ones
    method: str
    expected: str  # one cell per column, in COLUMNS' order
    kwargs: dict[str, Any] = field(default_factory=dict)  # "@x": the pk of the dataset's x; "=x": x itself
    data: dict[str, Any] = field(default_factory=dict)  # same notation
    query: str = ""

    @property
    def label(self) -> str:
        action = f" {self.kwargs['action']}" if "action" in self.kwargs else ""
        return f"{self.method} {self.name}{action}{'?' + self.query if self.query else ''}"


def R(name: str, method: str, expected: str, query: str = "", data: dict | None = None, **kwargs) -> Row:
    return Row(name, method, expected, kwargs, data or {}, query)


INCIDENT = {"pk": "@incident"}
RESOLVED = {"pk": "@resolved"}
REASON = {"reason": "Checked by the permission table."}
TEAM_REASON = {"team": "support", "reason": "Not ours: a question about an invoice."}

# fmt: off
# Columns:                                         anon Mgr  Appr Agent Resp Lead Exec
TABLE: list[Row] = [
    # --- outside the login ----------------------------------------------------------------------------
    R("healthz",                            "GET",  "200  200  200  200  200  200  200"),
    R("login",                              "GET",  "200  200  200  200  200  200  200"),
    R("logout",                             "POST", "L    L    L    L    L    L    L"),  # to the login page
    R("logout",                             "GET",  "L    405  405  405  405  405  405"),
    # The development outbox: there only with DEBUG on (the tests run the production configuration).
    R("dev_outbox",                         "GET",  "L    404  404  404  404  404  404"),

    # --- the matrix: every role sees it (guide: "Logging in") ------------------------------------------
    R("matrix:home",                        "GET",  "L    200  200  200  200  200  200"),
    R("matrix:changes",                     "GET",  "L    200  200  200  200  200  200"),
    R("matrix:route_preview",               "GET",  "L    200  200  200  200  200  200"),
    R("matrix:search",                      "GET",  "L    200  200  200  200  200  200", query="q=pay"),
    R("matrix:area_detail",                 "GET",  "L    200  200  200  200  200  200", key="checkout"),
    R("matrix:team_list",                   "GET",  "L    200  200  200  200  200  200"),
    R("matrix:team_detail",                 "GET",  "L    200  200  200  200  200  200", key="payments"),
    R("matrix:vendor_list",                 "GET",  "L    200  200  200  200  200  200"),
    R("matrix:vendor_detail",               "GET",  "L    200  200  200  200  200  200", key="stripe"),
    R("matrix:person_detail",               "GET",  "L    200  200  200  200  200  200", username="pat"),
    R("matrix:playbook_detail",             "GET",  "L    200  200  200  200  200  200", key="checkout"),
    R("matrix:area_detail",                 "GET",  "L    404  404  404  404  404  404", key="no-such-area"),
    R("matrix:home",                        "POST", "L    405  405  405  405  405  405"),

    # --- incidents: everyone reads them; Support agents file; Responders, Leads, Managers act -------------
    R("incidents:list",                     "GET",  "L    200  200  200  200  200  200"),
    R("incidents:queue",                    "GET",  "L    200  200  200  200  200  200"),
    R("incidents:war_room",                 "GET",  "L    200  200  200  200  200  200"),
    R("incidents:routing_accuracy",         "GET",  "L    200  200  200  200  200  200"),
    R("incidents:routing_simulator",        "GET",  "L    200  200  200  200  200  200"),
    # Running a replay: Managers and Approvers only (guide: "The routing simulator").
    R("incidents:routing_simulator",        "POST", "L    200  200  403  403  403  403",
      data={"rules": "rules: []\n", "last": "50"}),
    R("incidents:file",                     "GET",  "L    200  403  200  200  200  403"),
    R("incidents:file",                     "POST", "L    302  403  302  302  302  403",
      data={"title": "Refunds fail", "description": "Every refund errors.", "product_area": "checkout",
            "impact": "significant", "urgency": "high", "channel": "web_form", "triage_order_id": "ORD-9",
            "submission_key": "perm-table-1"}),
    R("incidents:file_preview",             "GET",  "L    200  403  200  200  200  403",
      query="product_area=checkout&impact=significant&urgency=high"),
    R("incidents:detail",                   "GET",  "L    200  200  200  200  200  200", **INCIDENT),
    R("incidents:detail",                   "GET",  "L    404  404  404  404  404  404", pk=999999),
    R("incidents:live",                     "GET",  "L    200  200  200  200  200  200", **INCIDENT),
    R("incidents:checklist_tick",           "POST", "L    302  403  403  302  302  403", **INCIDENT,
      data={"item_id": "@checklist_item", "done": "1"}),
    R("incidents:checklist_tick",           "GET",  "L    405  405  405  405  405  405", **INCIDENT),
    # Accepting needs a member of the receiving team or a manager: others of the acting roles are told so
    # on the page (302), the rest refused outright.
    R("incidents:handoff_accept",           "POST", "L    302  403  403  302  302  403", **INCIDENT,
      handoff_id="@handoff"),
    R("incidents:action",                   "POST", "L    302  403  403  302  302  403", **INCIDENT,
      action="acknowledge"),
    R("incidents:action",                   "POST", "L    302  403  403  302  302  403", **INCIDENT,
      action="contain"),
    R("incidents:action",                   "POST", "L    302  403  403  302  302  403", **INCIDENT,
      action="resolve"),
    R("incidents:action",                   "POST", "L    302  403  403  302  302  403", **RESOLVED,
      action="close"),
    R("incidents:action",                   "POST", "L    302  403  403  302  302  403", **INCIDENT,
      action="assign"),
    R("incidents:action",                   "POST", "L    302  403  403  302  302  403", **INCIDENT,
      action="pause", data={"reason": "waiting_on_customer"}),
    R("incidents:action",                   "POST", "L    302  403  403  302  302  403", **INCIDENT,
      action="resume"),
    R("incidents:action",                   "POST", "L    302  403  403  302  302  403", **RESOLVED,
      action="reopen", data=REASON),
    R("incidents:action",                   "POST", "L    302  403  403  302  302  403", **INCIDENT,
      action="handoff", data=TEAM_REASON),
    R("incidents:action",                   "POST", "L    302  403  403  302  302  403", **INCIDENT,
      action="misroute", data=TEAM_REASON),
    R("incidents:action",                   "POST", "L    302  403  403  302  302  403", **INCIDENT,
      action="war-room", data={"commander": "@lena", "channel": "#inc-checkout"}),
    R("incidents:action",                   "POST", "L    302  403  403  302  302  403", **INCIDENT,
      action="update", data={"audience": "stakeholders", "body": "We are on it."}),
    R("incidents:action",                   "POST", "L    302  403  302  302  302  403", **INCIDENT,
      action="note", data={"text": "Looked at the dashboard."}),
    R("incidents:action",                   "POST", "L    302  403  403  302  302  403", **INCIDENT,
      action="vendor", data={"vendor": "stripe"}),
    R("incidents:action",                   "POST", "L    404  404  404  404  404  404", **INCIDENT,
      action="no-such-action"),
    R("incidents:action",                   "GET",  "L    405  405  405  405  405  405", **INCIDENT,
      action="acknowledge"),

    # --- post-incident reviews: everyone reads; Incident leads and Managers write (guide) ----------------
    R("reviews:list",                       "GET",  "L    200  200  200  200  200  200"),
    R("reviews:my_action_items",            "GET",  "L    200  200  200  200  200  200"),
    R("reviews:detail",                     "GET",  "L    200  200  200  200  200  200", pk="@review"),
    R("reviews:detail",                     "POST", "L    302  403  403  403  302  403", pk="@review",
      data={"routed_right": "yes", "tier": "right", "section_summary": "It broke.", "save": "1"}),
    R("reviews:detail",                     "POST", "L    302  403  403  403  302  403", pk="@review",
      data={"routed_right": "yes", "tier": "right", "section_summary": "It broke.", "publish": "1"}),
    R("reviews:autosave",                   "POST", "L    200  403  403  403  200  403", pk="@review",
      data={"section_summary": "It broke, so far."}),
    R("reviews:autosave",                   "POST", "L    409  403  403  403  409  403", pk="@published_review",
      data={"section_summary": "Too late."}),
    R("reviews:action_item_add",            "POST", "L    302  403  403  403  302  403", pk="@review",
      data={"title": "Alert on refunds", "owner": "@pat", "due_on": "=due"}),
    R("reviews:action_item_status",         "POST", "L    302  403  403  403  302  403", pk="@action_item",
      data={"status": "in_progress"}),
    R("reviews:action_item_raise_change",   "GET",  "L    302  403  403  403  403  403", pk="@action_item",
      query="target=team:add"),
    R("reviews:addendum_add",               "POST", "L    302  403  403  403  302  403", pk="@published_review",
      data={"text": "The root cause was the CDN after all."}),
    # Feedback is asked of the incident's participants: none of these people took part.
    R("reviews:feedback",                   "GET",  "L    403  403  403  403  403  403", pk="@published_review"),
    R("reviews:feedback",                   "POST", "L    403  403  403  403  403  403", pk="@published_review",
      data={"rating": "4"}),

    # --- the quarterly matrix review: everyone reads; managers run it; area owners attest ----------------
    R("reviews:matrix_review_list",         "GET",  "L    200  200  200  200  200  200"),
    R("reviews:matrix_review_current",      "GET",  "L    302  302  302  302  302  302"),
    R("reviews:matrix_review_start",        "POST", "L    302  403  403  403  403  403"),
    R("reviews:matrix_review_detail",       "GET",  "L    200  200  200  200  200  200", pk="@matrix_review"),
    R("reviews:matrix_review_evidence",     "GET",  "L    200  200  200  200  200  200", pk="@matrix_review"),
    R("reviews:matrix_review_refresh",      "POST", "L    302  403  403  403  403  403", pk="@matrix_review"),
    R("reviews:matrix_review_item",         "POST", "L    302  403  403  403  403  403", pk="@matrix_review",
      item_pk="@matrix_review_item", data={"resolved": "on", "resolution": "Done."}),
    R("reviews:matrix_review_attest",       "POST", "L    302  403  403  403  403  403", pk="@matrix_review",
      key="checkout", data={"comment": "Confirmed."}),
    R("reviews:matrix_review_withdraw",     "POST", "L    302  403  403  403  403  403", pk="@matrix_review",
      key="search"),
    R("reviews:matrix_review_request_change", "POST", "L  302  403  403  403  403  403", pk="@matrix_review",
      key="checkout", data={"text": "Nora left: a new product manager."}),
    # A manager may sign off, but not yet: two areas are still to attest (400, says which).
    R("reviews:matrix_review_sign_off",     "POST", "L    400  403  403  403  403  403", pk="@matrix_review",
      data={"notes": "All good."}),

    # --- drills: Managers and Incident leads schedule; the facilitator, Leads and Managers run ----------
    R("reviews:drill_list",                 "GET",  "L    200  200  200  200  200  200"),
    R("reviews:drill_schedule",             "GET",  "L    200  403  403  403  200  403"),
    # Allowed roles get the form back (400): the check here is who is refused.
    R("reviews:drill_schedule",             "POST", "L    400  403  403  403  400  403", data={"title": "x"}),
    R("reviews:drill_detail",               "GET",  "L    200  200  200  200  200  200", pk="@drill"),
    R("reviews:drill_edit",                 "GET",  "L    200  403  403  403  200  403", pk="@drill"),
    R("reviews:drill_start",                "POST", "L    302  403  403  403  302  403", pk="@drill"),
    R("reviews:drill_end",                  "POST", "L    302  403  403  403  302  403", pk="@drill"),
    R("reviews:drill_cancel",               "POST", "L    302  403  403  403  302  403", pk="@drill"),

    # --- training: Managers assign; everyone reads modules and completes their own -----------------------
    R("reviews:training_list",              "GET",  "L    200  200  200  200  200  200"),
    R("reviews:training_assign",            "GET",  "L    200  403  403  403  200  403"),
    R("reviews:training_assign",            "POST", "L    302  403  403  403  302  403",
      data={"module": "basics", "role": RESPONDERS, "due_on": "=due"}),
    R("reviews:training_module",            "GET",  "L    200  200  200  200  200  200", key="basics"),
    R("reviews:training_complete",          "POST", "L    302  302  302  302  302  302", key="basics"),

    # --- the API: signed-in users and token holders; DRF answers JSON ------------------------------------
    R("api-schema",                         "GET",  "401  200  200  200  200  200  200"),
    R("api-matrix",                         "GET",  "401  200  200  200  200  200  200"),
    R("api-route-preview",                  "GET",  "401  200  200  200  200  200  200",
      query="title=Refunds+fail&product_area=checkout&impact=significant&urgency=high"),
    R("api-hook",                           "POST", "401  401  401  401  401  401  401", integration_key="tool"),
    R("api-incident-list",                  "GET",  "401  200  200  200  200  200  200"),
    R("api-incident-list",                  "POST", "401  201  403  201  201  201  403",
      data={"title": "Refunds fail", "description": "Every refund errors.", "product_area": "checkout",
            "impact": "significant", "urgency": "high", "details": {"order_id": "ORD-9"}}),
    R("api-incident-detail",                "GET",  "401  200  200  200  200  200  200", **INCIDENT),
    R("api-incident-acknowledge",           "POST", "401  200  403  403  200  200  403", **INCIDENT),
    # 409 for the roles that may act: the incident is new ("Acknowledge it first"), or not paused (resume).
    R("api-incident-contain",               "POST", "401  409  403  403  409  409  403", **INCIDENT),
    R("api-incident-resolve",               "POST", "401  409  403  403  409  409  403", **INCIDENT),
    R("api-incident-close",                 "POST", "401  200  403  403  200  200  403", **RESOLVED),
    R("api-incident-assign",                "POST", "401  200  403  403  200  200  403", **INCIDENT,
      data={"assignee": "pat"}),
    R("api-incident-pause",                 "POST", "401  200  403  403  200  200  403", **INCIDENT,
      data={"reason": "waiting_on_customer"}),
    R("api-incident-resume",                "POST", "401  409  403  403  409  409  403", **INCIDENT),
    R("api-incident-reopen",                "POST", "401  200  403  403  200  200  403", **RESOLVED, data=REASON),
    R("api-incident-reassign",              "POST", "401  200  403  403  200  200  403", **INCIDENT,
      data=TEAM_REASON),
    R("api-incident-misroute",              "POST", "401  200  403  403  200  200  403", **INCIDENT,
      data=TEAM_REASON),
    R("api-incident-war-room",              "POST", "401  200  403  403  200  200  403", **INCIDENT,
      data={"commander": "lena", "channel": "#inc"}),
    R("api-incident-updates",               "POST", "401  201  403  403  201  201  403", **INCIDENT,
      data={"body": "We are on it."}),
    R("api-incident-notes",                 "POST", "401  201  403  201  201  201  403", **INCIDENT,
      data={"text": "Looked."}),
    R("api-incident-vendor",                "POST", "401  200  403  403  200  200  403", **INCIDENT,
      data={"vendor": "stripe"}),
    R("api-incident-checklist",             "POST", "401  200  403  403  200  200  403", **INCIDENT,
      data={"item_id": "@checklist_item", "done": True}),
    R("api-incident-accept-handoff",        "POST", "401  200  403  403  403  403  403", **INCIDENT,
      handoff_id="@handoff"),

    # --- the admin: its index and one list per app (not every admin URL); staff are Managers, Approvers --
    R("admin:index",                        "GET",  "A    200  200  A    A    A    A"),
    R("admin:matrix_team_changelist",       "GET",  "L    200  200  A    A    A    A"),
    R("admin:matrix_changerequest_changelist", "GET", "L  200  200  A    A    A    A"),
    R("admin:incidents_incident_changelist", "GET", "L    200  200  A    A    A    A"),
    R("admin:reviews_postincidentreview_changelist", "GET", "L 200 200 A   A    A    A"),
    R("admin:notifications_notification_changelist", "GET", "L 200 403 A   A    A    A"),
    R("admin:auth_user_changelist",         "GET",  "L    403  403  A    A    A    A"),
    # Approving a change request: approvers other than its author (Max drafted it).
    R("admin:matrix_changerequest_decide",  "POST", "L    403  302  A    A    A    A",
      object_id="@change_request", data={"decision": "approve", "comment": "Fine."}),
    R("admin:matrix_changerequest_decide",  "POST", "L    403  302  A    A    A    A",
      object_id="@change_request", data={"decision": "reject", "comment": "Not now."}),
]
# fmt: on

# Where the product answers otherwise than the table (which says what the guide intends): the answer it gives
# today, and why it looks wrong. Reported, not papered over: the table keeps the intended answer, and a fix
# makes the test say to remove the entry.
FINDINGS: dict[tuple[str, str], tuple[str, str]] = {
}


# --- the dataset: demo-like, built once for the module ---------------------------------------------------

def _build() -> dict:
    from incidents.models import Integration
    from incidents.services import incident_reassign
    from incidents.tests.factories import MONDAY, IncidentFactory, incident_matrix
    from matrix import models as m
    from matrix.governance.drafting import Draft
    from matrix.governance.services import change_request_submit
    from matrix.tests.factories import user_in_role
    from reviews.matrix_reviews.services import matrix_review_attest, matrix_review_open
    from reviews.models import ActionItem, MatrixReviewItem, PostIncidentReview
    from reviews.services import review_create
    from reviews.tests.factories import TrainingModuleFactory, resolved_incident, scheduled_drill

    mx = incident_matrix()
    d: dict[str, Any] = dict(mx)
    d["incident"] = IncidentFactory(reporter=mx["agent"])  # SEV2 in checkout, new, routed to Payments
    incident_reassign(incident=d["incident"], user=mx["pat"], team="platform", reason="Search is slow",
                      now=MONDAY + dt.timedelta(minutes=2))
    d["handoff"] = d["incident"].handoffs.get()
    d["checklist_item"] = mx["checklist"][0]

    d["resolved"] = resolved_incident(responder=mx["pat"])  # SEV1: requires a review
    d["review"] = review_create(incident=d["resolved"], resolved_by=mx["pat"], now=MONDAY + dt.timedelta(hours=1))
    d["action_item"] = ActionItem.objects.create(review=d["review"], title="Alert on refunds", owner=mx["pat"],
                                                 due_on=timezone.localdate() + dt.timedelta(days=30))
    published = resolved_incident(responder=mx["quinn"], filed_at=MONDAY + dt.timedelta(days=1))
    d["published_review"] = review_create(incident=published, resolved_by=mx["quinn"])
    PostIncidentReview.objects.filter(pk=d["published_review"].pk).update(
        published_at=timezone.now(), published_by=mx["lena"], routed_right=True, tier_right=True)

    d["drill"] = scheduled_drill(mx, at=timezone.now() + dt.timedelta(days=7))
    d["module"] = TrainingModuleFactory(key="basics", title="Basics")
    d["due"] = (timezone.localdate() + dt.timedelta(days=30)).isoformat()

    d["matrix_review"] = matrix_review_open()
    matrix_review_attest(review=d["matrix_review"], area="search", user=mx["pete"])
    d["matrix_review_item"] = (MatrixReviewItem.objects.filter(review=d["matrix_review"]).first()
                               or MatrixReviewItem.objects.create(review=d["matrix_review"], text="Check contacts"))

    team = m.Team.objects.get(pk=mx["payments"].pk)
    team.name = "Payments & Billing"
    draft = Draft(author=mx["max"], reason="The team took on billing.")
    draft.record(team)
    d["change_request"] = change_request_submit(draft=draft)

    d["integration"] = Integration.objects.create(key="tool", name="Alerting tool", secret="s" * 40)

    # The people the table is about: one per role, tied to nothing else.
    d["people"] = {role: user_in_role(role, username=f"table-{i}") for i, role in enumerate(COLUMNS[1:])}
    return d


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The dataset, kept for the module's tests and rolled back after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build()
        transaction.set_rollback(True)


def _value(value: Any, d: dict) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return d[value[1:]].pk
    if isinstance(value, str) and value.startswith("="):
        return d[value[1:]]
    return value


def _url(row: Row, d: dict) -> str:
    return reverse(row.name, kwargs={k: _value(v, d) for k, v in row.kwargs.items()}) + (
        f"?{row.query}" if row.query else "")


def _answer(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return "A"
        if location.startswith(reverse("login")):
            return "L"
    return str(response.status_code)


def _ask(client: Client, row: Row, d: dict) -> str:
    """One request, in a transaction rolled back after it: every row starts from the same data."""
    data = {k: _value(v, d) for k, v in row.data.items()}
    url = _url(row, d)
    cookies = copy.deepcopy(client.cookies)  # logging out replaces the session cookie: the next row keeps it
    with transaction.atomic():
        if row.method == "GET":
            response = client.get(url)
        elif row.name.startswith("api-"):
            response = client.post(url, data, content_type="application/json")
        else:
            response = client.post(url, data)
        answer = _answer(response)
        transaction.set_rollback(True)
    client.cookies = cookies
    return answer


def _cells(row: Row) -> list[str]:
    cells = row.expected.split()
    assert len(cells) == len(COLUMNS), f"{row.label}: {len(cells)} cells, not {len(COLUMNS)}"
    return cells


# --- the tests -----------------------------------------------------------------------------------------

def _url_names(patterns, namespace: str = "") -> list[str]:
    names = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the admin: a few explicit rows, not every URL
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"{pattern.pattern} has no name: name it and add it to the table"
            names.append(namespace + pattern.name)
    return names


def test_every_url_has_a_row():
    covered = {row.name for row in TABLE}
    missing = [name for name in _url_names(get_resolver().url_patterns) if name not in covered]
    assert not missing, f"add it to the table (escalation_matrix/tests/test_permission_table.py): {missing}"


def test_every_incident_action_has_a_row():
    from incidents.views.actions import ACTIONS

    covered = {row.kwargs.get("action") for row in TABLE if row.name == "incidents:action" and row.method == "POST"}
    missing = sorted(set(ACTIONS) - covered)
    assert not missing, f"add it to the table: incident actions {missing}"


@pytest.mark.parametrize("column", COLUMNS)
def test_the_table(world, column):
    client = Client()
    if column != ANONYMOUS:
        client.force_login(world["people"][column])
    index = COLUMNS.index(column)
    wrong = []
    for row in TABLE:
        expected = _cells(row)[index]
        if expected == "-":
            continue
        answer = _ask(client, row, world)
        finding = FINDINGS.get((row.label, column))
        if finding is not None and answer == expected:
            wrong.append(f"{row.label}: now answers {answer} as intended: remove it from FINDINGS")
        elif answer != (finding[0] if finding else expected):
            wrong.append(f"{row.label}: expected {expected}, got {answer}")
    assert not wrong, f"{column}:\n" + "\n".join(wrong)


def test_findings_name_real_cells():
    labels = {row.label for row in TABLE}
    assert all(label in labels and column in COLUMNS for label, column in FINDINGS)


def test_refused_actions_never_change_anything(world):
    """A refusal is a refusal: the rows' 403s must not have done the thing (spot check on one action)."""
    client = Client()
    client.force_login(world["people"][EXECUTIVES])
    with transaction.atomic():
        response = client.post(reverse("incidents:action", args=[world["incident"].pk, "acknowledge"]))
        world["incident"].refresh_from_db()
        transaction.set_rollback(True)
    assert response.status_code == 403
    assert world["incident"].acknowledged_at is None

