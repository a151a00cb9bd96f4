"""Every write to the quarterly matrix review: keyword-only functions, each in one transaction.

Bad input raises ``ReviewInputError`` (per field), a person who may not act gets ``PermissionDenied``,
and a move that is no longer possible (attesting in a signed-off review) raises ``ReviewStateError`` —
the same errors as the post-incident reviews (``reviews.services``).

Scheduling: one review is open at a time. The first opens when none exists (the daily task), due a
quarter after the matrix's first recorded change — the first deploy — but never less than two weeks ahead,
so that its reminders can run their course. Signing a review off opens the next, due a quarter later.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone

from escalation_matrix.roles import is_manager, managers
from matrix.models import MATRIX_MODELS, ProductArea

from ..models import AreaAttestation, MatrixReview, MatrixReviewItem, MatrixReviewItemKind
from ..services import ReviewInputError, ReviewStateError
from . import notify
from .access import area_owners, may_attest, may_run, may_sign_off
from .checklist import draw_checklist

__all__ = [
    "RefreshResult", "ReviewInputError", "ReviewStateError", "matrix_review_attest", "matrix_review_item_tick",
    "matrix_review_open", "matrix_review_refresh_checklist", "matrix_review_request_change",
    "matrix_review_sign_off", "matrix_review_withdraw",
]

FIRST_REVIEW_NOTICE = dt.timedelta(days=14)  # the first reminder's lead time

logger = logging.getLogger(__name__)


def interval() -> dt.timedelta:
    return dt.timedelta(days=settings.MATRIX_REVIEW_INTERVAL_DAYS)


# --- opening --------------------------------------------------------------------------------------------

def default_owner(previous=None):
    """The previous review's owner while active, else MATRIX_REVIEW_OWNER (a username), else the first manager."""
    if previous is not None and previous.is_active:
        return previous
    users = get_user_model().objects.filter(is_active=True)
    if settings.MATRIX_REVIEW_OWNER:
        chosen = users.filter(username=settings.MATRIX_REVIEW_OWNER).first()
        if chosen is not None:
            return chosen
    return managers().first()


def first_deploy(now: dt.datetime) -> dt.datetime:
    """When the matrix's history begins (its first recorded change), else ``now``. Runs once, ever."""
    found = [model.history.aggregate(first=Min("history_date"))["first"] for model in MATRIX_MODELS]
    return min([when for when in found if when is not None], default=now)


def _create(*, period_start: dt.datetime, due_on: dt.date, owner, previous: MatrixReview | None) -> MatrixReview:
    """In the caller's transaction; its checklist is drawn after (``_draw_first_checklist``)."""
    review = MatrixReview.objects.create(period_start=period_start, due_on=due_on, owner=owner, previous=previous)
    notify.notify_opened(review)
    return review


def _draw_first_checklist(review: MatrixReview, *, now: dt.datetime) -> bool:
    """Draw a newly opened review's checklist, once the review itself is saved: a checklist that cannot be
    drawn (a lint that crashes on today's matrix) must not stop the review opening — nor, with it, every
    reminder. Logged; the daily task draws it again. False when it failed."""
    try:
        with transaction.atomic():
            _refresh(_lock(review), now=now)
    except Exception:
        logger.exception("The checklist of matrix review #%s could not be drawn; the daily task tries again.",
                         review.pk)
        return False
    review.checklist_drawn_at = now
    return True


