"""The demo's people and teams: one login per role, named colleagues, memberships, channels, rotations."""

import datetime as dt
from dataclasses import dataclass

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.contrib.auth.models import Group

from escalation_matrix import roles
from matrix import models as m
from matrix.oncall import on_call_at

from .records import upsert

User = get_user_model()

DEMO_PASSWORD = "demo"
EMAIL_DOMAIN = "example.com"
# A fixed Monday in the past: every rotation has been running for a while, so someone is on call now,
# and a second run on another day computes the same rows.
ROTATIONS_START = dt.date(2025, 1, 6)
R = m.MembershipRole


@dataclass(frozen=True)
class RoleLogin:
    username: str
    first_name: str
    last_name: str
    group: str
    what: str

    @property
    def is_staff(self) -> bool:
        return self.group in (roles.MANAGERS, roles.APPROVERS)


# One login per role, in the order the command prints them.
ROLE_LOGINS = [
    RoleLogin("manager", "Hannah", "Whitfield", roles.MANAGERS, "edits the matrix in the admin"),
    RoleLogin("approver", "Daniel", "Osei", roles.APPROVERS, "approves or rejects matrix changes"),
    RoleLogin("agent", "Priya", "Nair", roles.SUPPORT_AGENTS, "files incidents and sees who owns them"),
    RoleLogin("responder", "Tom", "Becker", roles.RESPONDERS, "takes turns on call in the Platform rotation"),
    RoleLogin("lead", "Grace", "Liu", roles.INCIDENT_LEADS, "leads incidents and their reviews"),
    RoleLogin("exec", "Robert", "Adeyemi", roles.EXECUTIVES, "sees major incidents and their reviews"),
]

# Colleagues who fill the teams. They sign in like the role logins (password ``demo``), so that a newcomer can
# act as whoever the matrix says is on call.
# username → (first name, last name, groups)
PEOPLE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "jamie.clarke": ("Jamie", "Clarke", (roles.SUPPORT_AGENTS,)),
    "sofia.alvarez": ("Sofia", "Alvarez", (roles.SUPPORT_AGENTS,)),
    "arjun.mehta": ("Arjun", "Mehta", (roles.SUPPORT_AGENTS,)),
    "emily.turner": ("Emily", "Turner", (roles.SUPPORT_AGENTS,)),
    "marcus.johnson": ("Marcus", "Johnson", (roles.SUPPORT_AGENTS, roles.INCIDENT_LEADS)),
    "aisha.khan": ("Aisha", "Khan", (roles.SUPPORT_AGENTS,)),
    "liam.obrien": ("Liam", "O'Brien", (roles.SUPPORT_AGENTS,)),
    "oliver.grant": ("Oliver", "Grant", (roles.RESPONDERS,)),
    "chloe.dubois": ("Chloe", "Dubois", (roles.RESPONDERS,)),
    "noah.williams": ("Noah", "Williams", (roles.RESPONDERS,)),
    "ethan.brooks": ("Ethan", "Brooks", (roles.RESPONDERS,)),
    "lucas.ferreira": ("Lucas", "Ferreira", (roles.RESPONDERS, roles.INCIDENT_LEADS)),
    "isabella.rossi": ("Isabella", "Rossi", (roles.RESPONDERS,)),
    "mateo.silva": ("Mateo", "Silva", (roles.RESPONDERS,)),
    "sarah.kim": ("Sarah", "Kim", (roles.RESPONDERS, roles.INCIDENT_LEADS)),
    "ravi.shankar": ("Ravi", "Shankar", (roles.RESPONDERS,)),
    "nina.petrova": ("Nina", "Petrova", (roles.RESPONDERS, roles.INCIDENT_LEADS)),
    "kenji.watanabe": ("Kenji", "Watanabe", (roles.RESPONDERS,)),
    "laura.schmidt": ("Laura", "Schmidt", (roles.RESPONDERS,)),
    "olivia.bennett": ("Olivia", "Bennett", (roles.SUPPORT_AGENTS,)),
    "james.park": ("James", "Park", (roles.SUPPORT_AGENTS,)),
    "zoe.carter": ("Zoe", "Carter", (roles.RESPONDERS,)),
    "ahmed.hassan": ("Ahmed", "Hassan", (roles.RESPONDERS,)),
    "elena.popescu": ("Elena", "Popescu", (roles.RESPONDERS, roles.INCIDENT_LEADS)),
    "sam.taylor": ("Sam", "Taylor", (roles.RESPONDERS,)),
}
# Colleagues the login instructions name as examples (each takes turns on call).
EXAMPLE_PEOPLE = ("sarah.kim", "oliver.grant", "isabella.rossi")

