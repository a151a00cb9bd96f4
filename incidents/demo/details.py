"""The triage answers an agent would type for a demo incident: what its playbook asks, in believable values.

Required fields are always answered (filing refuses the incident otherwise); optional ones about half
of the time, as agents do. A field this file does not know (a playbook someone added) gets a plain
value of its type, so the demo keeps loading whatever the playbooks ask.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from matrix.models import TriageField, TriageFieldType

from .catalogue import REGIONS, VERSIONS, Scenario

Value = Callable[[random.Random, Scenario, dt.datetime], object]

ANSWERS: dict[str, Value] = {
    "error_text": lambda rng, s, at: s.error or s.description.split(".")[0],
    "affected_customer_ids": lambda rng, s, at: "\n".join(f"C-{rng.randint(100000, 199999)}"
                                                          for _ in range(rng.randint(1, 3))),
    "first_seen": lambda rng, s, at: (at - dt.timedelta(minutes=rng.randint(5, 90))).isoformat(),
    "screenshot_url": lambda rng, s, at: f"https://files.example.com/s/{rng.randint(10000, 99999)}.png",
    "reporter_email": lambda rng, s, at: f"ops{rng.randint(1, 99)}@customer.example",
    "customers_affected_estimate": lambda rng, s, at: rng.choice((300, 1200, 4500, 20000)),
    "region": lambda rng, s, at: rng.choice((*REGIONS, "Global")),
    "status_page_url": lambda rng, s, at: f"https://status.example.com/incidents/{rng.randint(100, 999)}",
    "payment_reference": lambda rng, s, at: f"pay_{rng.getrandbits(40):010x}",
    "failed_payments_count": lambda rng, s, at: rng.randint(3, 400),
    "order_ids": lambda rng, s, at: "\n".join(f"ORD-{rng.randint(2000000, 2999999)}" for _ in range(2)),
    "checkout_step": lambda rng, s, at: rng.choice(("Cart", "Delivery", "Payment", "Confirmation")),
    "browser": lambda rng, s, at: rng.choice(("Chrome", "Safari", "Firefox", "Edge")),
    "identity_provider": lambda rng, s, at: rng.choice(("Password", "Google", "Okta")),
    "customer_email": lambda rng, s, at: f"owner{rng.randint(1, 99)}@customer.example",
    "app_version": lambda rng, s, at: f"{rng.choice(VERSIONS)} ({rng.randint(2200, 2299)})",
    "platform": lambda rng, s, at: rng.choice(("iOS", "Android")),
    "os_version": lambda rng, s, at: rng.choice(("iOS 18.1", "iOS 17.6", "Android 15", "Android 14")),
    "crash_report_url": lambda rng, s, at: f"https://crashes.example.com/r/{rng.getrandbits(32):08x}",
    "request_id": lambda rng, s, at: f"req_{rng.getrandbits(48):012x}",
    "endpoint": lambda rng, s, at: rng.choice(("GET /v2/orders", "POST /v2/orders", "GET /v2/products")),
    "status_code": lambda rng, s, at: rng.choice((500, 502, 503)),
    "api_key_prefix": lambda rng, s, at: f"{rng.getrandbits(32):08x}",
}


def _plain(field: TriageField, scenario: Scenario, at: dt.datetime) -> object:
    """A value of the field's type, for a field this file has no story for."""
    if field.field_type == TriageFieldType.INTEGER:
        return 1
    if field.field_type == TriageFieldType.CHOICE:
        return field.choices.split(",")[0].strip()
    if field.field_type == TriageFieldType.URL:
        return "https://example.com/demo"
    if field.field_type == TriageFieldType.EMAIL:
        return "support@example.com"
    if field.field_type == TriageFieldType.DATETIME:
        return at.isoformat()
    return scenario.error or scenario.description.split(".")[0]


def answers(fields: list[TriageField], scenario: Scenario, rng: random.Random, at: dt.datetime) -> dict:
    details = {}
    for field in fields:
        if not field.required and rng.random() < 0.5:
            continue
        if field.key in scenario.details:
            details[field.key] = scenario.details[field.key]
        elif field.key in ANSWERS:
            details[field.key] = ANSWERS[field.key](rng, scenario, at)
        elif field.required:
            details[field.key] = _plain(field, scenario, at)
    return details
