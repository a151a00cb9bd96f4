"""The matrix: who owns what, how bad is bad, what to do and where it goes."""

from .areas import AreaRosterEntry, ProductArea, Vendor, VendorContact
from .change_requests import APPROVE_PERMISSION, ChangeOperation, ChangeRequest, ChangeRequestStatus
from .choices import (
    ChannelKind,
    ChecklistKind,
    Clock,
    CountedFrom,
    IntakeChannel,
    LifecycleStage,
    MembershipRole,
    Phase,
    RosterRole,
    TriageFieldType,
)
from .playbooks import ChecklistItem, Playbook, TriageField
from .policies import EscalationPolicy, EscalationStep, step_order
from .rotations import Rotation, RotationMember, RotationOverride
from .rules import RoutingRule
from .teams import ContactChannel, Membership, Team
from .tiers import Impact, PriorityCell, Tier, Urgency

__all__ = [
    "APPROVE_PERMISSION", "AreaRosterEntry", "ChangeOperation", "ChangeRequest", "ChangeRequestStatus", "ChannelKind",
    "ChecklistItem", "ChecklistKind", "Clock", "ContactChannel", "CountedFrom",
    "EscalationPolicy", "EscalationStep", "Impact", "IntakeChannel", "LifecycleStage", "Membership",
    "MembershipRole", "Phase", "Playbook", "PriorityCell", "ProductArea", "RosterRole", "Rotation", "RotationMember",
    "RotationOverride", "RoutingRule", "Team", "Tier", "TriageField", "TriageFieldType", "Urgency",
    "Vendor", "VendorContact", "step_order",
]

# Every model whose changes are the matrix's history (governance, time travel, export).
MATRIX_MODELS = [
    Team, Membership, ContactChannel, Rotation, RotationMember, RotationOverride, Vendor, VendorContact,
    ProductArea, AreaRosterEntry, Impact, Urgency, Tier, PriorityCell, EscalationPolicy, EscalationStep,
    RoutingRule, Playbook, ChecklistItem, TriageField,
]
