"""Who owns a product area, who may attest it, and who runs and signs off the review.

An area's owners are the people accountable for it: its roster's product manager and lead engineer, and
the leads and managers of its owner team. The roster's on-call responder (a rotating seat) and
customer-success representative (who speaks for customers) are not owners: they are not the ones to confirm
who owns the area and how to reach them. An area with no owner team and no such roster entry has nobody
to attest it but a manager — which is itself a gap the checklist shows.

Managers (``escalation_matrix.roles.is_manager``: the Managers group, or a superuser) run the review:
they may attest any area (for an owner who cannot) or withdraw any attestation, tick the checklist, and
sign the review off. Whoever attested an area
may withdraw their own attestation until the sign-off. The review's owner may run it too, but only a
manager signs off: governance of the matrix is the managers' job (they edit it in the admin).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from escalation_matrix.roles import is_manager
from matrix.models import AreaRosterEntry, Membership, MembershipRole, ProductArea, RosterRole

from ..models import MatrixReview

OWNER_ROSTER_ROLES = (RosterRole.PRODUCT_MANAGER, RosterRole.LEAD_ENGINEER)
OWNER_TEAM_ROLES = (MembershipRole.LEAD, MembershipRole.MANAGER)
VIEW = "reviews.view_matrixreview"


def _name(user) -> tuple[str, str]:
    return (user.get_full_name() or user.username).lower(), user.username


def area_owners(areas: Iterable[ProductArea]) -> dict[int, list]:
    """Area id → its active owners, by name (two queries, whatever the number of areas)."""
    areas = list(areas)
    by_area: dict[int, dict[int, object]] = defaultdict(dict)
    roster = AreaRosterEntry.objects.filter(
        area__in=[a.pk for a in areas], role__in=OWNER_ROSTER_ROLES, user__is_active=True
    ).select_related("user")
    for entry in roster:
        by_area[entry.area_id][entry.user_id] = entry.user
    team_ids = {a.owner_team_id for a in areas if a.owner_team_id}
    by_team: dict[int, list] = defaultdict(list)
    memberships = Membership.objects.filter(team_id__in=team_ids, role__in=OWNER_TEAM_ROLES, user__is_active=True)
    for membership in memberships.select_related("user"):
        by_team[membership.team_id].append(membership.user)
    for area in areas:
        for user in by_team.get(area.owner_team_id, []):
            by_area[area.pk][user.pk] = user
    return {area.pk: sorted(by_area[area.pk].values(), key=_name) for area in areas}


def owned_area_ids(user) -> set[int]:
    """The areas ``user`` owns (two queries)."""
    if not (user.is_authenticated and user.is_active):
        return set()
    ids = set(AreaRosterEntry.objects.filter(user=user, role__in=OWNER_ROSTER_ROLES).values_list("area_id", flat=True))
    teams = Membership.objects.filter(user=user, role__in=OWNER_TEAM_ROLES).values("team_id")
    ids |= set(ProductArea.objects.filter(owner_team_id__in=teams).values_list("pk", flat=True))
    return ids


def may_attest(review: MatrixReview, user, *, owners: list) -> bool:
    """``owners``: the area's owners (``area_owners``)."""
    if review.is_signed_off or not (user.is_authenticated and user.is_active):
        return False
    return any(owner.pk == user.pk for owner in owners) or is_manager(user)


def may_run(review: MatrixReview, user) -> bool:
    """May refresh and tick the checklist: the review's owner and managers, until it is signed off."""
    if review.is_signed_off or not (user.is_authenticated and user.is_active):
        return False
    return review.owner_id == user.pk or is_manager(user)


def may_sign_off(review: MatrixReview, user) -> bool:
    return not review.is_signed_off and is_manager(user)