def matrix_review_open(*, now: dt.datetime | None = None) -> MatrixReview:
    """The open review, opening one when there is none (idempotent; two racing callers open one)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    existing = MatrixReview.objects.filter(signed_off_at__isnull=True).first()
    if existing is not None:
        return existing
    last = MatrixReview.objects.filter(signed_off_at__isnull=False).order_by("-signed_off_at", "-pk").first()
    try:
        with transaction.atomic():
            if last is not None and not MatrixReview.objects.filter(previous=last).exists():
                review = _create(period_start=last.signed_off_at, previous=last, owner=default_owner(last.owner),
                                 due_on=timezone.localdate(last.signed_off_at) + interval())
            else:
                start = first_deploy(now) if last is None else now
                due_on = max(timezone.localdate(start) + interval(), today + FIRST_REVIEW_NOTICE)
                review = _create(period_start=start, due_on=due_on, owner=default_owner(), previous=None)
    except IntegrityError:  # another caller opened it first (one open review: a partial unique index)
        return MatrixReview.objects.get(signed_off_at__isnull=True)
    _draw_first_checklist(review, now=now)
    return review


# --- the checklist --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RefreshResult:
    added: int
    cleared: int
    still_open: int


def _lock(review: MatrixReview | int) -> MatrixReview:
    pk = review.pk if isinstance(review, MatrixReview) else review
    return MatrixReview.objects.select_for_update(of=("self",)).select_related("owner", "signed_off_by").get(pk=pk)


def _refuse_if_signed_off(review: MatrixReview) -> None:
    if review.is_signed_off:
        raise ReviewStateError(
            f"This review was signed off on {notify.day(timezone.localdate(review.signed_off_at))}; "
            "it is read-only now."
        )


def _refresh(review: MatrixReview, *, now: dt.datetime) -> RefreshResult:
    """Draw the gaps again: new ones are added, known ones updated (ticks kept), vanished ones marked cleared.
    Change requests asked for by area owners are not gaps of the matrix: a refresh leaves them alone."""
    gaps = draw_checklist(since=review.period_start, now=now)
    items = {item.key: item for item in review.items.exclude(kind=MatrixReviewItemKind.CHANGE_NEEDED)}
    fields = ["kind", "subject_type", "subject_key", "subject_label", "subject_url", "text", "position", "cleared_at",
              "updated_at"]
    new, changed = [], []
    for position, gap in enumerate(gaps, start=1):
        values = {"kind": gap.kind, "subject_type": gap.subject_type, "subject_key": gap.subject_key,
                  "subject_label": gap.subject_label[:200], "subject_url": gap.subject_url[:300], "text": gap.text,
                  "position": position, "cleared_at": None, "updated_at": now}
        item = items.pop(gap.key, None)
        if item is None:
            new.append(MatrixReviewItem(review=review, key=gap.key, **values))
            continue
        for name, value in values.items():
            setattr(item, name, value)
        changed.append(item)
    cleared = [item for item in items.values() if item.cleared_at is None]
    for item in cleared:
        item.cleared_at = item.updated_at = now
    MatrixReviewItem.objects.bulk_create(new)
    if changed or cleared:
        MatrixReviewItem.objects.bulk_update(changed + cleared, fields)
    review.checklist_drawn_at = now
    review.save(update_fields=["checklist_drawn_at", "updated_at"])
    return RefreshResult(added=len(new), cleared=len(cleared),
                         still_open=sum(not item.resolved for item in new + changed))


def matrix_review_refresh_checklist(*, review: MatrixReview | int, user=None, now: dt.datetime | None = None
                                    ) -> RefreshResult:
    """Draw the checklist again from the matrix as it is now (``user`` None: the daily task)."""
    now = now or timezone.now()
    with transaction.atomic():
        review = _lock(review)
        _refuse_if_signed_off(review)
        if user is not None and not may_run(review, user):
            raise PermissionDenied("Only the review's owner and managers may refresh its checklist.")
        return _refresh(review, now=now)


def matrix_review_item_tick(*, item: MatrixReviewItem | int, user, resolved: bool, resolution: str = "",
                            now: dt.datetime | None = None) -> MatrixReviewItem:
    """Tick a checklist item (what was done, or why the gap is accepted), or untick it."""
    now = now or timezone.now()
    pk = item.pk if isinstance(item, MatrixReviewItem) else item
    with transaction.atomic():
        item = MatrixReviewItem.objects.select_related("review").get(pk=pk)
        review = _lock(item.review_id)
        _refuse_if_signed_off(review)
        if not may_run(review, user):
            raise PermissionDenied("Only the review's owner and managers may tick its checklist.")
        item = MatrixReviewItem.objects.select_for_update().get(pk=pk)
        item.resolved = resolved
        item.resolution = (resolution or "").strip()
        item.resolved_by, item.resolved_at = (user, now) if resolved else (None, None)
        item.save()
    return item


# --- the areas ------------------------------------------------------------------------------------------

def _area_and_owners(area: ProductArea | str) -> tuple[ProductArea, list]:
    if not isinstance(area, ProductArea):
        area = ProductArea.objects.filter(key=area).first()
        if area is None:
            raise ReviewInputError({"area": ["No such product area."]})
    return area, area_owners([area])[area.pk]


def matrix_review_attest(*, review: MatrixReview | int, area: ProductArea | str, user, comment: str = "",
                         now: dt.datetime | None = None) -> AreaAttestation:
    """An area owner (or a manager) confirms the area's ownership and contacts. Attesting an area already
    attested changes nothing: the first word stands until it is withdrawn (``matrix_review_withdraw``)."""
    now = now or timezone.now()
    area, owners = _area_and_owners(area)
    with transaction.atomic():
        review = _lock(review)
        _refuse_if_signed_off(review)
        if not may_attest(review, user, owners=owners):
            raise PermissionDenied(f"Only the owners of {area.name} and managers may attest it.")
        attestation, _ = AreaAttestation.objects.get_or_create(review=review, area=area, defaults={
            "area_name": area.name, "attested_by": user, "attested_at": now, "comment": (comment or "").strip(),
        })
    return attestation


def matrix_review_withdraw(*, review: MatrixReview | int, area: ProductArea | str, user) -> bool:
    """Take back an attestation made by mistake, or made before a change it should wait for: whoever made
    it, or a manager, until the review is signed off. Withdrawing one that is not there changes nothing
    and answers False (so the page does not claim a withdrawal that did not happen); True when withdrawn."""
    area, _ = _area_and_owners(area)
    with transaction.atomic():
        review = _lock(review)
        _refuse_if_signed_off(review)
        attestation = AreaAttestation.objects.filter(review=review, area=area).first()
        if attestation is None:
            return False
        if attestation.attested_by_id != user.pk and not is_manager(user):
            raise PermissionDenied("Only whoever attested it, or a manager, may withdraw an attestation.")
        attestation.delete()
    return True


def matrix_review_request_change(*, review: MatrixReview | int, area: ProductArea | str, user, text: str,
                                 now: dt.datetime | None = None) -> MatrixReviewItem:
    """An area owner who cannot edit the matrix asks for a change: it joins the checklist, for whoever runs
    the review to raise as a change request, and they are told."""
    text = (text or "").strip()
    if not text:
        raise ReviewInputError({"text": ["Say what should change."]})
    now = now or timezone.now()
    area, owners = _area_and_owners(area)
    with transaction.atomic():
        review = _lock(review)
        _refuse_if_signed_off(review)
        if not may_attest(review, user, owners=owners):
            raise PermissionDenied(f"Only the owners of {area.name} and managers may ask for changes to it.")
        count = review.items.filter(kind=MatrixReviewItemKind.CHANGE_NEEDED).count()
        item = MatrixReviewItem.objects.create(
            review=review, kind=MatrixReviewItemKind.CHANGE_NEEDED, key=f"change-needed:{area.key}:{count + 1}",
            subject_type="area", subject_key=area.key, subject_label=f"Area {area.name}",
            subject_url=reverse("matrix:area_detail", args=[area.key]), text=text, raised_by=user,
            position=10_000 + count,
        )
        notify.notify_change_needed(item, people=[review.owner] if review.owner else list(managers()))
    return item


# --- signing off ----------------------------------------------------------------------------------------

def unattested_areas(review: MatrixReview) -> list[ProductArea]:
    """Today's areas that nobody attested in this review, by name."""
    attested = AreaAttestation.objects.filter(review=review, area__isnull=False).values("area_id")
    return list(ProductArea.objects.exclude(pk__in=attested).order_by("name"))


