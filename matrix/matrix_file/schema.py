"""The matrix file's format: its sections and, for every entry, its fields, their types and defaults.

``docs/matrix-file.md`` documents the same table for people; keep them in step. Each ``Field`` names the
model field it is stored in, so that lengths, e-mail and URL formats are checked by the model's own
validators before anything is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from .. import models as m

FORMAT_VERSION = 1

# Value types. A trailing "?" means the value may be null (no reference, no stage, no date).
TEXT = "text"  # a string; null reads as ""
SLUG = "slug"  # a stable key: letters, digits, hyphens, underscores
BOOL = "bool"
INT = "int"  # a whole number ≥ 0 (or ``minimum``)
TIME = "time"  # "HH:MM" or "HH:MM:SS"
DATE = "date"  # "YYYY-MM-DD"
DATETIME = "datetime"  # ISO 8601 with a time zone offset
TIMEZONE = "timezone"  # an IANA name, e.g. "Europe/Paris"
WEEKDAYS = "weekdays"  # "0,1,2,3,4" (Monday = 0)
CHOICE = "choice"  # one of ``choices``; null reads as "" where ``nullable``
REF = "ref"  # the key of an entry of section ``ref``
REFS = "refs"  # a list of keys of section ``ref`` (a set: no repeats)
USER = "user"  # a username from ``people``
USERS = "users"  # a list of usernames (a set: no repeats)
USER_SEQUENCE = "user_sequence"  # an ordered list of usernames; repeats allowed (rotation shifts)
ENTRIES = "entries"  # a list of inline entries described by ``entry``


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = False
    default: Any = None
    nullable: bool = False
    choices: type[models.TextChoices] | None = None
    ref: str | None = None
    entry: Entry | None = None
    model_field: str | None = None  # stored in this model field, when its name differs
    minimum: int = 0


@dataclass(frozen=True)
class Entry:
    """One kind of entry: the model it becomes, the field naming it in messages, and its fields."""

    model: type[models.Model]
    fields: tuple[Field, ...]
    label_field: str | None = None  # shown in messages: ``teams[0] (key 'sre')``

    def get(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]


def _text(name: str, **kw) -> Field:
    return Field(name, TEXT, default="", **kw)


def _opt_ref(name: str, ref: str) -> Field:
    return Field(name, REF, nullable=True, ref=ref)


PERSON = Entry(get_user_model(), (
    Field("username", TEXT, required=True),
    _text("first_name"),
    _text("last_name"),
    _text("email"),
    Field("active", BOOL, default=True, model_field="is_active"),
), label_field="username")

MEMBERSHIP = Entry(m.Membership, (
    Field("user", USER, required=True),
    Field("role", CHOICE, default=m.MembershipRole.RESPONDER, choices=m.MembershipRole),
), label_field="user")

CONTACT_CHANNEL = Entry(m.ContactChannel, (
    Field("kind", CHOICE, required=True, choices=m.ChannelKind),
    _text("label"),
    Field("target", TEXT, required=True),
    _text("secret"),
    Field("confirmed_at", DATETIME, nullable=True),
), label_field="target")

ROTATION_OVERRIDE = Entry(m.RotationOverride, (
    Field("user", USER, required=True),
    Field("covers", USER, nullable=True),
    Field("starts_at", DATETIME, required=True),
    Field("ends_at", DATETIME, required=True),
    _text("reason"),
), label_field="user")

ROTATION = Entry(m.Rotation, (
    Field("name", TEXT, required=True),
    Field("order", INT, default=1),
    Field("time_zone", TIMEZONE, default="UTC"),
    Field("shift_hours", INT, default=168, minimum=1),
    Field("handoff_time", TIME, default=dt.time(9, 0)),
    Field("starts_on", DATE, required=True),
    Field("members", USER_SEQUENCE, default=()),
    Field("overrides", ENTRIES, default=(), entry=ROTATION_OVERRIDE),
), label_field="name")

TEAM = Entry(m.Team, (
    Field("key", SLUG, required=True),
    Field("name", TEXT, required=True),
    _text("description"),
    Field("is_triage", BOOL, default=False),
    Field("time_zone", TIMEZONE, default="UTC"),
    Field("workday_start", TIME, default=dt.time(9, 0)),
    Field("workday_end", TIME, default=dt.time(17, 0)),
    Field("working_days", WEEKDAYS, default="0,1,2,3,4"),
    _text("holiday_country"),
    Field("members", ENTRIES, default=(), entry=MEMBERSHIP),
    Field("channels", ENTRIES, default=(), entry=CONTACT_CHANNEL),
    Field("rotations", ENTRIES, default=(), entry=ROTATION),
), label_field="key")

VENDOR_CONTACT = Entry(m.VendorContact, (
    Field("name", TEXT, required=True),
    _text("role"),
    _text("email"),
    _text("phone"),
    Field("confirmed_at", DATETIME, nullable=True),
), label_field="name")

VENDOR = Entry(m.Vendor, (
    Field("key", SLUG, required=True),
    Field("name", TEXT, required=True),
    _text("contract_sla"),
    _text("support_url"),
    Field("relationship_owner", USER, nullable=True),
    _text("engagement_policy"),
    _text("fallback_plan"),
    Field("contacts", ENTRIES, default=(), entry=VENDOR_CONTACT),
), label_field="key")

ROSTER_ENTRY = Entry(m.AreaRosterEntry, (
    Field("role", CHOICE, required=True, choices=m.RosterRole),
    Field("user", USER, required=True),
), label_field="user")

AREA = Entry(m.ProductArea, (
    Field("key", SLUG, required=True),
    Field("name", TEXT, required=True),
    _text("description"),
    _opt_ref("parent", "areas"),
    Field("lifecycle_stage", CHOICE, default=m.LifecycleStage.GA, choices=m.LifecycleStage),
    _opt_ref("owner_team", "teams"),
    Field("roster", ENTRIES, default=(), entry=ROSTER_ENTRY),
    Field("depends_on_areas", REFS, default=(), ref="areas"),
    Field("depends_on_vendors", REFS, default=(), ref="vendors"),
), label_field="key")


def _ranked(model: type[models.Model]) -> Entry:
    return Entry(model, (
        Field("key", SLUG, required=True),
        Field("name", TEXT, required=True),
        _text("question"),
        _text("description"),
        Field("rank", INT, required=True),
    ), label_field="key")


IMPACT = _ranked(m.Impact)
URGENCY = _ranked(m.Urgency)

TIER = Entry(m.Tier, (
    Field("key", SLUG, required=True),
    Field("name", TEXT, required=True),
    Field("rank", INT, required=True),
    _text("description"),
    Field("acknowledge_minutes", INT, required=True),
    Field("contain_minutes", INT, required=True),
    Field("resolve_minutes", INT, required=True),
    Field("update_cadence_minutes", INT, nullable=True),
    Field("opens_war_room", BOOL, default=False),
    Field("notifies_executives", BOOL, default=False),
    Field("requires_review", BOOL, default=False),
    Field("clock", CHOICE, default=m.Clock.ALWAYS, choices=m.Clock),
), label_field="key")

STEP = Entry(m.EscalationStep, (
    Field("phase", CHOICE, default=m.Phase.ACKNOWLEDGE, choices=m.Phase),
    Field("delay_minutes", INT, required=True),
    Field("counted_from", CHOICE, default=m.CountedFrom.START, choices=m.CountedFrom),
    _opt_ref("notify_team", "teams"),
    Field("notify_on_call", BOOL, default=True),
    Field("notify_team_lead", BOOL, default=False),
    Field("notify_role", CHOICE, nullable=True, choices=m.MembershipRole),
    Field("notify_users", USERS, default=()),
    Field("notify_vendor_owner", BOOL, default=False),
    Field("notify_executives", BOOL, default=False),
))

POLICY = Entry(m.EscalationPolicy, (
    Field("key", SLUG, required=True),
    Field("name", TEXT, required=True),
    _text("description"),
    _opt_ref("area", "areas"),
    _opt_ref("team", "teams"),
    _opt_ref("tier", "tiers"),
    Field("lifecycle_stage", CHOICE, nullable=True, choices=m.LifecycleStage),
    Field("steps", ENTRIES, default=(), entry=STEP),
), label_field="key")

RULE = Entry(m.RoutingRule, (
    Field("key", SLUG, required=True),
    Field("name", TEXT, required=True),
    Field("order", INT, required=True),
    Field("active", BOOL, default=True),
    _opt_ref("area", "areas"),
    Field("lifecycle_stage", CHOICE, nullable=True, choices=m.LifecycleStage),
    _text("keywords"),
    _text("customer_segment"),
    Field("channel", CHOICE, nullable=True, choices=m.IntakeChannel),
    _opt_ref("impact", "impacts"),
    _opt_ref("urgency", "urgencies"),
    Field("team", REF, required=True, ref="teams"),
    _opt_ref("tier_override", "tiers"),
    _opt_ref("playbook_override", "playbooks"),
    _text("description"),
), label_field="key")

CHECKLIST_ITEM = Entry(m.ChecklistItem, (
    Field("kind", CHOICE, required=True, choices=m.ChecklistKind),
    Field("text", TEXT, required=True),
))

TRIAGE_FIELD = Entry(m.TriageField, (
    Field("key", SLUG, required=True),
    Field("label", TEXT, required=True),
    Field("field_type", CHOICE, default=m.TriageFieldType.TEXT, choices=m.TriageFieldType),
    _text("choices"),
    Field("required", BOOL, default=True),
    _text("help_text"),
), label_field="key")

PLAYBOOK = Entry(m.Playbook, (
    Field("key", SLUG, required=True),
    Field("name", TEXT, required=True),
    _opt_ref("area", "areas"),
    _opt_ref("tier", "tiers"),
    _text("scenario"),
    _text("incident_note_template"),
    _text("customer_update_template"),
    _text("review_template"),
    Field("checklist", ENTRIES, default=(), entry=CHECKLIST_ITEM),
    Field("triage_fields", ENTRIES, default=(), entry=TRIAGE_FIELD),
), label_field="key")

# The list sections, in the order they are written. ``priority_matrix`` is a mapping, checked on its own.
LIST_SECTIONS: dict[str, Entry] = {
    "people": PERSON,
    "teams": TEAM,
    "vendors": VENDOR,
    "areas": AREA,
    "impacts": IMPACT,
    "urgencies": URGENCY,
    "tiers": TIER,
    "policies": POLICY,
    "rules": RULE,
    "playbooks": PLAYBOOK,
}
SECTIONS = ["version", "people", "teams", "vendors", "areas", "impacts", "urgencies", "tiers", "priority_matrix",
            "policies", "rules", "playbooks"]

# What a reference names, in messages: "unknown team 'paymnts'".
REF_NOUNS = {
    "teams": "team", "vendors": "vendor", "areas": "area", "impacts": "impact", "urgencies": "urgency",
    "tiers": "tier", "playbooks": "playbook", "policies": "policy", "rules": "rule", "people": "person",
}
