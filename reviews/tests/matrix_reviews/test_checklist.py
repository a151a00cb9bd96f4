"""The review's checklist, drawn from a known matrix with known gaps, and drawn again keeping its ticks."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from incidents.services import incident_flag_misroute
from incidents.tests.factories import MONDAY, IncidentFactory
from incidents.timers import timers_fire_due
from matrix.models import ContactChannel, RotationMember
from reviews.matrix_reviews.services import (
    matrix_review_item_tick,
    matrix_review_refresh_checklist,
    matrix_review_request_change,
)
from reviews.models import MatrixReviewItemKind as Kind

from .support import START, open_review

pytestmark = pytest.mark.django_db

LATER = MONDAY + dt.timedelta(days=1)  # after the incidents below, inside the review's period


def gaps(review, kind=None) -> list[tuple[str, str, str]]:
    """(kind, subject type, subject key) of the items still open, in the checklist's order."""
    items = review.items.filter(cleared_at__isnull=True).order_by("position")
    if kind is not None:
        items = items.filter(kind=kind)
    return [(i.kind, i.subject_type, i.subject_key) for i in items]


def item(review, kind: str, subject_key: str):
    return review.items.get(kind=kind, subject_key=subject_key)


def test_the_checklist_lists_areas_with_no_owner_or_playbook_and_stale_contacts(mx):
    review = open_review()

    assert gaps(review) == [
        (Kind.AREA_NO_OWNER, "area", "onboarding"),
        (Kind.AREA_NO_PLAYBOOK, "area", "onboarding"),
        (Kind.AREA_NO_PLAYBOOK, "area", "search"),
        # Every contact channel of the small matrix was never confirmed: Payments has two.
        (Kind.STALE_CONTACT, "team", "payments"),
        (Kind.STALE_CONTACT, "team", "payments"),
        (Kind.STALE_CONTACT, "team", "platform"),
        (Kind.STALE_CONTACT, "team", "support"),
        # SEV1 opens a war room, yet no policy climbs when a SEV1 is acknowledged and never contained.
        (Kind.LINT, "tier", "sev1"),
    ]
    no_owner = item(review, Kind.AREA_NO_OWNER, "onboarding")
    assert (no_owner.subject_label, no_owner.subject_url) == ("Area Onboarding", "/areas/onboarding/")
    assert no_owner.text == "Area 'Onboarding' has no owner team."
    assert "'support@example.com' has never been confirmed" in item(review, Kind.STALE_CONTACT, "support").text


def test_contacts_confirmed_within_90_days_are_not_listed(mx):
    ContactChannel.objects.update(confirmed_at=START - dt.timedelta(days=30))

    assert gaps(open_review(), Kind.STALE_CONTACT) == []


def test_an_area_whose_team_has_nobody_on_call_is_listed(mx):
    RotationMember.objects.filter(rotation__team=mx["platform"]).delete()

    review = open_review()

    assert gaps(review, Kind.AREA_NO_ON_CALL) == [(Kind.AREA_NO_ON_CALL, "area", "search")]
    assert item(review, Kind.AREA_NO_ON_CALL, "search").text == (
        "Nobody is on call for area 'Search': its incidents go to Platform (its owner).")


def test_rules_often_wrong_the_first_time_are_listed_drills_aside(mx, settings):
    settings.MATRIX_REVIEW_MIN_INCIDENTS = 3
    review = open_review()
    filed = [IncidentFactory(title=f"CDN returns 502 ({n})", product_area="search") for n in range(3)]
    for incident in filed[:2]:
        incident_flag_misroute(incident=incident, user=mx["olly"], team="payments", reason="Card payments, not CDN")
    drill = IncidentFactory(title="CDN drill", product_area="search", is_drill=True)
    incident_flag_misroute(incident=drill, user=mx["olly"], team="support", reason="Drill")

    matrix_review_refresh_checklist(review=review, now=LATER)

    rule = item(review, Kind.RULE_ACCURACY, "cdn")
    assert rule.subject_label == "Rule CDN problems"
    assert rule.subject_url == f"/admin/matrix/routingrule/{mx['cdn_rule'].pk}/change/"
    assert rule.text == ("Rule CDN problems was right the first time for 1 of 3 incidents (33%, below 80%); "
                         "misroutes: 2 to Payments.")  # the drill's misroute counts nowhere


def test_a_rule_with_too_few_incidents_is_not_judged(mx, settings):
    settings.MATRIX_REVIEW_MIN_INCIDENTS = 5
    review = open_review()
    incident = IncidentFactory(title="CDN returns 502", product_area="search")
    incident_flag_misroute(incident=incident, user=mx["olly"], team="payments", reason="Not CDN")

    matrix_review_refresh_checklist(review=review, now=LATER)

    assert gaps(review, Kind.RULE_ACCURACY) == []


