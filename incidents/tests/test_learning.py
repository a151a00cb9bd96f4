"""Learning from misroutes: a rule whose incidents keep going to one other team gets a refinement drafted
for a manager to finish — once, only past the threshold, never for drills, never failing the misroute."""

import datetime as dt
import logging

import pytest
import time_machine

from incidents import learning, tasks
from incidents.models import Handoff
from incidents.services import incident_flag_misroute
from incidents.tests.factories import IncidentFactory, after
from matrix import models as m
from matrix.governance import change_request_dismiss
from matrix.tests import factories as mf
from notifications.models import Notification

pytestmark = pytest.mark.django_db

MISROUTED = ["CDN refund page times out", "Refund stuck behind CDN cache", "CDN serves stale refund receipt"]
RIGHT = ["CDN page times out", "CDN cache stale"]


@pytest.fixture
def misroute(mx):
    """``misroute(title)`` files a CDN incident (rule cdn → platform), flags it misrouted to payments, and
    runs what the worker runs once that commits (``test_a_misroute_asks_a_worker_to_learn_from_it``)."""
    count = {"n": 0}

    def run(title: str, *, team: str = "payments", is_drill: bool = False, now=None):
        count["n"] += 1
        incident = IncidentFactory(title=title, is_drill=is_drill, **({"now": now} if now else {}))
        moved_at = (now or after(0)) + dt.timedelta(minutes=count["n"])
        incident_flag_misroute(incident=incident, user=mx["pat"], team=team, reason="Refunds are ours.", now=moved_at)
        learning.refine_after_misroute(incident_id=incident.pk, now=moved_at)
        return incident

    return run


def right(titles=RIGHT):
    return [IncidentFactory(title=title) for title in titles]


def drafts():
    return m.ChangeRequest.objects.filter(status=m.ChangeRequestStatus.DRAFT)


def test_the_third_misroute_to_one_team_drafts_a_new_rule_before_it_for_the_words_they_share(mx, misroute):
    right()
    incidents = [misroute(title) for title in MISROUTED[:2]]
    assert not m.ChangeRequest.objects.exists()  # two are below the threshold of three

    incidents.append(misroute(MISROUTED[2]))

    [draft] = drafts()
    assert (draft.author, draft.operation, draft.origin) == (mx["max"], "add", "routing_refinement:cdn:payments")
    assert draft.reason == "Refine rule “CDN problems”: “refund” → Payments"
    [entry] = draft.diff["objects"]
    fields = {name: change["new"] for name, change in entry["fields"].items()}
    assert entry["model"] == "matrix.routingrule" and draft.diff["format"] == 1
    assert (fields["key"], fields["order"], fields["keywords"], fields["active"]) == ("cdn-payments", 5, "refund", True)
    assert fields["team"] == {"id": mx["payments"].pk, "key": "payments", "label": "Payments"}
    assert fields["area"] is None and fields["impact"] is None  # the cdn rule's own (empty) conditions
    assert "3 incidents routed by rule #10 “CDN problems” to Platform were flagged misrouted" in draft.note
    assert "2 of its incidents were routed right" in draft.note and "“refund”" in draft.note
    assert [e["ref"] for e in draft.evidence] == [f"incident:{i.pk}" for i in incidents]
    assert draft.evidence[0]["url"] == f"/incidents/{incidents[0].pk}/"
    assert not m.RoutingRule.objects.filter(key="cdn-payments").exists()  # only drafted
    told = Notification.objects.get(payload__event="drafted")
    assert told.target == "max@example.com" and "drafted for you to finish" in told.subject


def test_more_misroutes_while_the_draft_is_open_draft_nothing_more(mx, misroute):
    for title in [*MISROUTED, "Another CDN refund problem", "CDN refund again"]:
        misroute(title)

    assert m.ChangeRequest.objects.count() == 1


