"""How bad is bad: the two triage questions, the four tiers and the priority matrix that joins them."""

from matrix import models as m

from .records import upsert

IMPACT_QUESTION = "How many customers are affected?"
URGENCY_QUESTION = "How fast is it getting worse, and is there a workaround?"

# key → (name, what it means, in the words an agent would use on the phone); most severe first.
IMPACTS = {
    "extensive": ("Extensive", "Most or all customers, or everyone in a region, cannot use the product or a core "
                               "part of it (checkout, login, the API)."),
    "significant": ("Significant", "A large group of customers (roughly one in ten or more), a key enterprise "
                                   "account, or every user of one feature."),
    "moderate": ("Moderate", "A handful of customers, or one customer's important but non-critical workflow."),
    "minor": ("Minor", "One customer, or a cosmetic problem that blocks nobody."),
}
URGENCIES = {
    "critical": ("Critical", "Getting worse by the minute, money or data is being lost, or there is no workaround "
                             "at all."),
    "high": ("High", "Spreading or blocking work right now; a workaround exists but it is painful."),
    "medium": ("Medium", "Stable, and a reasonable workaround exists."),
    "low": ("Low", "Can wait for the next business day; nobody is blocked."),
}

# key → fields. Targets are minutes; SEV4 runs on the owning team's business-hours clock.
TIERS = {
    "sev1": dict(
        name="SEV1", rank=1,
        description="Critical: customers broadly cannot use a core part of the product, or money or data is "
                    "being lost. All hands: war room, incident commander, executives informed.",
        acknowledge_minutes=5, contain_minutes=30, resolve_minutes=240, update_cadence_minutes=30,
        opens_war_room=True, notifies_executives=True, requires_review=True, clock=m.Clock.ALWAYS,
    ),
    "sev2": dict(
        name="SEV2", rank=2,
        description="Major: a core feature is badly degraded or a key customer is blocked. The owning team "
                    "drops other work until it is contained.",
        acknowledge_minutes=15, contain_minutes=120, resolve_minutes=480, update_cadence_minutes=60,
        opens_war_room=False, notifies_executives=False, requires_review=True, clock=m.Clock.ALWAYS,
    ),
    "sev3": dict(
        name="SEV3", rank=3,
        description="Minor: a feature is impaired for some customers and a workaround exists.",
        acknowledge_minutes=60, contain_minutes=480, resolve_minutes=2880, update_cadence_minutes=240,
        opens_war_room=False, notifies_executives=False, requires_review=False, clock=m.Clock.ALWAYS,
    ),
    "sev4": dict(
        name="SEV4", rank=4,
        description="Low: cosmetic or single-customer issues, handled in the owning team's business hours.",
        acknowledge_minutes=240, contain_minutes=1440, resolve_minutes=7200, update_cadence_minutes=None,
        opens_war_room=False, notifies_executives=False, requires_review=False, clock=m.Clock.BUSINESS_HOURS,
    ),
}

# Rows are impacts, columns urgencies (critical, high, medium, low). Monotonic: moving right or down
# never gives a more severe tier.
PRIORITY_MATRIX = {
    "extensive": ("sev1", "sev2", "sev2", "sev3"),
    "significant": ("sev2", "sev2", "sev3", "sev3"),
    "moderate": ("sev2", "sev3", "sev3", "sev4"),
    "minor": ("sev3", "sev3", "sev4", "sev4"),
}


def _ranked(model, choices: dict, question: str) -> dict:
    return {
        key: upsert(model, {"key": key}, {"name": name, "description": description, "question": question,
                                          "rank": rank})
        for rank, (key, (name, description)) in enumerate(choices.items(), start=1)
    }


def build_severity() -> dict[str, m.Tier]:
    """Impacts, urgencies, tiers and the full priority matrix; returns the tiers by key."""
    impacts = _ranked(m.Impact, IMPACTS, IMPACT_QUESTION)
    urgencies = _ranked(m.Urgency, URGENCIES, URGENCY_QUESTION)
    tiers = {key: upsert(m.Tier, {"key": key}, fields) for key, fields in TIERS.items()}
    for impact_key, row in PRIORITY_MATRIX.items():
        for urgency_key, tier_key in zip(URGENCIES, row, strict=True):
            upsert(m.PriorityCell, {"impact": impacts[impact_key], "urgency": urgencies[urgency_key]},
                   {"tier": tiers[tier_key]})
    return tiers
