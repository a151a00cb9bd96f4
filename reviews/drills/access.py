"""Who may do what with a drill, beyond the role's model permissions.

Managers and Incident leads (the roles with ``add``/``change`` on reviews) schedule drills and may run
any. A drill's facilitator runs their own drill (start now, end, cancel, edit it while scheduled, write
its debrief) whatever their role. Everyone reads drills. A published debrief is read-only.
"""

from __future__ import annotations

from ..models import Drill, DrillStatus

VIEW = "reviews.view_drill"
ADD = "reviews.add_drill"
CHANGE = "reviews.change_drill"
FILE_INCIDENT = "incidents.add_incident"  # the facilitator files the drill incident


def may_schedule(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm(ADD)


def may_run(drill: Drill, user) -> bool:
    """Start now, end, cancel, edit while scheduled."""
    return user.is_authenticated and user.is_active and (drill.facilitator_id == user.pk or user.has_perm(CHANGE))


def may_write_debrief(drill: Drill, user) -> bool:
    return drill.status == DrillStatus.FINISHED and not drill.debrief_published and may_run(drill, user)


def may_facilitate(user) -> bool:
    """A facilitator files the drill incident as its reporter, so they must be able to file incidents."""
    return user.is_active and user.has_perm(FILE_INCIDENT)
