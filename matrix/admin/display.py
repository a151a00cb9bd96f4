"""Small formatters for admin columns: durations, people, routing conditions, policy scopes."""

from __future__ import annotations

from django.utils.html import format_html

from matrix import models as m

EMPTY = "—"  # as MatrixAdmin.empty_value_display


def duration(minutes: int | None) -> str:
    """15 → "15 min", 120 → "2 h", 90 → "1 h 30 min", 2880 → "2 d"."""
    if minutes is None:
        return EMPTY
    if minutes and minutes % 1440 == 0:
        return f"{minutes // 1440} d"
    if minutes and minutes % 60 == 0:
        return f"{minutes // 60} h"
    if minutes > 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes} min"


def shift(hours: int) -> str:
    return {168: "weekly", 24: "daily"}.get(hours, f"every {hours} h")


def person(user) -> str:
    if user is None:
        return EMPTY
    return user.get_full_name() or user.get_username()


def nobody(text: str = "nobody"):
    """A gap a manager must notice (shown in the admin's error colour: static/css/admin.css, since the
    Content-Security-Policy applies no style attribute)."""
    return format_html('<strong class="admin-gap">{}</strong>', text)


def rule_conditions(rule: m.RoutingRule) -> str:
    """What a routing rule matches, in words; expects area, impact and urgency to be selected."""
    parts = []
    if rule.area_id:
        parts.append(f"area {rule.area} (and below)")
    if rule.lifecycle_stage:
        parts.append(f"stage {rule.get_lifecycle_stage_display().lower()}")
    if rule.keyword_list:
        parts.append("keywords " + ", ".join(f"“{k}”" for k in rule.keyword_list))
    if rule.customer_segment:
        parts.append(f"segment {rule.customer_segment}")
    if rule.channel:
        parts.append(f"via {rule.get_channel_display().lower()}")
    if rule.impact_id:
        parts.append(f"impact {rule.impact}")
    if rule.urgency_id:
        parts.append(f"urgency {rule.urgency}")
    return "; ".join(parts) or "anything"


def policy_scope(policy: m.EscalationPolicy) -> str:
    """Where a policy applies; expects area, team and tier to be selected."""
    parts = []
    if policy.area_id:
        parts.append(f"area {policy.area}")
    if policy.team_id:
        parts.append(f"team {policy.team}")
    if policy.tier_id:
        parts.append(f"tier {policy.tier}")
    if policy.lifecycle_stage:
        parts.append(f"{policy.get_lifecycle_stage_display().lower()} areas")
    return ", ".join(parts) or "everything (default)"