# key → team fields; the calendar is the team's business hours (used by business-hours tiers).
TEAMS: dict[str, dict] = {
    "support-tier-1": dict(
        name="Support tier 1", is_triage=True,
        description="First line. Triages every incident that no rule or area owner claims.",
        time_zone="Europe/London", workday_start=dt.time(7), workday_end=dt.time(22),
        working_days="0,1,2,3,4,5,6", holiday_country="",
    ),
    "support-tier-2": dict(
        name="Support tier 2",
        description="Second line: enterprise customers, reproductions, workarounds and deprecated features.",
        time_zone="America/New_York", workday_start=dt.time(8), workday_end=dt.time(20),
        working_days="0,1,2,3,4", holiday_country="US",
    ),
    "sre": dict(
        name="SRE",
        description="Site reliability: infrastructure, the CDN, capacity and site-wide outages.",
        time_zone="Europe/London", working_days="0,1,2,3,4", holiday_country="GB",
    ),
    "payments": dict(
        name="Payments",
        description="Checkout and payments engineering; owns the PayFlow integration.",
        time_zone="Europe/London", working_days="0,1,2,3,4", holiday_country="GB",
    ),
    "platform": dict(
        name="Platform",
        description="Login, the public API, search, notifications and the admin console.",
        time_zone="Asia/Kolkata", workday_start=dt.time(9, 30), workday_end=dt.time(18, 30),
        working_days="0,1,2,3,4", holiday_country="IN",
    ),
    "mobile": dict(
        name="Mobile",
        description="The iOS and Android apps and their store releases.",
        time_zone="America/New_York", working_days="0,1,2,3,4", holiday_country="US",
    ),
    "customer-success": dict(
        name="Customer success",
        description="Account managers: contracts, invoices, renewals and customer communication.",
        time_zone="America/New_York", working_days="0,1,2,3,4", holiday_country="US",
    ),
    "product": dict(
        name="Product",
        description="Product managers and the new-products squad that builds incubating and beta features.",
        time_zone="Europe/London", working_days="0,1,2,3,4", holiday_country="GB",
    ),
}

MEMBERSHIPS: dict[str, list[tuple[str, str]]] = {
    "support-tier-1": [("manager", R.MANAGER), ("jamie.clarke", R.LEAD), ("agent", R.RESPONDER),
                       ("sofia.alvarez", R.RESPONDER), ("arjun.mehta", R.RESPONDER), ("emily.turner", R.RESPONDER)],
    "support-tier-2": [("manager", R.MANAGER), ("marcus.johnson", R.LEAD), ("aisha.khan", R.RESPONDER),
                       ("liam.obrien", R.RESPONDER)],
    "sre": [("lead", R.LEAD), ("oliver.grant", R.RESPONDER), ("chloe.dubois", R.RESPONDER),
            ("noah.williams", R.RESPONDER), ("ethan.brooks", R.RESPONDER)],
    "payments": [("approver", R.MANAGER), ("lucas.ferreira", R.LEAD), ("isabella.rossi", R.RESPONDER),
                 ("mateo.silva", R.RESPONDER), ("zoe.carter", R.PRODUCT_MANAGER),
                 ("olivia.bennett", R.CUSTOMER_SUCCESS)],
    "platform": [("approver", R.MANAGER), ("sarah.kim", R.LEAD), ("responder", R.RESPONDER),
                 ("ravi.shankar", R.RESPONDER), ("ahmed.hassan", R.PRODUCT_MANAGER),
                 ("james.park", R.CUSTOMER_SUCCESS)],
    "mobile": [("nina.petrova", R.LEAD), ("kenji.watanabe", R.RESPONDER), ("laura.schmidt", R.RESPONDER),
               ("ahmed.hassan", R.PRODUCT_MANAGER)],
    "customer-success": [("olivia.bennett", R.LEAD), ("james.park", R.CUSTOMER_SUCCESS),
                         ("olivia.bennett", R.CUSTOMER_SUCCESS)],
    "product": [("elena.popescu", R.LEAD), ("sam.taylor", R.RESPONDER), ("zoe.carter", R.PRODUCT_MANAGER),
                ("ahmed.hassan", R.PRODUCT_MANAGER)],
}

