"""The training pages. Thin: each view reads through ``selectors`` or calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from escalation_matrix.paging import page_of
from escalation_matrix.roles import ROLES

from ..models import TrainingModule, TrainingStatus
from ..services import ReviewInputError, ReviewStateError
from . import selectors, services
from .access import VIEW, may_assign
from .forms import AssignForm

PAGE_SIZE = 50


@require_safe
@permission_required(VIEW, raise_exception=True)
def training_list(request: HttpRequest) -> HttpResponse:
    """"My training", and for those who assign it, everyone's assignments with filters."""
    today = timezone.localdate()
    mine = list(selectors.assignments_of(request.user, today))
    context = {
        "today": today,
        "mine": [(assignment, assignment.status_on(today)) for assignment in mine],
        "offered": selectors.modules_offered(request.user, exclude={a.module_id for a in mine}),
        "can_assign": may_assign(request.user),
    }
    if context["can_assign"]:
        status, module, role = (request.GET.get(name, "") for name in ("status", "module", "role"))
        rows = selectors.assignments_for_list(today=today, status=status if status in TrainingStatus.values else "",
                                              module=module, role=role if role in ROLES else "")
        page = page_of(request, rows, PAGE_SIZE)
        query = request.GET.copy()
        query.pop("page", None)
        context.update({
            "page": page, "rows": [(a, a.status_on(today)) for a in page.object_list], "status": status,
            "module": module, "role": role, "query": query.urlencode(), "statuses": TrainingStatus.choices,
            "modules": TrainingModule.objects.order_by("title").only("key", "title"), "roles": ROLES,
        })
    return render(request, "reviews/training/list.html", context)


def _module(key: str) -> TrainingModule:
    module = selectors.module_by_key(key)
    if module is None or not module.active:
        raise Http404("No such training module.")
    return module


@require_safe
@permission_required(VIEW, raise_exception=True)
def training_module(request: HttpRequest, key: str) -> HttpResponse:
    """Read the module; "I've completed this" at the bottom."""
    module = _module(key)
    today = timezone.localdate()
    assignment = selectors.assignment_of(module, request.user)
    context = {
        "module": module, "assignment": assignment, "today": today,
        "status": assignment.status_on(today) if assignment else None,
        "can_complete": services.may_complete(assignment, today),
        "completions": selectors.completions_of(assignment),
    }
    return render(request, "reviews/training/module.html", context)


@require_POST
@permission_required(VIEW, raise_exception=True)
def training_complete(request: HttpRequest, key: str) -> HttpResponse:
    module = _module(key)
    try:
        assignment = services.training_complete(module=module, user=request.user)
    except ReviewStateError as error:
        messages.error(request, error.message)
    else:
        refresher = assignment.refresher_due_on
        messages.success(request, f"Completed: “{module.title}”."
                                  + (f" A refresher falls due {refresher:%a %-d %b %Y}." if refresher else ""))
    return redirect("reviews:training_module", module.key)


@require_http_methods(["GET", "HEAD", "POST"])
def training_assign(request: HttpRequest) -> HttpResponse:
    if not may_assign(request.user):
        raise PermissionDenied("Managers and incident leads assign training.")
    form = AssignForm(request.POST or None, initial={"module": request.GET.get("module", "")})
    if request.method == "POST" and form.is_valid():
        try:
            result = services.training_assign(assigned_by=request.user, **form.service_kwargs())
        except ReviewInputError as error:
            form.add_service_errors(error.errors)
        else:
            module = form.cleaned_data["module"]
            already = f" {len(result.already)} had it already and keep theirs." if result.already else ""
            messages.success(request, f"“{module.title}” assigned to {len(result.created)} "
                                      f"{'person' if len(result.created) == 1 else 'people'}.{already}")
            return redirect(reverse("reviews:training_list") + f"?module={module.key}#all-assignments")
    return render(request, "reviews/training/assign.html", {"form": form}, status=400 if form.is_bound else 200)
