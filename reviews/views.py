"""The review pages. Thin: each view reads through ``selectors`` or calls one service (two for "save and publish")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from escalation_matrix.paging import page_of
from matrix.models import ChangeRequest, Team

from . import change_requests, selectors, services
from .access import VIEW, is_participant, may_add_addendum, may_update_item, may_write
from .forms import (
    ACTION_ITEM_FIELDS,
    SECTION_PREFIX,
    ActionItemForm,
    ActionItemStatusForm,
    AddendumForm,
    FeedbackForm,
    RaiseMatrixChangeForm,
    ReviewForm,
)
from .models import ActionItem, ActionItemStatus, PostIncidentReview, ReviewFeedback, ReviewStatus

PAGE_SIZE = 25


@require_safe
@permission_required(VIEW, raise_exception=True)
def review_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    status = request.GET.get("status", "")
    team = request.GET.get("team", "")
    mine = request.GET.get("mine") == "1"
    rows = selectors.reviews_for_list(today=today, status=status if status in ReviewStatus.values else "",
                                      team=team, lead=request.user if mine else None)
    page = page_of(request, rows, PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page, "today": today, "status": status, "team": team, "mine": mine, "query": query.urlencode(),
        "statuses": ReviewStatus.choices, "teams": Team.objects.order_by("name").only("key", "name"),
    }
    return render(request, "reviews/list.html", context)


def _review(pk: int) -> PostIncidentReview:
    review = selectors.review_detail(pk)
    if review is None:
        raise Http404("No such review.")
    return review


def _page(request: HttpRequest, review: PostIncidentReview, *, form: ReviewForm | None = None,
          item_form: ActionItemForm | None = None, addendum_form: AddendumForm | None = None,
          status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    writable = may_write(review, request.user)
    may_correct = may_add_addendum(review, request.user)
    items = list(review.action_items.all())
    _attach_change_requests(items)
    context = {
        "review": review,
        "incident": review.incident,
        "review_status": review.status_on(today),
        "today": today,
        "can_write": writable,
        "form": form or (ReviewForm(review=review) if writable else None),
        # The item's inputs belong to the review form: adding one posts (and keeps) the sections too.
        "item_form": item_form or (ActionItemForm(owner_form="review-form") if writable else None),
        "addenda": list(review.addenda.all()),
        "addendum_form": addendum_form or (AddendumForm() if may_correct else None),
        "items": [(item, may_update_item(item, review, request.user)) for item in items],
        "may_raise_change": change_requests.may_raise(request.user),
        "item_statuses": ActionItemStatus.choices,
        "targets": selectors.review_targets(review.incident),
        "timeline": selectors.review_timeline(review.incident),
        "feedback": list(review.feedback.all()),
        "feedback_summary": selectors.feedback_summary(review) if review.is_published else None,
        "can_give_feedback": review.is_published and is_participant(review, request.user),
    }
    return render(request, "reviews/detail.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(VIEW, raise_exception=True)
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The review; its lead (and Incident leads, Managers) save the draft here, or save and publish it."""
    review = _review(pk)
    if request.method != "POST":
        return _page(request, review)
    if not may_write(review, request.user):
        raise PermissionDenied("Only the review's lead, Incident leads and Managers may write it, until published.")
    item_typed = any(request.POST.get(name) for name in ACTION_ITEM_FIELDS)
    if item_typed and "publish" not in request.POST:
        # "Save draft" (or Enter) with an action item half typed: keep that too, as "Add action item" would.
        return _add_item_and_keep_draft(request, review)
    # A half-typed action item comes back with the page, as typed (only "Add action item" checks it).
    item_form = ActionItemForm(initial={name: request.POST.get(name, "") for name in ACTION_ITEM_FIELDS},
                               owner_form="review-form") if item_typed else None
    form = ReviewForm(request.POST, review=review)
    if not form.is_valid():
        return _page(request, review, form=form, item_form=item_form, status=400)
    saved = False
    try:
        services.review_save(review=review, user=request.user, **form.service_kwargs())
        saved = True
        if "publish" not in request.POST:
            messages.success(request, "Draft saved.")
            return redirect("reviews:detail", pk)
        if item_typed:  # publishing would make the review read-only and drop the item typed below
            messages.warning(request, "Draft saved, not published yet: add the action item typed below, or clear "
                                      "it, then publish.")
            return _page(request, _review(pk), form=form, item_form=item_form, status=400)
        services.review_publish(review=review, user=request.user)
    except services.ReviewStateError as error:  # published by someone else meanwhile
        messages.error(request, error.message)
        return redirect("reviews:detail", pk)
    except services.ReviewInputError as error:
        form.add_service_errors(error.errors)
        if saved:
            messages.warning(request, "Draft saved, not published yet: fill in what is marked.")
        return _page(request, _review(pk), form=form, item_form=item_form, status=400)
    messages.success(request, "Published. Stakeholders are told; participants are asked for feedback.")
    return redirect("reviews:detail", pk)