SLACK = "https://hooks.slack.example/services/T0DEMO/{}"
# team key → [(kind, label, target)]
CHANNELS: dict[str, list[tuple[str, str, str]]] = {
    key: [(m.ChannelKind.EMAIL, "Team inbox", f"{key}@{EMAIL_DOMAIN}"),
          (m.ChannelKind.SLACK, f"#{key}-alerts", SLACK.format(key))]
    for key in TEAMS
}
CHANNELS["sre"].append((m.ChannelKind.TEAMS, "SRE bridge (Teams)", "https://teams.example/webhookb2/sre-bridge"))
CHANNELS["customer-success"].append(
    (m.ChannelKind.TEAMS, "Account managers (Teams)", "https://teams.example/webhookb2/customer-success")
)
CHANNELS["platform"].append((m.ChannelKind.WEBHOOK, "Status page updater", "https://status.example.com/hooks/incidents"))
WEBHOOK_SECRET = "demo-only-secret-rotate-me"


@dataclass(frozen=True)
class RotationSpec:
    team: str
    name: str
    order: int
    time_zone: str
    shift_hours: int
    handoff_time: dt.time
    members: tuple[str, ...]


ROTATIONS = [
    RotationSpec("support-tier-1", "Daily", 1, "Europe/London", 24, dt.time(8),
                 ("agent", "sofia.alvarez", "emily.turner", "jamie.clarke", "arjun.mehta")),
    RotationSpec("support-tier-2", "Weekly", 1, "America/New_York", 168, dt.time(9),
                 ("marcus.johnson", "aisha.khan", "liam.obrien")),
    # Follow the sun: London hands over to Sydney-based engineers every 12 hours.
    RotationSpec("sre", "Follow the sun", 1, "Europe/London", 12, dt.time(8),
                 ("oliver.grant", "noah.williams", "chloe.dubois", "ethan.brooks")),
    RotationSpec("sre", "Escalation", 2, "Europe/London", 168, dt.time(9), ("lead", "oliver.grant")),
    RotationSpec("payments", "Primary", 1, "Europe/London", 168, dt.time(10),
                 ("isabella.rossi", "mateo.silva", "lucas.ferreira")),
    RotationSpec("payments", "Secondary", 2, "Europe/London", 168, dt.time(10),
                 ("mateo.silva", "lucas.ferreira", "isabella.rossi")),
    RotationSpec("platform", "Primary", 1, "Asia/Kolkata", 168, dt.time(9, 30),
                 ("responder", "ravi.shankar", "sarah.kim")),
    RotationSpec("mobile", "Primary", 1, "America/New_York", 168, dt.time(9),
                 ("kenji.watanabe", "laura.schmidt", "nina.petrova")),
    RotationSpec("customer-success", "Daily", 1, "America/New_York", 24, dt.time(9),
                 ("olivia.bennett", "james.park")),
    RotationSpec("product", "Weekly", 1, "Europe/London", 168, dt.time(10), ("elena.popescu", "sam.taylor")),
]
# The rotation with a cover arrangement: someone covers whoever is scheduled when the demo is first loaded.
OVERRIDE_ROTATION = ("mobile", "Primary")


