"""Every write to incidents: keyword-only functions, each in one transaction, each locking the incident row.

Bad input raises ``IncidentInputError`` (per field); an illegal move raises ``TransitionError`` (with its
reason); a person without the role's permission gets ``PermissionDenied``.
"""

from .coordination import incident_involve_vendor, incident_open_war_room, incident_post_update
from .errors import IncidentInputError, TransitionError
from .filing import incident_file
from .handoffs import handoff_accept, incident_flag_misroute, incident_reassign
from .lifecycle import (
    incident_acknowledge,
    incident_close,
    incident_contain,
    incident_pause,
    incident_reopen,
    incident_resolve,
    incident_resume,
)
from .work import checklist_tick, incident_add_note, incident_assign

__all__ = [
    "IncidentInputError", "TransitionError", "checklist_tick", "handoff_accept", "incident_acknowledge",
    "incident_add_note", "incident_assign", "incident_close", "incident_contain", "incident_file",
    "incident_flag_misroute", "incident_involve_vendor", "incident_open_war_room", "incident_pause",
    "incident_post_update", "incident_reassign", "incident_reopen", "incident_resolve", "incident_resume",
]