@require_POST
@permission_required(VIEW, raise_exception=True)
def review_autosave(request: HttpRequest, pk: int) -> HttpResponse:
    """The review form's autosave (static/js/app.js): keeps the draft as typed so far, answers JSON."""
    review = _review(pk)
    if not may_write(review, request.user):
        if may_add_addendum(review, request.user):  # its writer, on a page left open while it was published
            return JsonResponse({"error": "The review is published: it is read-only now."}, status=409)
        raise PermissionDenied("Only the review's lead, Incident leads and Managers may write it, until published.")
    form = ReviewForm(request.POST, review=review, partial=True)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    try:
        services.review_save(review=review, user=request.user, **form.service_kwargs())
    except services.ReviewStateError as error:  # published meanwhile
        return JsonResponse({"error": error.message}, status=409)
    except services.ReviewInputError as error:
        return JsonResponse({"errors": error.errors}, status=400)
    return JsonResponse({"saved": True})


@require_POST
@permission_required(VIEW, raise_exception=True)
def action_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    if not may_write(review, request.user):
        raise PermissionDenied("Only the review's lead, Incident leads and Managers may add action items.")
    return _add_item_and_keep_draft(request, review)


def _add_item_and_keep_draft(request: HttpRequest, review: PostIncidentReview) -> HttpResponse:
    """Add an action item; the review's sections posted with it (the item's inputs belong to the review
    form) are saved as the draft first, in the same transaction, so adding an item never loses a word."""
    pk = review.pk
    form = ActionItemForm(request.POST, owner_form="review-form")
    posted_draft = any(name.startswith(SECTION_PREFIX) for name in request.POST)
    draft = ReviewForm(request.POST, review=review, partial=True) if posted_draft else None
    draft_saved = False
    try:
        with transaction.atomic():
            if draft is not None and draft.is_valid():
                try:
                    services.review_save(review=review, user=request.user, **draft.service_kwargs())
                    draft_saved = True
                except services.ReviewInputError as error:
                    draft.add_service_errors(error.errors)
            item = None
            if form.is_valid():
                try:
                    item = services.action_item_add(review=review, user=request.user, **form.cleaned_data)
                except services.ReviewInputError as error:
                    form.add_service_errors(error.errors)
    except services.ReviewStateError as error:  # published meanwhile
        messages.error(request, error.message)
        return redirect("reviews:detail", pk)
    if item is not None:
        saved = " The draft is saved too." if draft_saved else ""
        messages.success(request, f"Action item added for {item.owner.get_full_name() or item.owner.username}.{saved}")
        return redirect(reverse("reviews:detail", args=[pk]) + "#action-items")
    if draft_saved:
        messages.info(request, "Draft saved. The action item is not added yet: fix what is marked.")
    # Everything typed comes back: the sections bound as posted, the item with its errors.
    return _page(request, _review(pk), form=draft, item_form=form, status=400)


