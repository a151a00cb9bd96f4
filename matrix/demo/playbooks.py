"""Playbooks: what to do, what to ask for, and what to write, for the common kinds of incident."""

from dataclasses import dataclass

from matrix import models as m

from .records import upsert

K = m.ChecklistKind
T = m.TriageFieldType

INCIDENT_NOTE = """**What is happening:** [symptom, in the customer's words]
**Who is affected:** [how many customers, which segment or region]
**Since when:** [first report or alert, with time zone]
**What we have tried:** [steps so far]
**Next step and owner:** [who does what next]
"""

CUSTOMER_UPDATE = """Hello,

We are aware that [feature] is [symptom] for some customers since [time]. Our engineers are working on it
and [workaround, or "there is no workaround yet"].

We will update you by [time of next update]. We are sorry for the disruption.
"""

REVIEW = """## Summary
[Two sentences: what broke, for whom, for how long.]

## Timeline
| time (UTC) | what happened |
|---|---|
| | first customer report / alert |
| | acknowledged |
| | contained |
| | resolved |

## Impact
[Customers, orders or money affected; targets met or breached.]

## Root cause
## What went well
## What went wrong
## Routing and severity
[Did the incident reach the right team first time? Was the tier right?]

## Action items
- [ ] [action] — [owner] — [due date]
"""


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    field_type: str = T.TEXT
    required: bool = True
    help_text: str = ""
    choices: str = ""


@dataclass(frozen=True)
class Playbook:
    key: str
    name: str
    scenario: str
    checklist: tuple[tuple[str, str], ...]
    fields: tuple[Field, ...]
    area: str | None = None
    tier: str | None = None
    incident_note: str = INCIDENT_NOTE
    customer_update: str = CUSTOMER_UPDATE
    review: str = REVIEW


CUSTOMER_IDS = Field("affected_customer_ids", "Affected customer IDs", T.TEXTAREA, required=False,
                     help_text="One per line, e.g. C-104233. Leave empty if it is everyone.")
REGION = Field("region", "Region", T.CHOICE, choices="EU, US, APAC, Global",
               help_text="Where the affected customers are.")

