"""Change requests raised from an area of a matrix review carry ``matrix_review:<review id>:area:<area key>``
(``ChangeRequest.origin``); this turns such origins back into links to the review's area, for the change
request's page and list, and says who may raise a change from one (both registered with
``matrix.hooks.register_change_request_origin``): anyone can type the origin into an admin URL, but only
someone who may raise matrix changes keeps it on their request, so only they add to a review's evidence."""

from __future__ import annotations

from django.urls import reverse

from matrix.hooks import OriginLink, parse_origin
from matrix.models import ProductArea

from ..change_requests import may_raise
from ..models import MatrixReview
from .notify import day
from .selectors import ORIGIN


def review_area(origin: str) -> tuple[int, str] | None:
    """ "matrix_review:3:area:checkout" → (3, "checkout"); None for anything else."""
    kind, parts = parse_origin(origin)
    if kind != ORIGIN or len(parts) != 3 or not parts[0].isdigit() or parts[1] != "area" or not parts[2]:
        return None
    return int(parts[0]), parts[2]


def may_raise_from(origin: str, author) -> bool:
    """Whether ``author`` may raise a change from this review's area: the review exists and they may raise
    matrix changes (``reviews.change_requests.may_raise``)."""
    found = review_area(origin)
    return found is not None and may_raise(author) and MatrixReview.objects.filter(pk=found[0]).exists()


def resolve_origins(origins: list[str]) -> dict[str, OriginLink]:
    """Links for a page's worth of origins: two queries, whatever their number."""
    parsed = {origin: found for origin in origins if (found := review_area(origin))}
    reviews = MatrixReview.objects.in_bulk({pk for pk, _ in parsed.values()})
    names = dict(ProductArea.objects.filter(key__in={key for _, key in parsed.values()}).values_list("key", "name"))
    links = {}
    for origin, (pk, key) in parsed.items():
        review = reviews.get(pk)
        if review is None:
            continue
        links[origin] = OriginLink(
            label=f"Area {names.get(key, key)} in the quarterly matrix review due {day(review.due_on)}",
            url=reverse("reviews:matrix_review_detail", args=[pk]) + f"#area-{key}",
        )
    return links