def test_after_a_dismissal_only_fresh_misroutes_count_towards_the_next_draft(mx, misroute):
    for title in MISROUTED:
        misroute(title)
    change_request_dismiss(change_request=drafts().get(), user=mx["max"], comment="Refunds stay with platform.")

    misroute("CDN refund once more")
    misroute("CDN refund twice more")
    assert not drafts().exists()
    misroute("CDN refund thrice more")

    [second] = drafts()
    assert len(second.evidence) == 6 and second.diff["objects"][0]["fields"]["key"]["new"] == "cdn-payments"


def test_a_finished_draft_waiting_for_approval_blocks_a_new_one(mx, misroute):
    for title in MISROUTED:
        misroute(title)
    first = drafts().get()
    pending = mf.UserFactory()  # stands for the request a manager made of it in the admin
    finished = m.ChangeRequest.objects.create(
        author=pending, reason="Refunds to payments", operation="add", target_label="x",
        target_content_type=first.target_content_type, diff=first.diff, origin=f"change_request:{first.pk}",
    )
    m.ChangeRequest.objects.filter(pk=first.pk).update(status="finished", finished_as=finished)

    for title in ["CDN refund 4", "CDN refund 5", "CDN refund 6"]:
        misroute(title)

    assert not drafts().exists()


def test_without_telling_words_the_draft_sends_the_rule_to_the_other_team(mx, misroute):
    right(["CDN edge down"])
    for title in ["CDN alpha", "CDN beta", "CDN gamma"]:
        misroute(title)

    [draft] = drafts()
    assert (draft.operation, draft.target_object_id) == ("change", mx["cdn_rule"].pk)
    [entry] = draft.diff["objects"]
    assert list(entry["fields"]) == ["team"]
    assert entry["fields"]["team"]["new"]["key"] == "payments"
    assert "no words tell the misrouted incidents apart" in draft.note
    assert "which would move the 1 routed right too" in draft.note


def test_with_no_free_order_before_the_rule_the_draft_changes_its_team(mx, misroute):
    mf.RuleFactory(key="before", order=9, keywords="never-said", team=mx["support"])
    for title in MISROUTED:
        misroute(title)

    assert drafts().get().operation == "change"
    assert "no order is free just before rule #10" in drafts().get().note


def test_drill_misroutes_never_draft_a_refinement(mx, misroute):
    for title in MISROUTED:
        misroute(title, is_drill=True)

    assert not m.ChangeRequest.objects.exists()


def test_misroutes_older_than_the_window_do_not_count(mx, misroute, settings):
    settings.ROUTING_REFINE_DAYS = 1
    misroute(MISROUTED[0])
    misroute(MISROUTED[1])
    misroute(MISROUTED[2], now=after(3 * 24 * 60))

    assert not m.ChangeRequest.objects.exists()


def test_the_threshold_is_a_setting(mx, misroute, settings):
    settings.ROUTING_REFINE_THRESHOLD = 1

    misroute(MISROUTED[0])

    assert drafts().count() == 1


def test_the_rule_teams_manager_finishes_it_before_a_managers_group_member(mx, misroute, role_user):
    boss = role_user("Managers", username="plato", email="plato@example.com")
    m.Membership.objects.create(team=mx["platform"], user=boss, role=m.MembershipRole.MANAGER)
    for title in MISROUTED:
        misroute(title)

    assert drafts().get().author == boss


def test_with_nobody_to_finish_it_nothing_is_drafted_and_it_is_logged(mx, misroute, caplog):
    get_user = type(mx["max"]).objects
    get_user.filter(groups__name="Managers").update(is_active=False)

    with caplog.at_level(logging.WARNING, logger="incidents.learning"):
        for title in MISROUTED:
            misroute(title)

    assert not m.ChangeRequest.objects.exists()
    assert "nobody may finish a refinement" in caplog.text