def build_users() -> dict[str, User]:
    """Role logins and named colleagues, with their groups; everyone's password is ``demo``."""
    wanted = {r.username: (r.first_name, r.last_name, (r.group,), r.is_staff) for r in ROLE_LOGINS}
    wanted |= {username: (first, last, groups, False) for username, (first, last, groups) in PEOPLE.items()}
    passwords = dict(User.objects.filter(username__in=wanted).values_list("username", "password"))
    # Demos loaded before everyone could sign in gave the colleagues an unusable password: they get "demo" now.
    # A password someone set afterwards is usable, and left alone.
    no_password = {name for name, password in passwords.items() if password.startswith(UNUSABLE_PASSWORD_PREFIX)}
    # Hashing is deliberately slow: hash "demo" once, and only if somebody needs it.
    needs_hash = (wanted.keys() - passwords.keys()) | no_password
    demo_hash = make_password(DEMO_PASSWORD) if needs_hash else None
    groups = {g.name: g for g in Group.objects.filter(name__in=roles.ROLES)}
    if len(groups) < len(roles.ROLES):  # a database flushed since its migrations ran (a test run, say)
        roles.sync_roles(django_apps)
        groups = {g.name: g for g in Group.objects.filter(name__in=roles.ROLES)}
    users = {}
    for username, (first, last, group_names, is_staff) in wanted.items():
        user = upsert(
            User, {"username": username},
            {"first_name": first, "last_name": last, "email": f"{username}@{EMAIL_DOMAIN}",
             "is_staff": is_staff, "is_active": True},
            create_only={"password": demo_hash},
        )
        if username in no_password:
            user.password = demo_hash
            user.save(update_fields=["password"])
        missing = set(group_names) - set(user.groups.values_list("name", flat=True))
        if missing:
            user.groups.add(*(groups[name] for name in missing))
        users[username] = user
    return users


def build_teams(users: dict, now: dt.datetime) -> dict[str, m.Team]:
    teams = {key: upsert(m.Team, {"key": key}, fields) for key, fields in TEAMS.items()}
    for key, entries in MEMBERSHIPS.items():
        for username, role in entries:
            upsert(m.Membership, {"team": teams[key], "user": users[username], "role": role})
    for key, channels in CHANNELS.items():
        for kind, label, target in channels:
            secret = WEBHOOK_SECRET if kind == m.ChannelKind.WEBHOOK else ""
            upsert(m.ContactChannel, {"team": teams[key], "label": label},
                   {"kind": kind, "target": target, "secret": secret},
                   create_only={"confirmed_at": now - dt.timedelta(days=12)})
    return teams


def build_rotations(teams: dict, users: dict, now: dt.datetime) -> dict[tuple[str, str], m.Rotation]:
    rotations = {}
    for spec in ROTATIONS:
        rotation = upsert(
            m.Rotation, {"team": teams[spec.team], "name": spec.name},
            {"order": spec.order, "time_zone": spec.time_zone, "shift_hours": spec.shift_hours,
             "handoff_time": spec.handoff_time, "starts_on": ROTATIONS_START},
        )
        for position, username in enumerate(spec.members, start=1):
            upsert(m.RotationMember, {"rotation": rotation, "position": position}, {"user": users[username]})
        rotations[(spec.team, spec.name)] = rotation
    _cover_once(rotations[OVERRIDE_ROTATION], now)
    return rotations


def _cover_once(rotation: m.Rotation, now: dt.datetime) -> None:
    """One override, made when the demo is first loaded so that it is in force on first sight."""
    if rotation.overrides.exists():
        return
    members = list(rotation.members.select_related("user"))
    scheduled = on_call_at(rotation, members, [], now)
    cover = next(member.user for member in members if member.user != scheduled)
    starts_at = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=20)
    upsert(m.RotationOverride, {"rotation": rotation, "user": cover}, {
        "covers": scheduled,
        "starts_at": starts_at,
        "ends_at": starts_at + dt.timedelta(days=3),
        "reason": f"Covering while {scheduled.first_name} speaks at a conference",
    })
