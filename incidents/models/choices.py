from django.db import models


class Status(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CONTAINED = "contained", "Contained"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.CONTAINED)


class PauseReason(models.TextChoices):
    WAITING_ON_CUSTOMER = "waiting_on_customer", "Waiting on customer"
    WAITING_ON_VENDOR = "waiting_on_vendor", "Waiting on vendor"


class TimerKind(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", "Acknowledge target"
    CONTAIN = "contain", "Contain target"
    RESOLVE = "resolve", "Resolve target"
    ACKNOWLEDGE_WARNING = "acknowledge_warning", "75% of the acknowledge target"
    CONTAIN_WARNING = "contain_warning", "75% of the contain target"
    RESOLVE_WARNING = "resolve_warning", "75% of the resolve target"
    ESCALATION = "escalation", "Escalation step (acknowledgement)"
    CONTAIN_ESCALATION = "contain_escalation", "Escalation step (containment)"
    RESOLVE_ESCALATION = "resolve_escalation", "Escalation step (resolution)"
    UPDATE = "update", "Stakeholder update due"
    HANDOFF = "handoff", "Handoff acceptance"


# The three targets of a tier, and the warning timer of each.
TARGETS = (TimerKind.ACKNOWLEDGE, TimerKind.CONTAIN, TimerKind.RESOLVE)
WARNING_OF = {
    TimerKind.ACKNOWLEDGE: TimerKind.ACKNOWLEDGE_WARNING,
    TimerKind.CONTAIN: TimerKind.CONTAIN_WARNING,
    TimerKind.RESOLVE: TimerKind.RESOLVE_WARNING,
}


# Each phase's escalation steps are timers of their own kind (``matrix.models.Phase`` → kind).
STEP_KIND = {
    "acknowledge": TimerKind.ESCALATION,
    "contain": TimerKind.CONTAIN_ESCALATION,
    "resolve": TimerKind.RESOLVE_ESCALATION,
}
STEP_KINDS = tuple(STEP_KIND.values())
PHASE_OF_STEP_KIND = {kind: phase for phase, kind in STEP_KIND.items()}


class TimerState(models.TextChoices):
    ARMED = "armed", "Armed"
    FIRED = "fired", "Fired"  # its moment passed while it mattered: a breach, a step, a reminder
    MET = "met", "Met"  # the target was reached in time
    CANCELLED = "cancelled", "Cancelled"  # no longer relevant (resolved, handed back, superseded)
    # The incident's clocks are paused: outside the sweep's partial index, so it can never fire;
    # resume shifts its due time by the paused (working) time and arms it again.
    HELD = "held", "Held while paused"


class TimelineKind(models.TextChoices):
    FILED = "filed", "Filed"
    ROUTED = "routed", "Routed"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CONTAINED = "contained", "Contained"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"
    PAUSED = "paused", "Paused"
    RESUMED = "resumed", "Resumed"
    ESCALATED = "escalated", "Escalation step"
    WARNING = "warning", "Target nearly missed"
    BREACH = "breach", "Target missed"
    HANDOFF_REQUESTED = "handoff_requested", "Handoff requested"
    HANDOFF_ACCEPTED = "handoff_accepted", "Handoff accepted"
    HANDOFF_ESCALATED = "handoff_escalated", "Handoff not accepted in time"
    MISROUTE = "misroute", "Misroute flagged"
    ASSIGNED = "assigned", "Assigned"
    NOTE = "note", "Note"
    UPDATE = "update", "Stakeholder update"
    WAR_ROOM = "war_room", "War room"
    VENDOR = "vendor", "Vendor involved"
    CHECKLIST = "checklist", "Checklist"


class HandoffKind(models.TextChoices):
    HANDOFF = "handoff", "Handoff"
    MISROUTE = "misroute", "Misroute"


class HandoffState(models.TextChoices):
    PENDING = "pending", "Waiting for the receiving team"
    ACCEPTED = "accepted", "Accepted"
    ESCALATED = "escalated", "Not accepted in time"
    CANCELLED = "cancelled", "Cancelled"


class UpdateAudience(models.TextChoices):
    STAKEHOLDERS = "stakeholders", "Internal stakeholders"
    CUSTOMERS = "customers", "Customers"