def matrix_review_sign_off(*, review: MatrixReview | int, user, notes: str = "", now: dt.datetime | None = None
                           ) -> MatrixReview:
    """Sign the review off and open the next, due a quarter later — both or neither.

    Every area must be attested first: the sign-off says each area's ownership and contacts were confirmed,
    and it would not be true otherwise (a manager attests for an owner who cannot). Open checklist items do
    not block it: a gap still in the matrix is drawn again into the next review's checklist.
    Idempotent: signing off a signed-off review changes nothing (two clicks open one next review).
    """
    now = now or timezone.now()
    with transaction.atomic():
        review = _lock(review)
        if review.is_signed_off:
            return review
        if not may_sign_off(review, user):
            raise PermissionDenied("Only managers may sign off the matrix review.")
        missing = unattested_areas(review)
        if missing:
            names = ", ".join(area.name for area in missing)
            raise ReviewInputError({"areas": [
                f"Not signed off: {len(missing)} area{'s' if len(missing) != 1 else ''} still to attest ({names}). "
                "Their owners attest them here, or a manager does for an owner who cannot."
            ]})
        review.signed_off_at, review.signed_off_by, review.notes = now, user, (notes or "").strip()
        review.save()
        next_review = _create(period_start=now, due_on=timezone.localdate(now) + interval(), previous=review,
                              owner=default_owner(review.owner))
        areas = list(ProductArea.objects.all())
        people = {u.pk: u for owners in area_owners(areas).values() for u in owners}
        if review.owner is not None:
            people[review.owner.pk] = review.owner
        notify.notify_signed_off(review, next_review=next_review, people=people.values())
    _draw_first_checklist(next_review, now=now)
    return review

