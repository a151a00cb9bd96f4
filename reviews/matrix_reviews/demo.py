"""The demo's quarterly matrix reviews (docs/architecture.md), for loaddemo (``matrix.hooks.register_demo_extension``).

Last quarter's review, signed off by the demo manager after every area owner attested (its checklist
worked through: most gaps fixed or accepted), and this quarter's, open and due in eleven days — inside
the reminders' 14-day window — with a few areas attested and one change asked for by an area owner.

Idempotent: nothing is added once any matrix review exists. The reviews are written as history (rows, not
services), so loading the demo tells nobody anything; the daily task takes it from there.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from matrix.models import ProductArea

from ..models import AreaAttestation, MatrixReview, MatrixReviewItem, MatrixReviewItemKind
from .access import area_owners
from .services import interval, matrix_review_refresh_checklist

MANAGER = "manager"
LAST_SIGN_OFF_AGO = dt.timedelta(days=80)  # so this quarter's review is due in 11 days
# Areas attested in the open review already: area key → (attested by, days ago, comment).
ATTESTED_NOW = {
    "checkout": ("lucas.ferreira", 6, "Roster and PayFlow contacts checked with the team."),
    "payments": ("lucas.ferreira", 6, ""),
    "mobile-app": ("nina.petrova", 3, "On-call rotation confirmed for the next quarter."),
    "data-exports": ("elena.popescu", 1, ""),
}
CHANGE_ASKED = ("notifications", "sarah.kim", 2,
                "Push notifications moved to the Mobile team in May: the area should list Mobile's lead engineer "
                "and on-call instead of ours.")
LAST_RESOLUTIONS = {
    MatrixReviewItemKind.AREA_NO_OWNER: "Accepted until the 2019 plans are migrated; support tier 1 triages it.",
    MatrixReviewItemKind.STALE_CONTACT: "Asked the vendor for a new contact; chased at the vendor review.",
}


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


def _signed_off_review(*, now: dt.datetime, manager) -> MatrixReview:
    signed_off_at = now - LAST_SIGN_OFF_AGO
    start = signed_off_at - interval()
    review = MatrixReview.objects.create(period_start=start, due_on=timezone.localdate(signed_off_at), owner=manager)
    matrix_review_refresh_checklist(review=review, now=signed_off_at - dt.timedelta(days=5))
    for item in review.items.all():
        item.resolved, item.resolved_by, item.resolved_at = True, manager, signed_off_at - dt.timedelta(days=1)
        item.resolution = LAST_RESOLUTIONS.get(item.kind, "Fixed in the matrix (change request approved).")
        item.save()
    areas = list(ProductArea.objects.order_by("name"))
    owners = area_owners(areas)
    for days, area in enumerate(areas, start=2):
        candidates = owners[area.pk] or [manager]
        by = candidates[days % len(candidates)]  # not always the first by name: owners take turns
        comment = "" if owners[area.pk] else "No owner to attest it: attested by the manager, gap accepted."
        AreaAttestation.objects.create(review=review, area=area, area_name=area.name, attested_by=by, comment=comment,
                                       attested_at=signed_off_at - dt.timedelta(days=days % 9 + 1))
    review.signed_off_at, review.signed_off_by = signed_off_at, manager
    review.notes = ("All areas attested. Legacy onboarding stays without an owner until its customers migrate; "
                    "stale vendor contacts chased at the vendor reviews.")
    review.save()
    return review


def _open_review(*, now: dt.datetime, previous: MatrixReview, manager) -> MatrixReview:
    start = previous.signed_off_at
    review = MatrixReview.objects.create(period_start=start, due_on=timezone.localdate(start) + interval(),
                                         owner=manager, previous=previous)
    matrix_review_refresh_checklist(review=review, now=now)
    areas = {a.key: a for a in ProductArea.objects.filter(key__in=[*ATTESTED_NOW, CHANGE_ASKED[0]])}
    for key, (username, days, comment) in ATTESTED_NOW.items():
        user = _user(username)
        if key in areas and user is not None:
            AreaAttestation.objects.create(review=review, area=areas[key], area_name=areas[key].name, attested_by=user,
                                           attested_at=now - dt.timedelta(days=days), comment=comment)
    key, username, days, text = CHANGE_ASKED
    if key in areas:
        MatrixReviewItem.objects.create(
            review=review, kind=MatrixReviewItemKind.CHANGE_NEEDED, key=f"change-needed:{key}:1", subject_type="area",
            subject_key=key, subject_label=f"Area {areas[key].name}", text=text, raised_by=_user(username),
            subject_url=reverse("matrix:area_detail", args=[key]), position=10_000,
        )
    return review


def load_matrix_reviews(*, now: dt.datetime | None = None) -> str:
    """Build the demo's two reviews unless some review exists; the one summary line ``loaddemo`` prints."""
    if MatrixReview.objects.exists():
        return "Matrix reviews: already loaded."
    now = now or timezone.now()
    manager = _user(MANAGER)
    if manager is None or not ProductArea.objects.exists():
        return "Matrix reviews: skipped (no demo organisation)."
    with transaction.atomic():
        last = _signed_off_review(now=now, manager=manager)
        current = _open_review(now=now, previous=last, manager=manager)
        # created/updated say when it happened in the story, not when the demo was loaded.
        MatrixReview.objects.filter(pk=last.pk).update(created_at=last.period_start, updated_at=last.signed_off_at)
        MatrixReview.objects.filter(pk=current.pk).update(created_at=current.period_start)
    attested = current.attestations.count()
    return (f"Matrix reviews: last quarter's signed off; this quarter's due {current.due_on:%d %b %Y}, "
            f"{attested} of {ProductArea.objects.count()} areas attested.")
