"""The quarterly matrix review's pages. Thin: each view reads through ``selectors`` or calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from escalation_matrix.roles import is_manager

from ..change_requests import may_raise
from ..models import MatrixReview, MatrixReviewItem
from . import selectors, services
from .access import VIEW, may_run, may_sign_off
from .evidence import evidence_pack, evidence_summary
from .forms import AttestForm, ChangeNeededForm, SignOffForm, TickForm
from .notify import day
from .services import ReviewInputError, ReviewStateError


@require_safe
@permission_required(VIEW, raise_exception=True)
def matrix_review_list(request: HttpRequest) -> HttpResponse:
    context = {"reviews": selectors.reviews_for_list(), "today": timezone.localdate(),
               "can_open": is_manager(request.user)}
    return render(request, "reviews/matrix_reviews/list.html", context)


@require_safe
@permission_required(VIEW, raise_exception=True)
def matrix_review_current(request: HttpRequest) -> HttpResponse:
    """The open review (what the nav links to)."""
    review = selectors.open_review()
    if review is None:
        messages.info(request, "No matrix review is open yet: the daily task opens the first one.")
        return redirect("reviews:matrix_review_list")
    return redirect("reviews:matrix_review_detail", review.pk)


@require_POST
@permission_required(VIEW, raise_exception=True)
def matrix_review_start(request: HttpRequest) -> HttpResponse:
    """A manager opens the first review now rather than waiting for the daily task."""
    if not is_manager(request.user):
        raise PermissionDenied("Only managers may open the matrix review.")
    review = services.matrix_review_open()
    return redirect("reviews:matrix_review_detail", review.pk)


def _review(pk: int) -> MatrixReview:
    review = selectors.review_detail(pk)
    if review is None:
        raise Http404("No such matrix review.")
    return review


def _page(request: HttpRequest, review: MatrixReview, *, status: int = 200, area_forms: dict | None = None,
          sign_off_form: SignOffForm | None = None) -> HttpResponse:
    """The review page. ``area_forms``: {area key: bound form with errors} to show beside that area."""
    user = request.user
    items = selectors.checklist(review)
    areas = selectors.review_areas(review, user, items)
    unattested = [row for row in areas if row.attestation is None]
    context = {
        "review": review, "review_status": review.status_on(timezone.localdate()), "items": items, "areas": areas,
        "unattested": unattested, "attested_count": len(areas) - len(unattested),
        "open_items": sum(not item.is_done for item in items), "area_forms": area_forms or {},
        "can_run": may_run(review, user), "can_sign_off": may_sign_off(review, user),
        "can_raise": may_raise(user) and not review.is_signed_off,
        "sign_off_form": sign_off_form or SignOffForm(), "evidence": evidence_summary(review),
        "next_review": MatrixReview.objects.filter(previous=review).first() if review.is_signed_off else None,
    }
    return render(request, "reviews/matrix_reviews/detail.html", context, status=status)


@require_safe
@permission_required(VIEW, raise_exception=True)
def matrix_review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _review(pk))


@require_safe
@permission_required(VIEW, raise_exception=True)
def matrix_review_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The evidence pack alone, laid out for printing."""
    review = _review(pk)
    context = {"review": review, "evidence": evidence_pack(review)}
    return render(request, "reviews/matrix_reviews/evidence.html", context)


def _back(review: MatrixReview, anchor: str) -> HttpResponse:
    return redirect(reverse("reviews:matrix_review_detail", args=[review.pk]) + anchor)


@require_POST
@permission_required(VIEW, raise_exception=True)
def matrix_review_attest(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    review = _review(pk)
    form = AttestForm(request.POST)
    if not form.is_valid():
        return _page(request, review, status=400, area_forms={key: form})
    try:
        attestation = services.matrix_review_attest(review=review, area=key, user=request.user, **form.cleaned_data)
    except ReviewStateError as error:
        messages.error(request, error.message)
    except ReviewInputError:
        raise Http404("No such product area.") from None
    else:
        messages.success(request, f"{attestation.area_name}: ownership and contacts confirmed.")
    return _back(review, f"#area-{key}")


@require_POST
@permission_required(VIEW, raise_exception=True)
def matrix_review_withdraw(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    review = _review(pk)
    try:
        withdrawn = services.matrix_review_withdraw(review=review, area=key, user=request.user)
    except ReviewStateError as error:
        messages.error(request, error.message)
    except ReviewInputError:
        raise Http404("No such product area.") from None
    else:
        if withdrawn:
            messages.info(request, "Attestation withdrawn: the area is to attest again.")
        else:  # already withdrawn (another tab, a double click) or never attested
            messages.warning(request, "Nothing was withdrawn: the area has no attestation in this review.")
    return _back(review, f"#area-{key}")


@require_POST
@permission_required(VIEW, raise_exception=True)
def matrix_review_request_change(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    review = _review(pk)
    form = ChangeNeededForm(request.POST)
    if form.is_valid():
        try:
            item = services.matrix_review_request_change(review=review, area=key, user=request.user,
                                                         **form.cleaned_data)
        except ReviewStateError as error:
            messages.error(request, error.message)
            return _back(review, f"#area-{key}")
        except ReviewInputError as error:
            if "area" in error.errors:
                raise Http404("No such product area.") from None
            form.add_service_errors(error.errors)
        else:
            messages.success(request, "Your change is on the checklist; whoever runs the review is told.")
            return _back(review, f"#item-{item.pk}")
    return _page(request, review, status=400, area_forms={key: form})


@require_POST
@permission_required(VIEW, raise_exception=True)
def matrix_review_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    try:
        result = services.matrix_review_refresh_checklist(review=review, user=request.user)
    except ReviewStateError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Checklist drawn again: {result.added} new, {result.cleared} fixed in the matrix "
                                  "since (ticks kept).")
    return _back(review, "#checklist")


@require_POST
@permission_required(VIEW, raise_exception=True)
def matrix_review_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = get_object_or_404(MatrixReviewItem.objects.select_related("review"), pk=item_pk, review_id=pk)
    form = TickForm(request.POST)
    form.is_valid()  # both fields optional: always valid
    try:
        services.matrix_review_item_tick(item=item, user=request.user, **form.cleaned_data)
    except ReviewStateError as error:
        messages.error(request, error.message)
    return _back(item.review, f"#item-{item.pk}")


@require_POST
@permission_required(VIEW, raise_exception=True)
def matrix_review_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    form = SignOffForm(request.POST)
    if not form.is_valid():
        return _page(request, review, status=400, sign_off_form=form)
    try:
        review = services.matrix_review_sign_off(review=review, user=request.user, **form.cleaned_data)
    except ReviewInputError as error:
        form.add_service_errors(error.errors)
        return _page(request, review, status=400, sign_off_form=form)
    signer = review.signed_off_by.get_full_name() or review.signed_off_by.username
    when = day(timezone.localdate(review.signed_off_at))
    messages.success(request, f"Signed off by {signer} on {when}; the next review is open.")
    return _back(review, "#sign-off")
