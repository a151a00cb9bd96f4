"""Incidents: filing, lifecycle, timers, handoffs, misroutes, war rooms, stakeholder updates."""

from .choices import (
    OPEN_STATUSES,
    PHASE_OF_STEP_KIND,
    STEP_KIND,
    STEP_KINDS,
    TARGETS,
    WARNING_OF,
    HandoffKind,
    HandoffState,
    PauseReason,
    Status,
    TimelineKind,
    TimerKind,
    TimerState,
    UpdateAudience,
)
from .hook_deliveries import HookDelivery
from .incidents import ChecklistTick, Incident, StakeholderUpdate, TimelineEntry
from .integrations import Integration
from .timers import Breach, Handoff, Timer

__all__ = [
    "OPEN_STATUSES", "PHASE_OF_STEP_KIND", "STEP_KIND", "STEP_KINDS", "TARGETS", "WARNING_OF", "Breach",
    "ChecklistTick", "Handoff", "HandoffKind", "HandoffState", "HookDelivery",
    "Incident", "Integration", "PauseReason", "StakeholderUpdate", "Status", "TimelineEntry", "TimelineKind",
    "Timer", "TimerKind", "TimerState", "UpdateAudience",
]
