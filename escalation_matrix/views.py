from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .health import health_report
from .mail import outbox_dir, outbox_messages


@login_not_required  # load balancers and monitors call it without a session
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    # Only the database is fatal for serving pages; a stale worker or beat is reported, not a 503.
    return JsonResponse(report, status=200 if report["database"]["ok"] else 503)


@require_safe
@never_cache
def dev_outbox(request: HttpRequest) -> HttpResponse:
    """The e-mails this development site would have sent, newest first, in full (escalation_matrix.mail).

    Only with DEBUG on: in production mail really goes out, and the folder may hold nothing or stale messages.
    Login required (LoginRequiredMiddleware): the messages name people and incidents."""
    if not settings.DEBUG:
        raise Http404("The outbox exists in development only.")
    mails, total = outbox_messages()
    # Not "messages": base.html shows the messages framework's under that name.
    return render(request, "dev/outbox.html", {"mails": mails, "total": total, "folder": outbox_dir()})
