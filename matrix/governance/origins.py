"""The matrix's own kind of change request origin: "change_request:<id>", an admin save that finished the
system draft #<id> (``services.change_request_submit``). Registered in ``MatrixConfig.ready``; the other
kinds belong to the apps above (``matrix.hooks``)."""

from __future__ import annotations

from django.urls import reverse

from matrix.hooks import OriginLink, parse_origin
from matrix.models import ChangeRequest

from .services import FINISHES


def resolve_origins(origins: list[str]) -> dict[str, OriginLink]:
    """ "change_request:7" → a link to that draft, for a page of requests in one query."""
    ids = {origin: int(parts[0]) for origin in origins
           if len(parts := parse_origin(origin)[1]) == 1 and parts[0].isdigit()}
    found = ChangeRequest.objects.in_bulk(set(ids.values()))
    return {
        origin: OriginLink(label=f"change request #{pk}, drafted by the system ({found[pk].reason})",
                           url=reverse("admin:matrix_changerequest_change", args=[pk]))
        for origin, pk in ids.items() if pk in found
    }


__all__ = ["FINISHES", "resolve_origins"]
