"""The 403, 404 and 500 pages (``handler403`` & co. in ``escalation_matrix.urls``).

Pages get the product's own templates (templates/403.html, 404.html, 500.html), with a way back. Paths under
/api/ are for programs, not people: when ``escalation_matrix.api_errors`` exists, its JSON handlers answer
them instead (DRF's own views answer their errors themselves and never reach these).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults

API_PREFIX = "/api/"
API_ERRORS_MODULE = "escalation_matrix.api_errors"


def _api_handler(request: HttpRequest, *names: str) -> Callable | None:
    """The JSON handler of ``escalation_matrix.api_errors`` for an /api/ path, if that module exists and has
    one under any of ``names``; otherwise None, and the page is rendered as for any other path.

    Looked up on each error rather than at start-up, so the module is picked up whenever it is added."""
    if not request.path.startswith(API_PREFIX):
        return None
    try:
        module = importlib.import_module(API_ERRORS_MODULE)
    except ModuleNotFoundError as error:
        if error.name != API_ERRORS_MODULE:  # the module is there but broken: that must not pass silently
            raise
        return None
    for name in names:
        handler = getattr(module, name, None)
        if callable(handler):
            return handler
    return None


def back_url(request: HttpRequest) -> str:
    """Where "Go back" leads: the page the person came from if it is on this site, else the matrix.

    A Referer from another site is never followed: the error page must not become a way to send people there."""
    home = reverse("matrix:home")
    referer = request.META.get("HTTP_REFERER", "")
    if not referer:
        return home
    try:
        host = request.get_host()
    except DisallowedHost:  # no site to compare with
        return home
    if not url_has_allowed_host_and_scheme(referer, allowed_hosts={host}, require_https=request.is_secure()):
        return home
    if referer.split("#")[0] == request.build_absolute_uri():  # "back" to the page that just failed goes nowhere
        return home
    return referer


def _message(exception: BaseException | None) -> str:
    """The exception's own sentence, when it was given one; our views word them for the person who asked.

    Django's "no URL matched" (``Resolver404``) carries a dict of patterns tried, which is not for people."""
    args = getattr(exception, "args", ())
    message = args[0] if args else ""
    return message.strip() if isinstance(message, str) else ""


def permission_denied(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    api = _api_handler(request, "handler403", "permission_denied")
    if api is not None:
        return api(request, exception)
    return _render(request, "403.html", 403, exception)


def page_not_found(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    api = _api_handler(request, "handler404", "page_not_found")
    if api is not None:
        return api(request, exception)
    return _render(request, "404.html", 404, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    api = _api_handler(request, "handler500", "server_error")
    if api is not None:
        return api(request)
    # Django's own: 500.html rendered with an empty context (no request, no database), as it must be when
    # the database may be what failed.
    return defaults.server_error(request)


def _render(request: HttpRequest, template: str, status: int, exception: BaseException | None) -> HttpResponse:
    context = {"exception": _message(exception), "back_url": back_url(request), "request_path": request.path}
    return HttpResponse(loader.render_to_string(template, context, request), status=status)
