"""What goes wrong at the demo company: the kinds of incident it sees, in the words agents file them.

Each scenario is filed through the real routing, so its words decide where it goes (the demo's ~20
rules match keywords, channels, segments, impact and urgency). The misroute scenarios are reports the
rules send to the wrong team — the kind a responder flags, and the accuracy loop exists to catch.
``weight`` is how often the scenario happens relative to the others; ``severities`` are (impact,
urgency) pairs with their own weights, chosen so that SEV3 and SEV4 far outnumber SEV1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matrix.models import IntakeChannel

WEB, EMAIL, PHONE, CHAT, API, MONITORING = (
    IntakeChannel.WEB_FORM, IntakeChannel.EMAIL, IntakeChannel.PHONE, IntakeChannel.CHAT, IntakeChannel.API,
    IntakeChannel.MONITORING,
)


@dataclass(frozen=True)
class Move:
    """A move to another team during the incident: a flagged misroute, or a handoff."""

    team: str
    reason: str
    after_contain: bool = False  # handed over once the damage stopped (e.g. for the clean-up)


@dataclass(frozen=True)
class Scenario:
    key: str
    area: str
    titles: tuple[str, ...]  # str.format templates: {customer}, {merchant}, {region}, {version}, {code}
    description: str
    severities: tuple[tuple[str, str, float], ...]  # (impact, urgency, weight)
    weight: float
    error: str = ""  # what the customer saw: the playbooks' "error text"
    resolution: str = "Fixed and confirmed with the customer."
    notes: tuple[str, ...] = ()
    channels: tuple[str, ...] = (WEB, EMAIL, CHAT)
    segment: str = ""
    vendor: str | None = None  # suspected when filed
    involve_vendor: str | None = None  # involved once the responder has looked
    misroute: Move | None = None  # the rules send it to the wrong team; the responder moves it
    handoff: Move | None = None  # the owning team hands it over once it is under control
    handoff_share: float = 0.0  # how many of these are handed off
    details: dict[str, str] = field(default_factory=dict)  # triage values that belong to this story


CUSTOMERS = ("Northwind Traders", "Bluebird Books", "Harbor & Co", "Alder Outdoor", "Kestrel Pharmacy",
             "Lumen Lighting", "Oak & Ivy", "Pixel Forge", "Quayside Coffee", "Redwood Cycles", "Saffron Kitchen",
             "Tidewater Surf", "Umber Studio", "Vale Garden Centre", "Wren Toys", "Yarrow Health")
MERCHANTS = ("M-48213", "M-51007", "M-33982", "M-60441", "M-27719", "M-45530")
REGIONS = ("EU", "US", "APAC")
VERSIONS = ("7.3.2", "7.4.0", "7.4.1", "7.5.0")
CODES = ("SPRING20", "WELCOME10", "FREESHIP", "VIP15", "BUNDLE3")

SCENARIOS: tuple[Scenario, ...] = (
    # --- payments and checkout (Payments) ------------------------------------------------------------
    Scenario(
        "card-declines", "payments", ("Card payments failing for merchant {merchant}",
                                      "Payment failed for many customers of {customer}"),
        "Customers see 'payment failed' after entering their card. PayFlow answers DECLINE_05 for cards that "
        "worked yesterday.",
        (("significant", "high", 2), ("moderate", "high", 5), ("moderate", "medium", 2)), 7,
        error="Payment failed: DECLINE_05 (do not honour)", vendor="payflow",
        resolution="PayFlow rolled back a fraud-rule change on their side; declines back to normal.",
        notes=("Decline rate 14% against a usual 3%, all Visa debit.", "PayFlow ticket PF-22841 opened."),
        details={"psp_error_code": "DECLINE_05"},
    ),
    Scenario(
        "refund-pending", "payments", ("Refund stuck as pending for {customer}", "Refunds pending for 3 days"),
        "The customer was promised a refund; the admin console shows it pending since the weekend.",
        (("minor", "medium", 5), ("minor", "low", 2), ("moderate", "medium", 2)), 8,
        resolution="Refund batch re-run after a stuck job was restarted.",
        notes=("Seven refunds in the same batch; all re-queued.",),
    ),
    Scenario(
        "payout-missing", "payments", ("Merchant payout missing from Friday settlement",
                                       "Payout to {customer} short by one day of sales"),
        "The merchant's weekly payout arrived without Friday's orders.",
        (("moderate", "high", 3), ("significant", "medium", 1)), 4,
        resolution="Settlement file re-sent to the bank; the missing day is paid tomorrow.",
    ),
    Scenario(
        "delivery-options", "checkout", ("Delivery options not loading at checkout ({region})",
                                         "No delivery slots offered to {region} customers"),
        "Customers get stuck on the delivery step: the list of options stays empty.",
        (("moderate", "high", 5), ("significant", "high", 1)), 6,
        resolution="Carrier rates cache rebuilt; options load again.",
        notes=("Only orders with a mix of in-store and shipped items.",), details={"checkout_step": "Delivery"},
    ),
    Scenario(
        "checkout-outage", "checkout", ("Checkout returning errors for all customers",
                                        "Orders failing at confirmation across every store"),
        "Placing an order fails with a generic error page for every customer we have tried.",
        (("extensive", "critical", 1),), 2,
        resolution="Rolled back the order-service deploy; orders flowing again.",
        notes=("Error rate 38% on POST /orders since 14:02.", "Rollback started."),
        details={"checkout_step": "Confirmation"},
    ),
    Scenario(
        "coupon-rejected", "checkout", ("Coupon {code} rejected at checkout", "Promo code {code} not applying"),
        "Customers report the campaign code is refused as expired although the campaign runs all month.",
        (("minor", "low", 4), ("moderate", "medium", 3)), 5,
        resolution="Campaign end date corrected in the promotions tool.",
    ),
    # --- platform ------------------------------------------------------------------------------------
    Scenario(
        "search-missing-products", "search", ("Search results missing new products for {customer}",
                                              "New items not appearing in search"),
        "Products added since Monday do not show up in search, though their pages open.",
        (("moderate", "medium", 4), ("minor", "low", 4)), 7, error="No results for the exact product name",
        resolution="Indexing queue drained after a stuck consumer was restarted.",
    ),
    Scenario(
        "search-filters", "search", ("Search filters ignore the size selection",),
        "Filtering by size returns every size.", (("minor", "medium", 1),), 4,
        error="Filter chip shows 'M' but results include every size", resolution="Facet mapping fixed.",
    ),
    Scenario(
        "search-down", "search", ("Search returns nothing for most customers",),
        "Every search query comes back empty since about ten minutes ago.",
        (("extensive", "high", 1),), 1.2, error="Empty results page, HTTP 200",
        resolution="Search cluster node replaced; the index recovered from its replica.",
        notes=("Two of three search nodes out of disk.",),
    ),
    Scenario(
        "webhooks-500", "public-api", ("Webhook deliveries to partners failing",
                                       "Order webhooks not reaching {customer}"),
        "Our outgoing order webhooks fail with HTTP 500 from our own relay.",
        (("significant", "high", 2), ("moderate", "high", 4)), 5,
        resolution="Relay worker pool resized; backlog delivered.", details={"endpoint": "POST /v2/webhooks/relay",
                                                                             "status_code": "500"},
        handoff=Move("sre", "The relay runs out of connections at the load balancer: SRE owns it"),
        handoff_share=0.35,
    ),
    Scenario(
        "api-throttled", "public-api", ("{customer} integration throttled by the rate limit",
                                        "Partner gets too many requests errors"),
        "Their nightly sync gets HTTP 429 after a few hundred calls, well under their plan's limit.",
        (("moderate", "medium", 3), ("minor", "medium", 3)), 5,
        resolution="Their plan's limit was not applied after an upgrade; corrected.",
        details={"endpoint": "GET /v2/orders", "status_code": "429"},
    ),
    Scenario(
        "locked-out", "login", ("Customers locked out after password reset",
                                "{customer} staff locked out of their accounts"),
        "After resetting their password, customers are told the new one is wrong.",
        (("moderate", "high", 4), ("minor", "medium", 4), ("significant", "critical", 1)), 6,
        error="Incorrect email or password", resolution="Password hash migration fixed for old accounts.",
        details={"identity_provider": "Password"},
    ),
    Scenario(
        "sso-okta", "login", ("Single sign-on failing for {customer} (Okta)",),
        "Users of the customer's Okta tenant land back on the login page after signing in.",
        (("significant", "high", 1), ("moderate", "high", 3)), 4, error="SAML response signature invalid",
        resolution="Customer rotated their Okta signing certificate; new one uploaded.",
        details={"identity_provider": "Okta"},
    ),
    Scenario(
        "receipts-email", "notifications", ("Receipt emails not received by customers",
                                            "Order confirmation emails not received ({region})"),
        "Customers place orders but never get the confirmation email.",
        (("moderate", "high", 4), ("significant", "medium", 1)), 5, error="No email; nothing in spam",
        vendor="mailpost", involve_vendor="mailpost",
        resolution="MailPost fixed a delivery queue on their side; the backlog arrived.",
        notes=("MailPost status page shows degraded delivery to Outlook.",),
    ),
    Scenario(
        "sms-delay", "notifications", ("SMS codes arriving 10 minutes late for UK numbers",),
        "Customers give up waiting for their sign-in code.", (("moderate", "medium", 1),), 3,
        error="Code arrives after it has expired", resolution="Switched UK traffic to the second SMS route.",
    ),
    Scenario(
        "receipt-typo", "notifications", ("Order confirmation email shows the wrong store name",),
        "Customers of stores with a long name see a truncated name in the confirmation email.",
        (("minor", "low", 1),), 3, error="Store name cut after 20 characters",
        resolution="Template fixed to wrap long store names.",
    ),
    Scenario(
        "console-access", "admin-console", ("Agents get access denied on the customer timeline",),
        "Since this morning support agents cannot open a customer's order timeline in the console.",
        (("moderate", "high", 1),), 3, error="403 access denied", resolution="Console role restored.",
    ),
    Scenario(
        "console-slow", "admin-console", ("Admin console slow to open customer accounts",),
        "Opening an account takes 20–30 seconds.", (("minor", "medium", 1),), 4,
        error="Page takes 25 s to load", resolution="Missing index added on the accounts table.",
    ),
    Scenario(
        "cve-report", "public-api", ("Vulnerability report: CVE-2025-31337 in the image library",),
        "A researcher reported that our image resizer uses a vulnerable library version.",
        (("moderate", "medium", 2), ("minor", "low", 1)), 2,
        resolution="Library upgraded and deployed; researcher thanked.",
        details={"endpoint": "POST /v2/images", "status_code": "200"},
    ),
    # --- mobile --------------------------------------------------------------------------------------
    Scenario(
        "ios-crash", "mobile-app", ("iOS app crashes on launch after {version}",
                                    "iPhone app closes when opening the basket"),
        "Since the update the app closes immediately on some iPhones.",
        (("significant", "high", 1), ("moderate", "high", 4), ("minor", "medium", 2)), 5,
        resolution="Hotfix released; staged rollout of the broken build halted.",
        details={"platform": "iOS"}, notes=("Crash-free sessions down to 97.1% on the new build.",),
    ),
    Scenario(
        "dark-mode", "mobile-app", ("Dark mode makes order totals unreadable in the iPhone app",),
        "Grey text on a black background on the order summary.", (("minor", "low", 1),), 3,
        resolution="Colours fixed in the next release.", details={"platform": "iOS"},
    ),
    Scenario(
        "android-orders", "mobile-app", ("Android app shows an empty order history",),
        "The Orders tab is empty on Android; the website shows the orders.", (("moderate", "medium", 1),), 5,
        resolution="API pagination change reverted for old app versions.", details={"platform": "Android"},
    ),
    Scenario(
        "push-missing", "mobile-app", ("Push notifications not arriving on Android",
                                       "Push notifications for shipped orders missing"),
        "Customers stopped receiving the 'your order has shipped' push notification.",
        (("moderate", "medium", 1), ("minor", "medium", 3)), 4,
        resolution="Expired push certificate renewed.", details={"platform": "Android"},
    ),
    # --- product and the young features ------------------------------------------------------------
    Scenario(
        "wizard-hangs", "onboarding", ("Store setup wizard hangs at step 3",),
        "New customers cannot finish setting up their store: the 'Shipping zones' step spins forever.",
        (("moderate", "high", 1),), 4, error="Spinner never stops on step 3 of 5",
        resolution="Fixed the shipping-zone lookup for countries without regions.",
    ),
    Scenario(
        "export-columns", "data-exports", ("Order export has the wrong column order",),
        "The CSV's columns moved, which breaks the customer's accounting import.",
        (("minor", "low", 1),), 3, error="Columns 'tax' and 'total' swapped",
        resolution="Column order pinned to the documented layout.",
    ),
    Scenario(
        "legacy-vat", "legacy-onboarding", ("Legacy sign-up wizard rejects valid VAT numbers",),
        "Customers on 2019 plans cannot finish the old sign-up wizard with an Irish VAT number.",
        (("minor", "medium", 2), ("moderate", "medium", 1)), 3, error="VAT number is not valid",
        resolution="Customer moved to the new onboarding flow; VAT check fixed there.",
        handoff=Move("support-tier-2", "Deprecated wizard: tier 2 has the workaround and moves the customer on"),
        handoff_share=0.8,
    ),
    Scenario(
        "a11y-buttons", "checkout", ("Screen reader cannot read the checkout buttons",),
        "A customer using VoiceOver reports the 'Place order' button has no label.",
        (("moderate", "medium", 1),), 2, resolution="Labels added; audit booked for the rest of checkout.",
        details={"checkout_step": "Confirmation"},
    ),
    # --- second line, customer success, SRE ----------------------------------------------------------
    Scenario(
        "enterprise-import", "public-api", ("Bulk product import failing for {customer}",),
        "The customer's nightly import of 40,000 products fails halfway.",
        (("significant", "medium", 2), ("moderate", "medium", 2)), 3, segment="enterprise",
        resolution="Import split into batches; vendor feed had a malformed row.",
        details={"endpoint": "POST /v2/products/bulk", "status_code": "422"},
    ),
    Scenario(
        "phone-launch", "onboarding", ("Customer on the phone: cannot finish sign-up before launch",),
        "The customer launches tomorrow and the sign-up flow will not accept their domain.",
        (("moderate", "critical", 1),), 1, channels=(PHONE,), resolution="Domain verified by hand.",
    ),
    Scenario(
        "invoice-seats", "admin-console", ("Invoice shows the wrong seat count for {customer}",),
        "The customer is billed for 40 seats; they have 25.", (("minor", "low", 1),), 3,
        resolution="Credit note issued; seat sync fixed.",
    ),
    Scenario(
        "cdn-images", "checkout", ("Product images failing: the CDN answers bad gateway",),
        "Images and styles fail to load on product and checkout pages; EdgeFast answers 502.",
        (("significant", "high", 1), ("extensive", "high", 1)), 3, vendor="edgefast",
        resolution="EdgeFast rerouted around a failing edge location.", details={"checkout_step": "Cart"},
        handoff=Move("payments", "The edge is fixed; payments to reconcile the orders that failed meanwhile",
                     after_contain=True),
        handoff_share=0.5,
    ),
    Scenario(
        "api-5xx-alert", "public-api", ("Alert: API 5xx rate above 5% for 5 minutes",),
        "Monitoring: the share of 5xx responses on the public API crossed 5%.",
        (("extensive", "high", 3), ("extensive", "critical", 1)), 3, channels=(MONITORING,),
        resolution="Database connection pool exhausted by a runaway report; report killed, pool raised.",
        details={"endpoint": "*", "status_code": "503"},
    ),
    Scenario(
        "credential-stuffing", "login", ("Possible credential stuffing against customer logins",),
        "Thousands of failed logins per minute from rotating addresses.", (("significant", "high", 1),), 1.2,
        error="Spike in failed logins", resolution="Bot rules tightened at the edge; affected accounts reset.",
        details={"identity_provider": "Password"},
    ),
    # --- the rules get these wrong ------------------------------------------------------------------
    Scenario(
        "wallet-android", "mobile-app", ("Google Pay fails on Android at the payment step",),
        "Customers paying with Google Pay in the app see a spinner, then 'try again'.",
        (("moderate", "high", 1),), 2, details={"platform": "Android"}, involve_vendor="payflow",
        misroute=Move("payments", "Wallet tokenization is failing at PayFlow; nothing in the app changed"),
        resolution="PayFlow renewed the wallet merchant certificate.",
    ),
    Scenario(
        "export-stuck", "data-exports", ("Scheduled export stuck at 0% for {customer}",),
        "The customer's weekly export has not started for two days.", (("moderate", "medium", 1),), 2,
        misroute=Move("product", "The batch cluster is healthy; the export query loops on customers with no orders"),
        resolution="Export query fixed for customers without orders.",
    ),
    Scenario(
        "console-refunds", "admin-console", ("Agents cannot issue refunds from the console",),
        "The refund button is greyed out for every support agent.", (("moderate", "high", 1),), 1.5,
        misroute=Move("support-tier-2", "Console permissions, not payments: the refund role was removed from agents"),
        resolution="Refund role given back to the support agents group.",
    ),
    Scenario(
        "safari-blank", "checkout", ("Checkout page blank on Safari",),
        "Safari users see an empty page at checkout; Chrome works.", (("significant", "high", 1),), 1.5,
        details={"checkout_step": "Cart", "browser": "Safari"},
        misroute=Move("sre", "A stale JavaScript bundle is served at the edge after the last deploy"),
        resolution="Edge cache purged and bundle names versioned.",
    ),
    Scenario(
        "onboarding-passwords", "onboarding", ("Onboarding rejects valid passwords",),
        "New customers are told their password is too weak whatever they type.", (("moderate", "high", 1),), 1.5,
        misroute=Move("product", "The onboarding flow has its own validation; login is fine"),
        resolution="Onboarding now uses the shared password policy.",
    ),
)

# Drills: a simulated major incident, run through the real routing, timers and notifications.
DRILL = Scenario(
    "checkout-drill", "checkout", ("Drill: checkout down in {region}",),
    "Scheduled drill: the team practises a full checkout outage, war room and all.",
    (("extensive", "critical", 1),), 0, resolution="Drill complete: contained in time; debrief booked.",
    notes=("Drill: failover runbook followed step by step.",), details={"checkout_step": "Payment"},
)

# In the order a long incident would post them; after the last, the monitoring ones take turns.
STAKEHOLDER_UPDATES = (
    "Still investigating; the owning team is on it. Next update at the usual cadence.",
    "Cause identified; a fix is being prepared. Customers can use the workaround meanwhile.",
    "Fix deployed to part of the traffic; watching the error rate.",
    "Error rate back to normal for most customers; we keep watching before calling it resolved.",
    "No new reports since the fix; monitoring continues.",
    "Still stable. The team is cleaning up and will resolve once the overnight jobs have run.",
)
MONITORING_UPDATES = 2  # the last two
CONTAINED_UPDATE = 2  # the first one that fits once the incident is contained
GENERIC_NOTES = (
    "Reproduced with a test account.",
    "Customer confirmed the workaround helps for now.",
    "Checked the dashboards: no change in the last deploy window.",
    "Second report from another customer; same symptoms.",
)
