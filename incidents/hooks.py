"""Hooks: how the apps above incidents add to its pages without incidents importing them.

The incident page asks each registered panel provider for a piece of HTML to show beside the
incident (the reviews app: "Post-incident review: draft, due Mon 9 Mar — open it"). A provider gets
the incident and the person looking, returns "" when it has nothing to show, and should cost at most
one query.
"""

from __future__ import annotations

from collections.abc import Callable

from .models import Incident

IncidentPanelProvider = Callable[[Incident, object], str]  # (incident, user) → HTML, "" for nothing
_panel_providers: list[IncidentPanelProvider] = []


def register_incident_panel(provider: IncidentPanelProvider) -> IncidentPanelProvider:
    """Add a provider (idempotent: an app's ``ready()`` may run twice in tests)."""
    if provider not in _panel_providers:
        _panel_providers.append(provider)
    return provider


def incident_panels(incident: Incident, user) -> list[str]:
    return [html for provider in _panel_providers if (html := provider(incident, user))]
