"""About twenty routing rules, tried in order; the first match wins.

Keywords match anywhere in the title or description, so they are chosen to be unambiguous phrases:
"ios" would also match "scenarios" and "sso" would match "processor", hence "ios app" and "single sign-on".
No rule repeats an earlier rule's conditions, so none is shadowed.
"""

from dataclasses import dataclass

from matrix import models as m

from .records import upsert

CHANNEL = m.IntakeChannel


@dataclass(frozen=True)
class Rule:
    order: int
    key: str
    name: str
    team: str
    description: str
    keywords: str = ""
    area: str | None = None
    stage: str = ""
    segment: str = ""
    channel: str = ""
    impact: str | None = None
    urgency: str | None = None
    tier_override: str | None = None
    playbook_override: str | None = None


RULES = [
    Rule(10, "security-incidents", "Security incidents → SRE (SEV1)", "sre",
         "A suspected attack or leak is always a SEV1 handled by SRE, whatever the form said.",
         keywords="data breach, data leak, credential stuffing, ddos, account takeover", tier_override="sev1",
         playbook_override="major-incident"),
    Rule(20, "monitoring-extensive", "Monitoring alerts with extensive impact → SRE", "sre",
         "A broad alert from monitoring is an infrastructure problem until shown otherwise.",
         channel=CHANNEL.MONITORING, impact="extensive"),
    Rule(30, "edge-outages", "CDN and gateway errors → SRE", "sre",
         "Errors served by the edge (EdgeFast) or the load balancers.",
         keywords="bad gateway, service unavailable, edgefast, cdn, site down, site is down"),
    Rule(40, "refunds-chargebacks", "Refunds and chargebacks → Payments", "payments",
         "Money going back to customers.", keywords="refund, chargeback, dispute"),
    Rule(50, "card-declines", "Declined payments → Payments", "payments",
         "Card and wallet failures, usually at PayFlow.",
         keywords="card declined, payment declined, payment failed, 3ds, 3-d secure, payflow"),
    Rule(60, "merchant-payouts", "Payouts and settlement → Payments", "payments",
         "Money going to merchants.", keywords="payout, settlement, merchant balance"),
    Rule(70, "checkout-promotions", "Promotions at checkout → Product", "product",
         "Coupons and discounts are configured by the product team, not the payments engineers.",
         keywords="coupon, promo code, discount code", area="checkout"),
    Rule(80, "app-stores", "Phone apps and app stores → Mobile", "mobile",
         "Anything about the iOS or Android app, whichever area it was filed under.",
         keywords="iphone, ipad, ios app, android, app store, play store, testflight"),
    Rule(90, "push-notifications", "Push notifications → Mobile", "mobile",
         "Push delivery is handled on the device side by the mobile team.", keywords="push notification"),
    Rule(100, "credentials", "Passwords, 2FA and single sign-on → Platform", "platform",
         "Customers who cannot get in, whichever area they were trying to reach.",
         keywords="password, 2fa, two-factor, single sign-on, saml, locked out, magic link"),
    Rule(110, "api-rate-limits", "API rate limits and keys → Platform", "platform",
         "Integrations throttled or rejected by the public API.",
         keywords="rate limit, rate-limit, too many requests, http 429, api key"),
    Rule(120, "email-delivery", "Email delivery (MailPost) → Platform", "platform",
         "Emails that do not arrive: usually MailPost or our sending domain.",
         keywords="mailpost, bounce, verification email, email not received, emails not received"),
    Rule(130, "vulnerabilities", "Vulnerabilities and patches → Platform", "platform",
         "Reported CVEs in our dependencies.", keywords="cve-, vulnerability, security patch"),
    Rule(140, "contracts-invoices", "Invoices, contracts and renewals → Customer success", "customer-success",
         "Commercial questions reported as incidents.", keywords="invoice, renewal, contract, seat count, licence"),
    Rule(150, "accessibility", "Accessibility → Product", "product",
         "Accessibility regressions are prioritised by product.",
         keywords="accessibility, screen reader, wcag, keyboard navigation"),
    Rule(160, "export-jobs", "Stuck or failing export jobs → SRE", "sre",
         "Export jobs run on the batch cluster that SRE operates.",
         keywords="timed out, timeout, stuck, out of memory", area="data-exports"),
    Rule(170, "admin-access", "Admin console access → Support tier 2", "support-tier-2",
         "Support tier 2 grants and fixes console permissions.",
         keywords="access denied, permission denied, missing permission, cannot impersonate", area="admin-console"),
    Rule(180, "search-extensive", "Search down for many customers → SRE", "sre",
         "An extensive search outage is almost always the search cluster.", area="search", impact="extensive"),
    Rule(190, "deprecated-critical", "Critical problems in deprecated features → Support tier 2", "support-tier-2",
         "Nobody writes new code for deprecated features: tier 2 finds a workaround and moves the customer on.",
         stage="deprecated", urgency="critical"),
    Rule(200, "phone-critical", "Critical phone escalations → Support tier 2", "support-tier-2",
         "A customer on the phone with a critical problem gets a senior agent straight away.",
         channel=CHANNEL.PHONE, urgency="critical"),
    Rule(210, "enterprise-customers", "Enterprise customers → Support tier 2", "support-tier-2",
         "Enterprise contracts include a named second-line team.", segment="enterprise"),
]


def build_rules(teams: dict, areas: dict, tiers: dict, playbooks: dict) -> None:
    impacts = {i.key: i for i in m.Impact.objects.all()}
    urgencies = {u.key: u for u in m.Urgency.objects.all()}
    for spec in RULES:
        upsert(m.RoutingRule, {"key": spec.key}, {
            "name": spec.name, "order": spec.order, "active": True, "description": spec.description,
            "team": teams[spec.team], "keywords": spec.keywords, "area": areas[spec.area] if spec.area else None,
            "lifecycle_stage": spec.stage, "customer_segment": spec.segment, "channel": spec.channel,
            "impact": impacts[spec.impact] if spec.impact else None,
            "urgency": urgencies[spec.urgency] if spec.urgency else None,
            "tier_override": tiers[spec.tier_override] if spec.tier_override else None,
            "playbook_override": playbooks[spec.playbook_override] if spec.playbook_override else None,
        })
