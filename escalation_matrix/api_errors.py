"""Django's own 403, 404 and 500 under /api/, as JSON in DRF's shape: ``{"detail": "..."}``.

DRF's views answer their own errors. These are the answers Django gives before (or instead of) a DRF view: no
URL matched — e.g. ``/api/v1/incidents/abc/``, whose id the URL pattern refuses — or an error outside any view.
``escalation_matrix.error_pages`` (the project's ``handler403/404/500``) hands /api/ paths to these.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse


def page_not_found(request: HttpRequest, exception: BaseException | None = None) -> JsonResponse:
    # Never the exception's text: for an unmatched URL it lists the URL patterns tried.
    return JsonResponse({"detail": "Not found."}, status=404)


def permission_denied(request: HttpRequest, exception: BaseException | None = None) -> JsonResponse:
    return JsonResponse({"detail": "You do not have permission to perform this action."}, status=403)


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Server error."}, status=500)
