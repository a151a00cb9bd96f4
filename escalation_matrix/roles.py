"""The roles, as groups with model permissions.

One table for the whole project so that a reader sees every role's rights in one place. Each app's
data migration calls ``sync_roles`` after adding models, so new permissions reach existing groups.
"""

from django.contrib.auth.management import create_permissions

MANAGERS = "Managers"
APPROVERS = "Approvers"
SUPPORT_AGENTS = "Support agents"
RESPONDERS = "Responders"
INCIDENT_LEADS = "Incident leads"
EXECUTIVES = "Executives"
ROLES = [MANAGERS, APPROVERS, SUPPORT_AGENTS, RESPONDERS, INCIDENT_LEADS, EXECUTIVES]

# (app label, actions) pairs: each action ("view") on every model of that app, or one permission by its codename
# ("add_incident").
# Reviews: Incident leads and Managers write any review; everyone reads them (a review's own lead
# may write it whatever their role: reviews.access).
ROLE_PERMISSIONS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    MANAGERS: [
        ("matrix", ("view", "add", "change", "delete")),
        ("incidents", ("view", "add", "change")),
        ("notifications", ("view", "change")),
        ("reviews", ("view", "add", "change")),
    ],
    APPROVERS: [("matrix", ("view",)), ("incidents", ("view",)), ("reviews", ("view",))],
    # Support agents file incidents, read them and add notes (what the customer said next); acting on one —
    # updates, the checklist, every move — is the responders' (docs/guide.md, The incident page).
    SUPPORT_AGENTS: [
        ("matrix", ("view",)), ("incidents", ("view", "add_incident", "add_timelineentry")), ("reviews", ("view",)),
    ],
    RESPONDERS: [("matrix", ("view",)), ("incidents", ("view", "add", "change")), ("reviews", ("view",))],
    INCIDENT_LEADS: [
        ("matrix", ("view",)), ("incidents", ("view", "add", "change")), ("reviews", ("view", "add", "change")),
    ],
    EXECUTIVES: [("matrix", ("view",)), ("incidents", ("view",)), ("reviews", ("view",))],
}


def sync_roles(apps, schema_editor=None) -> None:
    """Create the role groups and grant each its permissions (idempotent; works in migrations)."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, actions in ROLE_PERMISSIONS.get(role, []):
            perms = Permission.objects.filter(content_type__app_label=app_label, codename__regex=_codenames(actions))
            group.permissions.add(*perms)


def _codenames(actions: tuple[str, ...]) -> str:
    """A regex of the permissions ``actions`` grant: "view" → every view_*, "add_incident" → that one."""
    return "^(" + "|".join(f"{action}$" if "_" in action else f"{action}_" for action in actions) + ")"


def is_manager(user) -> bool:
    """In the Managers group (or a superuser): the one test of "a manager" everywhere. Remembered on the
    user object, so a page asking many times costs one query."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return False
    if not hasattr(user, "_em_is_manager"):
        user._em_is_manager = user.is_superuser or user.groups.filter(name=MANAGERS).exists()
    return user._em_is_manager


def managers():
    """Active members of the Managers group, first joined first."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True, groups__name=MANAGERS).order_by("pk").distinct()
