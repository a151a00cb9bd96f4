"""Reads of the quarterly matrix review, with what its pages need loaded up front."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, QuerySet

from escalation_matrix.roles import is_manager
from matrix.hooks import make_origin
from matrix.models import ChangeRequest, ProductArea

from ..models import AreaAttestation, MatrixReview, MatrixReviewItem
from .access import area_owners, may_attest, owned_area_ids

ORIGIN = "matrix_review"


def area_origin(review: MatrixReview, area_key: str) -> str:
    """What a change request raised from an area of this review carries (``ChangeRequest.origin``)."""
    return make_origin(ORIGIN, review.pk, "area", area_key)


def reviews_for_list() -> QuerySet[MatrixReview]:
    """Every review, the open one first, then the signed-off ones, newest first; with their counts."""
    return (
        MatrixReview.objects.select_related("owner", "signed_off_by")
        .annotate(
            attested=Count("attestations", distinct=True),
            open_items=Count("items", distinct=True, filter=Q(items__resolved=False, items__cleared_at__isnull=True)),
        )
        .order_by(F("signed_off_at").desc(nulls_first=True), "-due_on", "-pk")
    )


def open_review() -> MatrixReview | None:
    return MatrixReview.objects.filter(signed_off_at__isnull=True).first()


def review_detail(pk: int) -> MatrixReview | None:
    return MatrixReview.objects.select_related("owner", "signed_off_by", "previous").filter(pk=pk).first()


def checklist(review: MatrixReview) -> list[MatrixReviewItem]:
    return list(review.items.select_related("resolved_by", "raised_by").order_by("position", "pk"))


def change_requests_raised(review: MatrixReview) -> dict[str, list[ChangeRequest]]:
    """Area key → change requests raised from that area of this review (by their origin), newest first."""
    prefix = make_origin(ORIGIN, review.pk, "area", "")
    by_area: dict[str, list[ChangeRequest]] = defaultdict(list)
    for request in ChangeRequest.objects.filter(origin__startswith=prefix).select_related("author"):
        by_area[request.origin.removeprefix(prefix)].append(request)
    return by_area


@dataclass
class AreaStatus:
    """One product area in a review: who owns it, whether it is attested, what the checklist says of it."""

    key: str
    name: str
    area: ProductArea | None  # None: deleted since it was attested
    owners: list
    attestation: AreaAttestation | None
    can_attest: bool = False
    can_withdraw: bool = False
    mine: bool = False
    gaps: list[MatrixReviewItem] = field(default_factory=list)
    change_requests: list[ChangeRequest] = field(default_factory=list)
    origin: str = ""

    @property
    def open_gaps(self) -> list[MatrixReviewItem]:
        return [gap for gap in self.gaps if not gap.is_done]


def _subjects(area: ProductArea) -> set[tuple[str, str]]:
    """The checklist subjects that concern an area: itself, its owner team, the vendors it depends on."""
    subjects = {("area", area.key)}
    if area.owner_team is not None:
        subjects.add(("team", area.owner_team.key))
    subjects |= {("vendor", vendor.key) for vendor in area.depends_on_vendors.all()}
    return subjects


def review_areas(review: MatrixReview, user, items: list[MatrixReviewItem]) -> list[AreaStatus]:
    """While open: every area of today's matrix, the user's own first. Signed off: what was attested."""
    attestations = {a.area_id: a for a in AreaAttestation.objects.filter(review=review).select_related("attested_by")}
    raised = change_requests_raised(review)
    if review.is_signed_off:
        return [AreaStatus(key=a.area.key if a.area else "", name=a.area_name, area=a.area, owners=[], attestation=a,
                           change_requests=raised.get(a.area.key, []) if a.area else [])
                for a in sorted(attestations.values(), key=lambda a: a.area_name.lower())]
    areas = list(ProductArea.objects.select_related("owner_team")
                 .prefetch_related(Prefetch("depends_on_vendors")).order_by("name"))
    owners = area_owners(areas)
    mine = owned_area_ids(user)
    by_subject: dict[tuple[str, str], list[MatrixReviewItem]] = defaultdict(list)
    for item in items:
        by_subject[(item.subject_type, item.subject_key)].append(item)
    rows = []
    for area in areas:
        row = AreaStatus(
            key=area.key, name=area.name, area=area, owners=owners[area.pk], attestation=attestations.get(area.pk),
            can_attest=may_attest(review, user, owners=owners[area.pk]), mine=area.pk in mine,
            gaps=[item for subject in sorted(_subjects(area)) for item in by_subject.get(subject, [])],
            change_requests=raised.get(area.key, []), origin=area_origin(review, area.key),
        )
        row.can_withdraw = row.attestation is not None and row.can_attest and (
            row.attestation.attested_by_id == user.pk or is_manager(user))
        rows.append(row)
    return sorted(rows, key=lambda row: (not row.mine, row.name.lower()))
