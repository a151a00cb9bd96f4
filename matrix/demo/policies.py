"""Escalation policies: a default per tier, area-specific ones, a team's own and lifecycle-stage variants.

The most specific policy wins (area, then team, then tier, then lifecycle stage; see ``matrix.routing``),
so every policy here names its tier: a lifecycle variant then beats the tier's default.
Every step fires no later than the tier's containment target, so each one can still matter.
"""

from dataclasses import dataclass

from matrix import models as m

from .records import set_related, upsert

R = m.MembershipRole
STAGE = m.LifecycleStage


@dataclass(frozen=True)
class Step:
    delay: int  # minutes after the phase began (filing, unless ``phase`` says otherwise), or after its target
    on_call: bool = True
    lead: bool = False
    role: str = ""
    users: tuple[str, ...] = ()
    vendor_owner: bool = False
    executives: bool = False
    phase: str = m.Phase.ACKNOWLEDGE
    from_target: bool = False
    team: str | None = None  # another team's people (its key); the routed team's by default


@dataclass(frozen=True)
class Policy:
    key: str
    name: str
    description: str
    tier: str
    steps: tuple[Step, ...]
    area: str | None = None
    team: str | None = None
    stage: str = ""


# Acknowledged but still burning: SRE's on-call after 20 minutes, the lead (and the director) at the contain target.
CONTAINMENT = (Step(20, phase=m.Phase.CONTAIN, team="sre"),
               Step(0, on_call=False, lead=True, users=("approver",), phase=m.Phase.CONTAIN, from_target=True))

# "lead" is Grace Liu, SRE lead and the usual incident commander; "approver" is Daniel Osei, engineering director.
DEFAULTS = [
    Policy("default-sev1", "Default — SEV1", "Page the on-call, then the lead, then an incident commander and "
           "managers; executives at 30 minutes.", "sev1",
           (Step(0), Step(5, lead=True), Step(15, lead=True, role=R.MANAGER, users=("lead",)),
            Step(30, users=("approver",), executives=True), *CONTAINMENT,
            Step(60, on_call=False, lead=True, role=R.MANAGER, phase=m.Phase.RESOLVE, from_target=True))),
    Policy("default-sev2", "Default — SEV2", "On-call, then the lead at the acknowledge target, then managers; "
           "the lead again if containment slips.",
           "sev2", (Step(0), Step(15, lead=True), Step(60, lead=True, role=R.MANAGER),
                    Step(0, on_call=False, lead=True, phase=m.Phase.CONTAIN, from_target=True))),
    Policy("default-sev3", "Default — SEV3", "On-call first; the lead after an hour, managers after four.",
           "sev3", (Step(0), Step(60, lead=True), Step(240, on_call=False, role=R.MANAGER))),
    Policy("default-sev4", "Default — SEV4", "On-call in business hours; the lead if nobody picks it up.",
           "sev4", (Step(0), Step(240, on_call=False, lead=True))),
]

AREA_POLICIES = [
    Policy("payments-sev1", "Payments — SEV1", "Money is not moving: bring in PayFlow's relationship owner "
           "early, executives at 20 minutes.", "sev1",
           (Step(0), Step(5, lead=True), Step(10, role=R.MANAGER, vendor_owner=True),
            Step(20, lead=True, users=("lead",), executives=True), *CONTAINMENT), area="payments"),
    Policy("payments-sev2", "Payments — SEV2", "On-call, lead, then PayFlow's relationship owner.", "sev2",
           (Step(0), Step(15, lead=True), Step(30, vendor_owner=True), Step(60, role=R.MANAGER)),
           area="payments"),
    Policy("checkout-sev1", "Checkout — SEV1", "Lost orders: SRE's lead joins at 5 minutes, executives at 30.",
           "sev1", (Step(0), Step(5, lead=True, users=("lead",)), Step(15, role=R.MANAGER),
                    Step(30, role=R.PRODUCT_MANAGER, executives=True), *CONTAINMENT), area="checkout"),
    Policy("checkout-sev2", "Checkout — SEV2", "On-call, lead, then the product manager for customer impact.",
           "sev2", (Step(0), Step(15, lead=True), Step(45, role=R.PRODUCT_MANAGER)), area="checkout"),
]

TEAM_POLICIES = [
    Policy("enterprise-desk-sev2", "Support tier 2 — SEV2", "Enterprise escalations: the account manager "
           "joins at 30 minutes to keep the customer informed.", "sev2",
           (Step(0), Step(15, lead=True), Step(30, users=("olivia.bennett",)), Step(60, role=R.MANAGER)),
           team="support-tier-2"),
]


def _early_stage(stage: str, label: str) -> list[Policy]:
    """Young features: the developers who build them and their product manager are the experts."""
    return [
        Policy(f"{stage}-sev1", f"{label} features — SEV1", "Bring in every developer of the team, then "
               "product managers; executives at 30 minutes.", "sev1",
               (Step(0), Step(5, role=R.RESPONDER), Step(15, lead=True, role=R.PRODUCT_MANAGER),
                Step(30, executives=True)), stage=stage),
        Policy(f"{stage}-sev2", f"{label} features — SEV2", "Developers at the acknowledge target, then "
               "product managers.", "sev2",
               (Step(0), Step(15, role=R.RESPONDER), Step(45, lead=True, role=R.PRODUCT_MANAGER)), stage=stage),
    ]


LIFECYCLE_POLICIES = [
    *_early_stage(STAGE.INCUBATING, "Incubating"),
    *_early_stage(STAGE.BETA, "Beta"),
    # Mature features fail on infrastructure more than on code: SRE's lead joins early.
    Policy("mature-sev1", "Mature features — SEV1", "SRE's lead joins at 5 minutes; executives at 30.", "sev1",
           (Step(0), Step(5, lead=True, users=("lead",)), Step(15, role=R.MANAGER), Step(30, executives=True)),
           stage=STAGE.MATURE),
    Policy("mature-sev2", "Mature features — SEV2", "SRE's lead joins with the team lead.", "sev2",
           (Step(0), Step(15, lead=True, users=("lead",)), Step(60, role=R.MANAGER)), stage=STAGE.MATURE),
]

POLICIES = DEFAULTS + AREA_POLICIES + TEAM_POLICIES + LIFECYCLE_POLICIES


def build_policies(tiers: dict, areas: dict, teams: dict, users: dict) -> None:
    for spec in POLICIES:
        policy = upsert(m.EscalationPolicy, {"key": spec.key}, {
            "name": spec.name, "description": spec.description, "tier": tiers[spec.tier],
            "area": areas[spec.area] if spec.area else None, "team": teams[spec.team] if spec.team else None,
            "lifecycle_stage": spec.stage,
        })
        positions: dict[str, int] = {}
        for step in spec.steps:
            positions[step.phase] = position = positions.get(step.phase, 0) + 1
            row = upsert(m.EscalationStep, {"policy": policy, "phase": step.phase, "position": position}, {
                "delay_minutes": step.delay, "notify_on_call": step.on_call, "notify_team_lead": step.lead,
                "notify_role": step.role, "notify_vendor_owner": step.vendor_owner,
                "notify_executives": step.executives,
                "counted_from": m.CountedFrom.TARGET if step.from_target else m.CountedFrom.START,
                "notify_team": teams[step.team] if step.team else None,
            })
            set_related(row, "notify_users", [users[name] for name in step.users])