@require_POST
@permission_required(VIEW, raise_exception=True)
def addendum_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A correction to a published review, signed and dated (the review itself stays as published)."""
    review = _review(pk)
    if not may_add_addendum(review, request.user):
        if may_write(review, request.user):  # a draft's writer: nothing to correct yet, the draft is edited
            messages.error(request, "This review is still a draft: change it directly.")
            return redirect("reviews:detail", pk)
        raise PermissionDenied("Only the review's lead, Incident leads and Managers may add an addendum.")
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.review_add_addendum(review=review, user=request.user, text=form.cleaned_data["text"])
        except services.ReviewInputError as error:
            form.add_service_errors(error.errors)
        else:
            messages.success(request, "Addendum added to the review.")
            return redirect(reverse("reviews:detail", args=[pk]) + "#addenda")
    return _page(request, review, addendum_form=form, status=400)


def _attach_change_requests(items: list[ActionItem]) -> None:
    """Each item's linked change request (with its status), in one query for them all."""
    ids = {item.change_request_id for item in items if item.change_request_id}
    found = ChangeRequest.objects.in_bulk(ids) if ids else {}
    for item in items:
        item.linked_change_request = found.get(item.change_request_id)


@require_safe
@permission_required(VIEW, raise_exception=True)
def action_item_raise_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick what in the matrix an action item changes; on to its admin form, which drafts a change request
    raised from the item (``reviews.change_requests``)."""
    item = get_object_or_404(ActionItem.objects.select_related("review__incident", "change_request"), pk=pk)
    if not change_requests.may_raise(request.user):
        raise PermissionDenied("Only people who may edit the matrix (Managers) may raise a change to it.")
    form = RaiseMatrixChangeForm(request.GET or None, choices=change_requests.target_choices(request.user))
    if form.is_bound and form.is_valid():
        return redirect(change_requests.admin_url(item=item, target=form.cleaned_data["target"]))
    context = {"item": item, "review": item.review, "form": form}
    return render(request, "reviews/action_item_change.html", context, status=400 if form.is_bound else 200)


@require_POST
@permission_required(VIEW, raise_exception=True)
def action_item_status(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ActionItem.objects.select_related("review"), pk=pk)
    form = ActionItemStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status.")
    else:
        services.action_item_set_status(item=item, user=request.user, status=form.cleaned_data["status"])
        messages.success(request, f"“{item.title}” is {ActionItemStatus(form.cleaned_data['status']).label.lower()}.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("reviews:detail", args=[item.review_id]) + "#action-items"
    return redirect(back)


@require_safe
@permission_required(VIEW, raise_exception=True)
def my_action_items(request: HttpRequest) -> HttpResponse:
    include_finished = request.GET.get("all") == "1"
    items = selectors.action_items_of(request.user, include_finished=include_finished)
    context = {"items": items, "include_finished": include_finished, "today": timezone.localdate(),
               "item_statuses": ActionItemStatus.choices}
    return render(request, "reviews/my_action_items.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """The participants' short form: a rating and a comment (sending again replaces theirs)."""
    review = _review(pk)
    if not review.is_published:
        raise Http404("Feedback opens once the review is published.")
    if not is_participant(review, request.user):
        raise PermissionDenied("Feedback is asked of the incident's participants.")
    mine = ReviewFeedback.objects.filter(review=review, user=request.user).first()
    if request.method == "POST":
        form = FeedbackForm(request.POST)
        if form.is_valid():
            services.feedback_submit(review=review, user=request.user, **form.cleaned_data)
            messages.success(request, "Thank you: your feedback is on the review.")
            return redirect(reverse("reviews:detail", args=[pk]) + "#feedback")
    else:
        form = FeedbackForm(initial={"rating": mine.rating, "comment": mine.comment} if mine else None)
    return render(request, "reviews/feedback.html", {"review": review, "form": form, "mine": mine},
                  status=400 if form.is_bound else 200)
