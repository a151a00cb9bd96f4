"""The demo organisation (docs/architecture.md §5, matrix part): a believable company, built idempotently.

``load_demo()`` creates what is missing and corrects what differs, keyed by each object's stable key,
so running it again changes nothing and writes no history. Everything it writes carries the history
reason "Demo organisation".

The one deliberate gap: the deprecated "Legacy onboarding" area has no owner team, so the gap
highlighting and ``lint`` have something real to show (its incidents fall back to the triage team).
Vendor contacts confirmed long ago are shown as stale contacts too.

The load that creates the matrix also gives it a past (``past``): set up about four months ago, then a
few changes approved (and one rejected) since, so that time travel, "What changed" and the quarterly
review have something to show.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from matrix import models as m

from .areas import build_areas, build_vendors
from .past import build_past
from .people import DEMO_PASSWORD, EXAMPLE_PEOPLE, ROLE_LOGINS, RoleLogin, build_rotations, build_teams, build_users
from .playbooks import build_playbooks
from .policies import build_policies
from .records import REASON
from .rules import build_rules
from .severity import build_severity

__all__ = ["DEMO_PASSWORD", "REASON", "ROLE_LOGINS", "DemoSummary", "RoleLogin", "load_demo", "login_lines"]


@dataclass(frozen=True)
class DemoSummary:
    counts: dict[str, int]  # verbose plural name → rows, for the models the demo fills
    logins: list[RoleLogin]


@transaction.atomic
def load_demo() -> DemoSummary:
    """Build (or bring back in line) the demo organisation; all or nothing."""
    now = timezone.now()
    users = build_users()
    teams = build_teams(users, now)
    build_rotations(teams, users, now)
    vendors = build_vendors(users, now)
    areas = build_areas(teams, users, vendors)
    tiers = build_severity()
    build_policies(tiers, areas, teams, users)
    playbooks = build_playbooks(areas, tiers)
    build_rules(teams, areas, tiers, playbooks)
    build_past(started=now)
    shown = [m.ProductArea, m.Team, m.Rotation, m.Vendor, m.Tier, m.EscalationPolicy, m.RoutingRule, m.Playbook,
             m.ChangeRequest]
    counts = {str(model._meta.verbose_name_plural): model.objects.count() for model in shown}
    return DemoSummary(counts=counts, logins=ROLE_LOGINS)


def login_lines() -> list[str]:
    """How to sign in to the demo: what ``loaddemo`` prints, and ``make run`` once everything is up."""
    lines = ["Log in as:"]
    for login in ROLE_LOGINS:
        credentials = f"{login.username} / {DEMO_PASSWORD}"
        lines.append(f"  {credentials:<18} — {login.group}: {login.what}")
    # Everyone else too, so that a newcomer can be the person the product says is on call, not only a role.
    lines.append(f"  …or as anyone else in the demo, with the same password (e.g. {', '.join(EXAMPLE_PEOPLE)}):")
    lines.append("  the top bar's \"On call\" menu says who is on call now.")
    return lines
