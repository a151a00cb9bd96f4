from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from .health import health_report


@login_not_required  # load balancers and monitors call it without a session
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    # Only the database is fatal for serving pages; a stale worker or beat is reported, not a 503.
    return JsonResponse(report, status=200 if report["database"]["ok"] else 503)