PLAYBOOKS = [
    Playbook(
        "general-incident", "General incident",
        """### Any incident without a more specific playbook

1. **Reproduce it** or find a second report: one customer's screenshot is a symptom, two are a pattern.
2. **Size it**: answer the two questions honestly, since they decide the tier and who is woken up.
3. **Write it down** in the incident note as you go; the next person should not have to ask.

> If you are unsure who owns it, file it anyway: the triage team will route it.
""",
        ((K.ALERT, "Post the incident link in the owning team's channel."),
         (K.COLLECT, "Exact error text and a screenshot or screen recording."),
         (K.COLLECT, "Affected customer IDs, or 'everyone' if it is widespread."),
         (K.CONSULT, "The status dashboard: https://grafana.example.com/d/status"),
         (K.CONFIRM, "The customer (or a colleague) confirms the problem no longer reproduces.")),
        (Field("error_text", "Error text", T.TEXTAREA, help_text="Copy it exactly, including any reference code."),
         CUSTOMER_IDS,
         Field("first_seen", "First seen at", T.DATETIME, required=False, help_text="With time zone if you know it."),
         Field("screenshot_url", "Screenshot or recording", T.URL, required=False),
         Field("reporter_email", "Customer contact email", T.EMAIL, required=False,
               help_text="Who we send updates to.")),
    ),
    Playbook(
        "major-incident", "Major incident (SEV1)",
        """### SEV1: open the war room

- The first responder is **incident commander** until they hand over explicitly.
- Open the war room channel and start the bridge; invite the owning team's lead.
- Post a **status page** update within 15 minutes, then every 30 minutes.
- Executives are told automatically; do not wait for them to ask.

**Contain first, diagnose later**: roll back, fail over or switch the feature flag off before looking
for the root cause.
""",
        ((K.ALERT, "Open the war room channel and page the incident commander."),
         (K.ALERT, "Post the first status page update within 15 minutes."),
         (K.COLLECT, "Start the timeline: when it began, what changed just before."),
         (K.CONSULT, "Error rates and latency: https://grafana.example.com/d/golden-signals"),
         (K.CONSULT, "Recent deploys and feature flag changes: https://deploys.example.com"),
         (K.CONFIRM, "Error rate back under 0.5% for 15 minutes and no new customer reports.")),
        (Field("customers_affected_estimate", "Customers affected (estimate)", T.INTEGER,
               help_text="A rough number is fine; update it later."),
         REGION,
         Field("status_page_url", "Status page incident", T.URL, required=False)),
        tier="sev1",
    ),
    Playbook(
        "payments-failures", "Payments failing",
        """### Customers cannot pay, or refunds fail

Most payment incidents are **PayFlow** (our processor) or a configuration change on our side.

1. Check PayFlow's status page and the decline-rate dashboard.
2. If PayFlow is degraded and the decline rate is above 20%, the payments lead decides whether to
   switch to the backup acquirer (flag `checkout.backup_acquirer`).
3. Never retry captures by hand: duplicate charges are worse than failed ones.
""",
        ((K.ALERT, "Payments on-call, and PayFlow's relationship owner for SEV1 and SEV2."),
         (K.COLLECT, "Payment references and PayFlow error codes for three failed payments."),
         (K.CONSULT, "Decline rate by error code: https://grafana.example.com/d/payments-declines"),
         (K.CONSULT, "PayFlow status: https://status.payflow.example"),
         (K.CONFIRM, "Successful payments per minute back to the usual level for this hour of the week.")),
        (Field("payment_reference", "Payment reference", help_text="From the receipt or the admin console, e.g. "
               "pay_8F2k…"),
         Field("psp_error_code", "PayFlow error code", required=False, help_text="e.g. DECLINE_51, TIMEOUT"),
         Field("failed_payments_count", "Failed payments so far", T.INTEGER, required=False),
         CUSTOMER_IDS, REGION),
        area="payments",
    ),
    Playbook(
        "checkout-degradation", "Checkout broken or slow",
        """### Customers cannot complete an order

Find **which step** fails (cart, delivery, payment, confirmation): payment problems belong to the
*Payments failing* playbook; the rest is usually a deploy or the CDN.
""",
        ((K.ALERT, "Payments on-call; SRE if pages are slow for everyone."),
         (K.COLLECT, "Order IDs and the step where the customer got stuck."),
         (K.CONSULT, "Checkout funnel: https://grafana.example.com/d/checkout-funnel"),
         (K.CONFIRM, "Orders per minute back within 10% of last week's for the same hour.")),
        (Field("order_ids", "Order IDs", T.TEXTAREA, required=False, help_text="One per line."),
         Field("checkout_step", "Step that fails", T.CHOICE, choices="Cart, Delivery, Payment, Confirmation"),
         Field("browser", "Browser", T.CHOICE, required=False, choices="Chrome, Safari, Firefox, Edge, Other")),
        area="checkout",
    ),
    Playbook(
        "login-problems", "Customers cannot log in",
        """### Sign-in, passwords, two-factor and single sign-on

- Ask whether it is **one customer or many**. One customer locked out is SEV4 and support can reset
  them from the admin console; many customers is at least SEV2.
- For single sign-on customers, ask which identity provider they use; their IdP may be down.
- Password-reset emails that do not arrive are usually **MailPost**: check the bounce dashboard.
""",
        ((K.ALERT, "Platform on-call; the customer's account manager for enterprise SSO customers."),
         (K.COLLECT, "The exact error message and the customer's email address."),
         (K.CONSULT, "Login success rate by method: https://grafana.example.com/d/login"),
         (K.CONSULT, "MailPost bounces: https://app.mailpost.example/bounces"),
         (K.CONFIRM, "The affected customer signs in successfully while you watch.")),
        (Field("error_text", "Error text"),
         Field("identity_provider", "How they sign in", T.CHOICE,
               choices="Password, Google, Okta, Azure AD, Other SAML"),
         Field("customer_email", "Customer's login email", T.EMAIL, required=False),
         CUSTOMER_IDS),
        area="login",
    ),
    Playbook(
        "mobile-app-crashes", "Mobile app crashing",
        """### The iOS or Android app crashes or will not load

1. Find the **app version and OS version**: most crashes arrive with a new release.
2. Check the crash dashboard for a spike after the latest release.
3. If a release is the cause, the mobile lead halts the staged rollout (App Store phased release or
   Play Console rollout percentage).
""",
        ((K.ALERT, "Mobile on-call; the mobile lead if a release must be halted."),
         (K.COLLECT, "App version, build number, OS version and device model."),
         (K.CONSULT, "Crash-free sessions by version: https://crashes.example.com/apps"),
         (K.CONFIRM, "Crash-free sessions above 99.5% for the current version.")),
        (Field("app_version", "App version", help_text="Settings → About, e.g. 7.4.1 (2231)."),
         Field("platform", "Platform", T.CHOICE, choices="iOS, Android"),
         Field("os_version", "OS version", required=False, help_text="e.g. iOS 18.1, Android 15"),
         Field("crash_report_url", "Crash report link", T.URL, required=False)),
        area="mobile-app",
    ),
    Playbook(
        "public-api-errors", "Public API errors",
        """### Integrations get errors from the API

Ask for the **request ID** (response header `X-Request-Id`): with it, we can find the exact request
in the logs. Never ask a customer for their whole API key; the first eight characters identify it.
""",
        ((K.ALERT, "Platform on-call; SRE if error rates are up for every customer."),
         (K.COLLECT, "Request IDs, endpoint, HTTP status and the time of three failing calls."),
         (K.CONSULT, "API errors by endpoint: https://grafana.example.com/d/api"),
         (K.CONFIRM, "The customer's integration succeeds again, and the 5xx rate is back under 0.1%.")),
        (Field("request_id", "Request ID", help_text="The X-Request-Id response header."),
         Field("endpoint", "Endpoint", help_text="e.g. POST /v2/orders"),
         Field("status_code", "HTTP status", T.INTEGER),
         Field("api_key_prefix", "API key (first 8 characters only)", required=False),
         Field("first_seen", "First failing call at", T.DATETIME, required=False)),
        area="public-api",
    ),
]


def build_playbooks(areas: dict, tiers: dict) -> dict[str, m.Playbook]:
    playbooks = {}
    for spec in PLAYBOOKS:
        playbook = upsert(m.Playbook, {"key": spec.key}, {
            "name": spec.name, "scenario": spec.scenario, "area": areas[spec.area] if spec.area else None,
            "tier": tiers[spec.tier] if spec.tier else None, "incident_note_template": spec.incident_note,
            "customer_update_template": spec.customer_update, "review_template": spec.review,
        })
        for position, (kind, text) in enumerate(spec.checklist, start=1):
            upsert(m.ChecklistItem, {"playbook": playbook, "position": position}, {"kind": kind, "text": text})
        for position, f in enumerate(spec.fields, start=1):
            upsert(m.TriageField, {"playbook": playbook, "key": f.key}, {
                "label": f.label, "field_type": f.field_type, "choices": f.choices, "required": f.required,
                "help_text": f.help_text, "position": position,
            })
        playbooks[spec.key] = playbook
    return playbooks