def test_a_failing_refinement_never_fails_the_misroute(mx, misroute, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(learning, "_refine", broken)

    incident = misroute(MISROUTED[0])

    incident.refresh_from_db()
    assert incident.team == mx["payments"] and incident.routing_correct is False
    assert Handoff.objects.filter(incident=incident, kind="misroute").exists()
    assert "No routing refinement could be drafted" in caplog.text


def test_telling_words_are_shared_by_most_misroutes_and_absent_from_the_right_ones(mx):
    misrouted = [IncidentFactory(title=t) for t in MISROUTED]
    rightly = [IncidentFactory(title=t, description="A refunds page.") for t in ["CDN page"]]

    assert learning.telling_words(misrouted, [], exclude={"cdn"}) == ["refund"]
    assert learning.telling_words(misrouted, rightly, exclude={"cdn"}) == []  # "refunds" starts with it


def test_the_change_request_page_links_back_to_the_rules_misroutes(mx, misroute, role_user, client):
    for title in MISROUTED:
        misroute(title)
    client.force_login(mx["max"])

    page = client.get(f"/admin/matrix/changerequest/{drafts().get().pk}/change/").content.decode()

    assert "Misroutes of rule “CDN problems” to Payments" in page
    assert "/incidents/routing/?rule=cdn#rule-cdn" in page
    assert "Finish in the admin" in page and "Simulate it on recent incidents" in page


# --- in a worker, after the misroute commits ----------------------------------------------------------------
@pytest.fixture
def published(monkeypatch):
    """What the misroute hands the broker (nothing reaches it)."""
    sent = []
    monkeypatch.setattr(tasks.refine_routing_after_misroute, "apply_async",
                        lambda args, **options: sent.append(args))
    return sent


def test_a_misroute_asks_a_worker_to_learn_from_it_once_committed(mx, published, django_capture_on_commit_callbacks,
                                                                   settings):
    settings.ROUTING_REFINE_THRESHOLD = 1  # this one misroute would be enough to draft
    incident = IncidentFactory(title=MISROUTED[0])
    with django_capture_on_commit_callbacks(execute=True):
        incident_flag_misroute(incident=incident, user=mx["pat"], team="payments", reason="Refunds are ours.")
        assert published == []  # nothing is asked before the commit

    assert published == [(incident.pk,)]
    assert not m.ChangeRequest.objects.exists()  # the worker drafts, not the web request


def test_a_drill_misroute_asks_no_worker(mx, published, django_capture_on_commit_callbacks):
    drill = IncidentFactory(title=MISROUTED[0], is_drill=True)
    with django_capture_on_commit_callbacks(execute=True):
        incident_flag_misroute(incident=drill, user=mx["pat"], team="payments", reason="Drill.")

    assert published == []


def test_the_worker_task_drafts_the_refinement(mx, misroute, settings):
    settings.ROUTING_REFINE_THRESHOLD = 1
    incident = IncidentFactory(title=MISROUTED[0])
    incident_flag_misroute(incident=incident, user=mx["pat"], team="payments", reason="Refunds are ours.")

    with time_machine.travel(after(60), tick=False):  # the worker's "now": an hour after the misroute
        tasks.refine_routing_after_misroute.apply(args=(incident.pk,))

    assert drafts().get().evidence[0]["ref"] == f"incident:{incident.pk}"


def test_a_broker_that_is_down_never_fails_the_misroute(mx, monkeypatch, caplog, django_capture_on_commit_callbacks):
    def down(*args, **kwargs):
        raise OSError("broker down")

    monkeypatch.setattr(tasks.refine_routing_after_misroute, "apply_async", down)
    incident = IncidentFactory(title=MISROUTED[0])

    with django_capture_on_commit_callbacks(execute=True):
        incident_flag_misroute(incident=incident, user=mx["pat"], team="payments", reason="Refunds are ours.")

    incident.refresh_from_db()
    assert incident.team == mx["payments"] and incident.routing_correct is False
    assert "no routing refinement considered after the misroute" in caplog.text
