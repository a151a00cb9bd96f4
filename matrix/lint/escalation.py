"""Escalation checks: policies for every tier, and steps that can fire and reach someone."""

from __future__ import annotations

from collections.abc import Iterator

from .. import models as m
from ..snapshot import MatrixSnapshot
from .findings import ERROR, WARNING, Finding, step_key


def _has_recipient(step: m.EscalationStep) -> bool:
    return bool(
        step.notify_on_call or step.notify_team_lead or step.notify_role or step.notify_vendor_owner
        or step.notify_executives or step.notify_users.all()
    )


def _missing_team_recipients(snapshot: MatrixSnapshot, policy: m.EscalationPolicy, step: m.EscalationStep):
    """Recipients a team policy's step names that its team does not have (a lead, people in a role)."""
    roles = {ms.role for ms in snapshot.memberships_by_team.get(policy.team_id, []) if ms.user.is_active}
    if step.notify_team_lead and m.MembershipRole.LEAD not in roles:
        yield "no lead"
    if step.notify_role and step.notify_role not in roles:
        yield f"nobody in the role {step.get_notify_role_display().lower()}"


def check_escalation_steps(snapshot: MatrixSnapshot) -> Iterator[Finding]:
    longest = max(snapshot.tiers.values(), key=lambda t: t.resolve_minutes, default=None)
    for policy in sorted(snapshot.policies, key=lambda p: p.name):
        steps = sorted(policy.steps.all(), key=m.step_order)
        if not steps:
            yield Finding("policy-no-steps", WARNING,
                          f"Policy '{policy.name}' has no steps: nobody is escalated to.", "policy", policy.key)
        # A step due after the resolve target waits on an incident already past its deadline. A policy
        # with no tier may serve any tier, so only the longest resolve target rules a step out.
        tier = snapshot.tiers.get(policy.tier_id) if policy.tier_id else longest
        delays: dict[tuple[str, str, int], m.EscalationStep] = {}
        for step in steps:
            key, label = step_key(policy, step), f"{step} of policy '{policy.name}'"
            # Counted from a phase's target, a step is meant to page after it: only a start can be too late.
            from_start = step.counted_from == m.CountedFrom.START
            if tier is not None and from_start and step.delay_minutes >= tier.resolve_minutes:
                target = f"{tier.name}'s resolve target" if policy.tier_id else (
                    f"the longest resolve target of any tier ({tier.name}'s)")
                yield Finding("step-never-fires", ERROR,
                              f"{label} waits {step.delay_minutes} minutes, at or past {target} of "
                              f"{tier.resolve_minutes} minutes: it can never fire.", "step", key)
            if not _has_recipient(step):
                yield Finding("step-no-recipients", ERROR, f"{label} notifies nobody.", "step", key)
            elif policy.team_id:
                missing = list(_missing_team_recipients(snapshot, policy, step))
                if missing:
                    team = snapshot.teams[policy.team_id]
                    yield Finding("step-recipients-missing", WARNING,
                                  f"{label} cannot reach everyone it names: {team.name} has "
                                  f"{' and '.join(missing)}.", "step", key)
            earlier = delays.setdefault((step.phase, step.counted_from, step.delay_minutes), step)
            if earlier is not step:
                yield Finding("step-duplicate-delay", WARNING,
                              f"{label} has the same delay ({step.delay_minutes} minutes) as step "
                              f"{earlier.position}: merge them or space them out.", "step", key)


def check_major_tiers_without_containment(snapshot: MatrixSnapshot) -> Iterator[Finding]:
    """A major tier (one that opens a war room or tells executives) whose policies have no containment step:
    once somebody acknowledges, an incident that is never contained pages nobody until its breach."""
    for tier in sorted(snapshot.tiers.values(), key=lambda t: t.rank):
        if not (tier.opens_war_room or tier.notifies_executives):
            continue
        policies = [p for p in snapshot.policies if p.tier_id in (None, tier.pk)]
        if policies and not any(s.phase == m.Phase.CONTAIN for p in policies for s in p.steps.all()):
            yield Finding("major-tier-no-containment", WARNING,
                          f"{tier.name} is a major tier but no policy for it has containment steps: once "
                          f"acknowledged, an incident nobody contains pages nobody beyond one breach message.",
                          "tier", tier.key)


def check_tiers_without_policy(snapshot: MatrixSnapshot) -> Iterator[Finding]:
    covered = {policy.tier_id for policy in snapshot.policies}
    if None in covered:  # a policy for every tier exists
        return
    for tier in sorted(snapshot.tiers.values(), key=lambda t: t.rank):
        if tier.pk not in covered:
            yield Finding("tier-no-policy", WARNING,
                          f"No escalation policy applies to {tier.name}: its incidents are never escalated.",
                          "tier", tier.key)
