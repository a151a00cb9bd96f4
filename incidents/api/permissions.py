"""Who may call what: the role groups' model permissions (escalation_matrix/roles.py)."""

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class IncidentPermission(BasePermission):
    """Reading needs ``view_incident``, filing ``add_incident``, moving an incident ``change_incident``.

    Notes, stakeholder updates and checklist ticks need the "add" permission of what they create, as the
    services themselves require (so a support agent may add a note but not acknowledge). DRF's
    ``DjangoModelPermissions`` maps every POST to "add", which would let a support agent acknowledge.
    """

    message = "Your role may not do this to incidents."
    ACTION_PERMISSIONS = {
        "list": "incidents.view_incident",
        "retrieve": "incidents.view_incident",
        "create": "incidents.add_incident",
        "notes": "incidents.add_timelineentry",
        "updates": "incidents.add_stakeholderupdate",
        "checklist": "incidents.add_checklisttick",
    }

    def has_permission(self, request: Request, view) -> bool:
        permission = self.ACTION_PERMISSIONS.get(getattr(view, "action", None), "incidents.change_incident")
        return request.user.has_perm(permission)
