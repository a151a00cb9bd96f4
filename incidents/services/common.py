"""What every incident service does first: lock the row, check the person may act, refuse paused moves."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ..models import Incident, PauseReason
from .errors import IncidentInputError, TransitionError

CHANGE = "incidents.change_incident"


def lock_incident(incident: Incident | int) -> Incident:
    """The incident's row, locked until the caller's transaction ends, with what the services read.

    Every move starts here, so two moves of one incident run one after the other, and a move and the
    timer sweep never interleave (the sweep takes the same lock before it fires a timer).

    Two queries on purpose: the lock first, then the read. A ``FOR UPDATE`` that waited for another
    transaction re-reads the locked row but not the rows joined to it, so a single locking query with
    ``select_related`` would pair the winner's ``acknowledged_by_id`` with a stale (empty) user.
    """
    pk = incident.pk if isinstance(incident, Incident) else incident
    Incident.objects.select_for_update().filter(pk=pk).values_list("pk").first()
    return (
        Incident.objects.select_related("tier", "team", "product_area", "assignee", "acknowledged_by",
                                        "suspected_vendor__relationship_owner")
        .get(pk=pk)
    )


def require(user, permission: str) -> None:
    """Services check the role's permission themselves, so every door (pages, API, admin) is covered.
    ``user=None`` is the system acting (an integration, the demo)."""
    if user is not None and not user.has_perm(permission):
        raise PermissionDenied(f"You may not do that: it needs the {permission.split('.')[-1]} permission.")


def moment(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def refuse_if_paused(incident: Incident) -> None:
    if incident.is_paused:
        reason = PauseReason(incident.pause_reason).label.lower() if incident.pause_reason else "paused"
        raise TransitionError(f"The clocks are paused ({reason}); resume first.")


def input_error(field: str, message: str) -> IncidentInputError:
    return IncidentInputError({field: [message]})