def test_tiers_often_breached_are_listed(mx, settings):
    settings.MATRIX_REVIEW_MIN_INCIDENTS = 2
    review = open_review()
    IncidentFactory()  # SEV2 in checkout: acknowledge within 15 minutes — nobody does
    IncidentFactory()
    timers_fire_due(now=MONDAY + dt.timedelta(minutes=20))

    matrix_review_refresh_checklist(review=review, now=LATER)

    tier = item(review, Kind.TIER_BREACHES, "sev2")
    assert tier.text == "SEV2 missed a target in 2 of 2 incidents (100%, above 20%)."
    assert tier.subject_url == f"/admin/matrix/tier/{mx['tiers']['sev2'].pk}/change/"


def test_drawing_again_keeps_ticks_marks_fixed_gaps_and_adds_new_ones(mx):
    review = open_review()
    accepted = item(review, Kind.AREA_NO_OWNER, "onboarding")
    matrix_review_item_tick(item=accepted, user=mx["max"], resolved=True, resolution="Triage owns it until Q3.")
    fixed = item(review, Kind.STALE_CONTACT, "support")
    asked = matrix_review_request_change(review=review, area="checkout", user=mx["lena"], text="Add Quinn as lead")
    # Meanwhile the matrix changes: Support's contact is confirmed, Platform loses its on-call.
    ContactChannel.objects.filter(team=mx["support"]).update(confirmed_at=LATER)
    RotationMember.objects.filter(rotation__team=mx["platform"]).delete()

    result = matrix_review_refresh_checklist(review=review, user=mx["max"], now=LATER)

    assert (result.added, result.cleared) == (4, 1)
    assert gaps(review, Kind.LINT) == [  # lint's findings about Platform's empty rotation, and the rule to it
        (Kind.LINT, "rule", "cdn"), (Kind.LINT, "rotation", "platform/Primary"), (Kind.LINT, "team", "platform"),
        (Kind.LINT, "tier", "sev1")]  # drawn at opening already
    accepted.refresh_from_db()
    assert accepted.resolved and accepted.resolution == "Triage owns it until Q3." and accepted.cleared_at is None
    fixed.refresh_from_db()
    assert fixed.cleared_at == LATER and not fixed.resolved and fixed.is_done
    assert gaps(review, Kind.AREA_NO_ON_CALL) == [(Kind.AREA_NO_ON_CALL, "area", "search")]
    asked.refresh_from_db()
    assert asked.cleared_at is None and asked.text == "Add Quinn as lead"  # not a gap of the matrix: kept
    review.refresh_from_db()
    assert review.checklist_drawn_at == LATER


def test_a_gap_that_comes_back_is_open_again(mx):
    review = open_review()
    ContactChannel.objects.filter(team=mx["support"]).update(confirmed_at=LATER)
    matrix_review_refresh_checklist(review=review, now=LATER)
    ContactChannel.objects.filter(team=mx["support"]).update(confirmed_at=None)

    matrix_review_refresh_checklist(review=review, now=LATER + dt.timedelta(days=1))

    assert item(review, Kind.STALE_CONTACT, "support").cleared_at is None
    assert review.items.filter(kind=Kind.STALE_CONTACT, subject_key="support").count() == 1


def test_unticking_forgets_who_ticked(mx):
    review = open_review()
    point = item(review, Kind.AREA_NO_OWNER, "onboarding")
    matrix_review_item_tick(item=point, user=mx["max"], resolved=True, resolution="Accepted")

    matrix_review_item_tick(item=point, user=mx["max"], resolved=False)

    point.refresh_from_db()
    assert (point.resolved, point.resolved_by, point.resolved_at, point.resolution) == (False, None, None, "")


@pytest.mark.parametrize("who", ["lena", "agent", "sam"])
def test_only_the_reviews_owner_and_managers_run_the_checklist(mx, who):
    review = open_review()
    point = item(review, Kind.AREA_NO_OWNER, "onboarding")

    with pytest.raises(PermissionDenied):
        matrix_review_refresh_checklist(review=review, user=mx[who])
    with pytest.raises(PermissionDenied):
        matrix_review_item_tick(item=point, user=mx[who], resolved=True)

    matrix_review_item_tick(item=point, user=mx["vera"], resolved=True)  # a manager who is not its owner
    point.refresh_from_db()
    assert point.resolved_by == mx["vera"]
