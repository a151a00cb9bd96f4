"""A review is created when an incident whose tier requires one is resolved: once, due some business days
later, led by the commander, else the owning team's lead, else the assignee — who is told."""

import datetime as dt

import pytest

from incidents.services import (
    incident_acknowledge,
    incident_flag_misroute,
    incident_open_war_room,
    incident_reopen,
    incident_resolve,
)
from incidents.tests.factories import MONDAY
from matrix.models import Membership, MembershipRole, Playbook, Team
from notifications.models import Notification
from reviews.models import PostIncidentReview
from reviews.services import review_due_on

from .factories import SEV2

pytestmark = pytest.mark.django_db


def test_resolving_an_incident_whose_tier_requires_a_review_creates_one(mx, resolve):
    incident = resolve(responder=mx["pat"])

    review = PostIncidentReview.objects.get()
    assert review.incident == incident
    assert not review.is_published
    assert review.routed_right is True  # never flagged misrouted: right first time until the lead says not
    assert review.tier_right is None


def test_no_review_for_a_tier_that_does_not_require_one(mx, resolve):
    resolve(responder=mx["pat"], **SEV2)

    assert not PostIncidentReview.objects.exists()


def test_no_review_for_a_drill(mx, resolve):
    resolve(responder=mx["pat"], is_drill=True)

    assert not PostIncidentReview.objects.exists()


def test_reopening_and_resolving_again_keeps_the_one_review(mx, resolve, django_capture_on_commit_callbacks):
    incident = resolve(responder=mx["pat"])
    first = PostIncidentReview.objects.get()
    later = incident.resolved_at + dt.timedelta(hours=1)

    with django_capture_on_commit_callbacks(execute=True):
        incident_reopen(incident=incident, user=mx["pat"], reason="Errors are back", now=later)
        incident_resolve(incident=incident, user=mx["pat"], now=later + dt.timedelta(hours=1))

    assert list(PostIncidentReview.objects.all()) == [first]
    assert PostIncidentReview.objects.get().due_on == first.due_on
    assert Notification.objects.filter(subject__startswith="Post-incident review to lead").count() == 1


def test_a_misrouted_incident_starts_routed_wrong_and_is_led_by_the_team_that_owns_it_now(mx, resolve):
    def misrouted(incident):
        incident_flag_misroute(incident=incident, user=mx["pat"], team="platform", reason="It is the CDN",
                               now=MONDAY + dt.timedelta(minutes=10))
        incident_acknowledge(incident=incident, user=mx["olly"], now=MONDAY + dt.timedelta(minutes=12))

    resolve(responder=mx["olly"], before_resolve=misrouted)

    review = PostIncidentReview.objects.get()
    assert review.routed_right is False
    assert review.lead == mx["pete"]  # platform's lead


# --- the due day ------------------------------------------------------------------------------------

def test_due_five_business_days_after_the_resolve(mx, resolve):
    resolve(responder=mx["pat"])  # resolved Monday 2 March 2026, 11:00 UTC

    assert PostIncidentReview.objects.get().due_on == dt.date(2026, 3, 9)  # the next Monday


def test_the_due_day_skips_the_owning_teams_public_holidays(mx):
    payments = Team.objects.get(key="payments")  # Berlin, German holidays: Good Friday and Easter Monday 2026
    resolved = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)  # a Wednesday

    # Thu 2 (1), Fri 3 and Mon 6 are holidays, Tue 7 (2), Wed 8 (3), Thu 9 (4), Fri 10 (5).
    assert review_due_on(team=payments, resolved_at=resolved) == dt.date(2026, 4, 10)


def test_the_resolve_day_is_the_owning_teams_day_in_its_time_zone(mx):
    payments = Team.objects.get(key="payments")
    sunday_night_utc = dt.datetime(2026, 3, 8, 23, 30, tzinfo=dt.UTC)  # already Monday 00:30 in Berlin

    assert review_due_on(team=payments, resolved_at=sunday_night_utc) == dt.date(2026, 3, 16)
    assert review_due_on(team=payments, resolved_at=sunday_night_utc - dt.timedelta(hours=1)) == dt.date(2026, 3, 13)


def test_the_number_of_business_days_is_a_setting(mx, resolve, settings):
    settings.REVIEW_DUE_BUSINESS_DAYS = 2

    resolve(responder=mx["pat"])

    assert PostIncidentReview.objects.get().due_on == dt.date(2026, 3, 4)


# --- the lead ---------------------------------------------------------------------------------------

def test_the_incident_commander_leads_the_review(mx, resolve):
    def war_room(incident):
        incident_open_war_room(incident=incident, user=mx["pat"], commander=mx["max"], channel="#inc-1")

    resolve(responder=mx["pat"], before_resolve=war_room)

    assert PostIncidentReview.objects.get().lead == mx["max"]


def test_without_a_commander_the_owning_teams_lead_leads_it(mx, resolve):
    resolve(responder=mx["pat"])

    assert PostIncidentReview.objects.get().lead == mx["lena"]


def test_without_a_team_lead_the_assignee_leads_it(mx, resolve):
    Membership.objects.filter(team__key="payments", role=MembershipRole.LEAD).delete()

    resolve(responder=mx["quinn"])  # whoever acknowledges becomes the assignee

    assert PostIncidentReview.objects.get().lead == mx["quinn"]


def test_the_lead_is_told_with_the_due_day_and_a_link(mx, resolve):
    incident = resolve(responder=mx["pat"])
    review = PostIncidentReview.objects.get()

    told = Notification.objects.get(user=mx["lena"], subject__startswith="Post-incident review to lead")
    assert told.channel == "email" and told.target == "lena@example.com"
    assert f"SEV1 #{incident.pk}" in told.subject
    assert "due Mon 9 Mar 2026" in told.body
    assert told.body.rstrip().endswith(f"/reviews/{review.pk}/")


# --- sections ---------------------------------------------------------------------------------------

def test_sections_come_from_the_playbooks_review_template(mx, resolve):
    playbook = mx["playbook"]
    playbook.review_template = (
        "## Summary\nTwo sentences.\n\n## Timeline\n| time | what |\n\n## Customer impact\n"
        "## Routing and severity\nRight team?\n## What went well\n## Action items\n- [ ] …\n"
    )
    playbook.save()

    resolve(responder=mx["pat"])

    sections = PostIncidentReview.objects.get().sections
    # The timeline, the questions, the lessons and action items are parts of the page, not free text.
    assert [(s["heading"], s["hint"]) for s in sections] == [("Summary", "Two sentences."), ("Customer impact", "")]


def test_without_a_template_the_default_sections_apply(mx, resolve):
    resolve(responder=mx["pat"])  # the checkout playbook has no review template

    assert [s["heading"] for s in PostIncidentReview.objects.get().sections] == ["Summary", "Impact", "Root cause"]


def test_the_sections_are_frozen_when_the_review_is_created(mx, resolve):
    resolve(responder=mx["pat"])
    Playbook.objects.filter(key="checkout").update(review_template="## Something else\n")

    assert [s["heading"] for s in PostIncidentReview.objects.get().sections] == ["Summary", "Impact", "Root cause"]
