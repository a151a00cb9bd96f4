"""A bench-only URLconf: the project's URLs plus one bare ModelForm create, the filing bench's baseline.

Mounted with ``override_settings(ROOT_URLCONF="bench.baseline_urls")``, so the baseline goes through the
same client, middleware, session and login as the filing form, in the same run and process.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone

from escalation_matrix.urls import urlpatterns as project_urlpatterns
from incidents.models import TimelineEntry

BASELINE = "/bench/baseline/timeline-entry/"


class TimelineEntryForm(forms.ModelForm):
    class Meta:
        model = TimelineEntry
        fields = ["incident", "kind", "text"]


@login_required
def create_timeline_entry(request: HttpRequest) -> HttpResponse:
    """Validate a ModelForm (its foreign key checked in the database), save it, redirect: nothing else."""
    form = TimelineEntryForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors.as_text())
    entry = form.save(commit=False)
    entry.at = timezone.now()
    entry.save()
    return redirect("/")


urlpatterns = [path(BASELINE.strip("/") + "/", create_timeline_entry), *project_urlpatterns]
