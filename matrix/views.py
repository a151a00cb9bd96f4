"""The matrix pages. Thin: each view asks a selector for its data and renders it (login required
everywhere by LoginRequiredMiddleware)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import selectors
from .cache import current_snapshot
from .credentials import may_see_credentials
from .forms import AsOfForm, ChangesForm, RoutePreviewForm
from .hooks import person_panels
from .routing import RoutingError


def _found(page):
    if page is None:
        raise Http404("Not in the matrix.")
    return page


@require_safe
def matrix_page(request: HttpRequest) -> HttpResponse:
    """Today's matrix, or with ``?as_of=YYYY-MM-DD`` the matrix as it stood at the end of that day. A date
    that cannot be shown is said so above today's matrix."""
    form = AsOfForm(request.GET if "as_of" in request.GET else None)
    day = form.cleaned_data["as_of"] if form.is_bound and form.is_valid() else None
    # The process's kept matrix (matrix.cache), which the top bar's "On call" menu reads too: loaded once.
    page = selectors.matrix_page_as_of(day) if day else selectors.matrix_page(current_snapshot())
    return render(request, "matrix/matrix_page.html", {"page": page, "form": form})


@require_safe
def changes(request: HttpRequest) -> HttpResponse:
    """What changed in the matrix between two days (by default the last 30), grouped by object."""
    form = ChangesForm(request.GET)
    reveal = may_see_credentials(request.user)
    page = selectors.changes_page(*form.period(), reveal=reveal) if form.is_valid() else None
    # The date inputs show the period shown (the defaults filled in), or what was typed when it is refused.
    fields = [(form["since"], page.since if page else None), (form["until"], page.until if page else None)]
    return render(request, "matrix/changes.html", {"page": page, "form": form, "fields": fields})


@require_safe
def area_detail(request: HttpRequest, key: str) -> HttpResponse:
    return render(request, "matrix/area_detail.html", {"page": _found(selectors.area_page(key))})


@require_safe
def team_list(request: HttpRequest) -> HttpResponse:
    return render(request, "matrix/team_list.html", {"rows": selectors.team_list(current_snapshot())})


@require_safe
def team_detail(request: HttpRequest, key: str) -> HttpResponse:
    return render(request, "matrix/team_detail.html", {"page": _found(selectors.team_page(key))})


@require_safe
def vendor_list(request: HttpRequest) -> HttpResponse:
    return render(request, "matrix/vendor_list.html", {"rows": selectors.vendor_list()})


@require_safe
def vendor_detail(request: HttpRequest, key: str) -> HttpResponse:
    return render(request, "matrix/vendor_detail.html", {"page": _found(selectors.vendor_page(key))})


@require_safe
def person_detail(request: HttpRequest, username: str) -> HttpResponse:
    page = _found(selectors.person_page(username))
    panels = person_panels(page.person, request.user)
    return render(request, "matrix/person_detail.html", {"page": page, "panels": panels})


@require_safe
def playbook_detail(request: HttpRequest, key: str) -> HttpResponse:
    return render(request, "matrix/playbook_detail.html", {"page": _found(selectors.playbook_page(key))})


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    results = selectors.search(request.GET.get("q", ""))
    template = "matrix/partials/search_dropdown.html" if request.htmx else "matrix/search.html"
    return render(request, template, {"results": results})


@require_safe
def route_preview(request: HttpRequest) -> HttpResponse:
    """The preview form; htmx asks again as the user types and gets only the decision (and errors).

    The answers are checked as filing checks them (``RoutePreviewForm``): the decision is shown only for
    answers filing would take, and every problem — a field's, routing's — is shown at once beside its field."""
    form = RoutePreviewForm(request.GET or None)
    preview, field_errors = None, {}
    if form.is_bound:
        form.is_valid()
        decision, route_request = None, form.route_request()
        if route_request is not None:
            try:
                decision = selectors.route_preview(route_request)
            except RoutingError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
        # While typing, a field not filled in yet is not an error worth shouting about (nor one that holds
        # the decision back, as on the filing page); every other error is.
        field_errors = form.errors_by_field(skip_required=bool(request.htmx))
        preview = None if field_errors else decision
    context = {"form": form, "preview": preview, "field_errors": field_errors}
    template = "matrix/partials/route_decision.html" if request.htmx else "matrix/route_preview.html"
    return render(request, template, context)
