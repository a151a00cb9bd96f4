"""How long each text of an incident may be, whichever door it comes in by.

The filing form, the API's serializer, the inbound hooks and ``incident_file`` itself all read these, so every
door refuses the same input (docs/api.md lists them). The short fields are their columns' sizes; description,
affected customers and long triage answers are TextFields or JSON, bounded here so that nobody — an outsider
posting to a hook least of all — can store megabytes that every page and notification then carries.
"""

TITLE_MAX_LENGTH = 200  # Incident.title
EXTERNAL_REF_MAX_LENGTH = 200  # Incident.external_ref
CUSTOMER_SEGMENT_MAX_LENGTH = 60  # Incident.customer_segment
LONG_TEXT_MAX_LENGTH = 20_000  # description, affected customers, a long-text triage answer: ten pages of text
TRIAGE_TEXT_MAX_LENGTH = 500  # a one-line triage answer
REASON_MAX_LENGTH = 2_000  # why it moves: a handoff, a misroute, a reopening
NOTE_MAX_LENGTH = 10_000  # a note, a stakeholder or customer update, a resolve summary

# Incident field → the most characters it takes.
TEXT_LIMITS: dict[str, int] = {
    "title": TITLE_MAX_LENGTH,
    "description": LONG_TEXT_MAX_LENGTH,
    "external_ref": EXTERNAL_REF_MAX_LENGTH,
    "customer_segment": CUSTOMER_SEGMENT_MAX_LENGTH,
    "affected_customers": LONG_TEXT_MAX_LENGTH,
}


def too_long(value: str, limit: int) -> str | None:
    """The error for a text over its limit, or None; the same words from every door that checks it."""
    if len(value) <= limit:
        return None
    return f"At most {limit} characters (this has {len(value)})."
