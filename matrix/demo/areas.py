"""What customers meet problems in: vendors with their contacts, product areas, rosters and dependencies."""

import datetime as dt

from matrix import models as m

from .records import set_related, upsert

# Contacts confirmed this long before the demo was first loaded count as fresh…
RECENTLY = dt.timedelta(days=20)
# …and these were confirmed long ago, so the stale-contact gap (90 days) has something to show.
LONG_AGO = dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC)

VENDORS = {
    "payflow": dict(
        name="PayFlow", owner="lucas.ferreira",
        contract_sla="Merchant support 24×7. P1 (payments failing): response in 15 minutes, updates every 30. "
                     "P2: response in 1 hour. API availability 99.95% a month, with service credits below it.",
        support_url="https://support.payflow.example",
        engagement_policy="The payments lead or a SEV1 incident commander opens P1 cases by phone and quotes "
                          "merchant ID M-48213. Everyone else asks in #payments-alerts first.",
        fallback_plan="Switch card traffic to the backup acquirer (feature flag checkout.backup_acquirer) and "
                      "turn off saved cards if tokenization fails. Refunds queue and are replayed later.",
    ),
    "mailpost": dict(
        name="MailPost", owner="sarah.kim",
        contract_sla="Support in business hours (UK). API availability 99.9% a month; no resolution commitment.",
        support_url="https://help.mailpost.example",
        engagement_policy="Platform on-call may open tickets. Escalating to MailPost's own on-call needs the "
                          "platform lead.",
        fallback_plan="Fail transactional email (sign-up, password reset, receipts) over to the secondary SMTP "
                      "relay; pause marketing email until MailPost recovers.",
    ),
    "edgefast": dict(
        name="EdgeFast", owner="lead",
        contract_sla="Enterprise plan: 100% availability with credits; emergency line answered 24×7 within "
                     "10 minutes.",
        support_url="https://status.edgefast.example",
        engagement_policy="SRE on-call may call the emergency line directly for SEV1 and SEV2. Configuration "
                          "changes at the edge go through the SRE lead.",
        fallback_plan="Bypass the CDN with the DNS switch in runbook sre/cdn-bypass; expect slower pages and "
                      "scale the origin before switching.",
    ),
}

# vendor key → [(name, role, email, phone, confirmed long ago?)]
VENDOR_CONTACTS = {
    "payflow": [
        ("PayFlow merchant support", "24×7 support desk", "support@payflow.example", "+44 20 7946 0102", False),
        ("Dana Whitaker", "Technical account manager", "dana.whitaker@payflow.example", "+44 20 7946 0177", True),
    ],
    "mailpost": [
        ("MailPost support", "Support desk (UK hours)", "support@mailpost.example", "", False),
        ("Carlos Mendes", "Account manager", "carlos.mendes@mailpost.example", "+1 212 555 0148", True),
    ],
    "edgefast": [
        ("EdgeFast NOC", "Emergency line, 24×7", "noc@edgefast.example", "+1 415 555 0199", False),
        ("Priyanka Rao", "Solutions engineer", "priyanka.rao@edgefast.example", "", False),
    ],
}

PM, LEAD, ON_CALL, CS = (m.RosterRole.PRODUCT_MANAGER, m.RosterRole.LEAD_ENGINEER, m.RosterRole.ON_CALL_RESPONDER,
                         m.RosterRole.CUSTOMER_SUCCESS)

# key → (name, parent, lifecycle stage, owner team, description, area dependencies, vendor dependencies,
#        roster as {role: username}). Parents come before their children.
AREAS = {
    "checkout": ("Checkout", None, m.LifecycleStage.MATURE, "payments",
                 "Cart, delivery options, tax and placing the order.", ["login"], ["payflow", "edgefast"],
                 {PM: "zoe.carter", LEAD: "lucas.ferreira", ON_CALL: "isabella.rossi", CS: "olivia.bennett"}),
    "payments": ("Payments", "checkout", m.LifecycleStage.MATURE, "payments",
                 "Cards, wallets and bank payments; refunds, chargebacks and merchant payouts.", [], ["payflow"],
                 {PM: "zoe.carter", LEAD: "lucas.ferreira", ON_CALL: "mateo.silva", CS: "olivia.bennett"}),
    "search": ("Search", None, m.LifecycleStage.GA, "platform",
               "Product search, filters and suggestions.", [], ["edgefast"],
               {PM: "ahmed.hassan", LEAD: "sarah.kim", ON_CALL: "ravi.shankar", CS: "james.park"}),
    "mobile-app": ("Mobile app", None, m.LifecycleStage.GA, "mobile",
                   "The iOS and Android apps, their releases and push notifications on the device.",
                   ["public-api", "login", "notifications"], [],
                   {PM: "ahmed.hassan", LEAD: "nina.petrova", ON_CALL: "kenji.watanabe", CS: "james.park"}),
    "public-api": ("Public API", None, m.LifecycleStage.MATURE, "platform",
                   "The REST API and outgoing webhooks that customers and partners integrate with.", ["login"],
                   ["edgefast"],
                   {PM: "ahmed.hassan", LEAD: "sarah.kim", ON_CALL: "responder", CS: "olivia.bennett"}),
    "login": ("Login", None, m.LifecycleStage.MATURE, "platform",
              "Sign-in, passwords, two-factor authentication and single sign-on.", ["notifications"], ["mailpost"],
              {PM: "ahmed.hassan", LEAD: "sarah.kim", ON_CALL: "responder", CS: "james.park"}),
    "notifications": ("Notifications", None, m.LifecycleStage.GA, "platform",
                      "Email, SMS and in-app messages: receipts, password resets, alerts.", [], ["mailpost"],
                      {PM: "ahmed.hassan", LEAD: "sarah.kim", ON_CALL: "ravi.shankar", CS: "james.park"}),
    "data-exports": ("Data exports", None, m.LifecycleStage.INCUBATING, "product",
                     "Scheduled CSV and Parquet exports of a customer's orders (early access).",
                     ["public-api"], ["mailpost"],
                     {PM: "zoe.carter", LEAD: "elena.popescu", ON_CALL: "sam.taylor", CS: "olivia.bennett"}),
    "admin-console": ("Admin console", None, m.LifecycleStage.GA, "platform",
                      "The internal console support agents use to look up and fix customer accounts.", ["login"], [],
                      {PM: "ahmed.hassan", LEAD: "sarah.kim", ON_CALL: "ravi.shankar", CS: "james.park"}),
    "onboarding": ("Onboarding flow", None, m.LifecycleStage.BETA, "product",
                   "The new guided sign-up and store set-up, in beta for new customers.",
                   ["login", "notifications"], ["mailpost"],
                   {PM: "zoe.carter", LEAD: "elena.popescu", ON_CALL: "sam.taylor", CS: "james.park"}),
    # The deliberate gap: the team that built the old wizard was disbanded and nobody took it over, so it
    # has no owner team (lint's "area-no-owner"), and its incidents fall back to the triage team.
    "legacy-onboarding": ("Legacy onboarding", None, m.LifecycleStage.DEPRECATED, None,
                          "The old sign-up wizard, still used by customers on 2019 plans until they migrate.",
                          ["login"], ["mailpost"], {CS: "james.park"}),
}


def build_vendors(users: dict, now: dt.datetime) -> dict[str, m.Vendor]:
    vendors = {}
    for key, fields in VENDORS.items():
        fields = dict(fields)
        fields["relationship_owner"] = users[fields.pop("owner")]
        vendors[key] = upsert(m.Vendor, {"key": key}, fields)
    for key, contacts in VENDOR_CONTACTS.items():
        for name, role, email, phone, stale in contacts:
            lookup = {"vendor": vendors[key], "name": name}
            defaults = {"role": role, "email": email, "phone": phone}
            if stale:
                upsert(m.VendorContact, lookup, defaults | {"confirmed_at": LONG_AGO})
            else:
                upsert(m.VendorContact, lookup, defaults, create_only={"confirmed_at": now - RECENTLY})
    return vendors


def build_areas(teams: dict, users: dict, vendors: dict) -> dict[str, m.ProductArea]:
    areas: dict[str, m.ProductArea] = {}
    for key, (name, parent, stage, owner, description, _, _, roster) in AREAS.items():
        area = upsert(m.ProductArea, {"key": key}, {
            "name": name, "parent": areas[parent] if parent else None, "lifecycle_stage": stage,
            "owner_team": teams[owner] if owner else None, "description": description,
        })
        for role, username in roster.items():
            upsert(m.AreaRosterEntry, {"area": area, "role": role, "user": users[username]})
        areas[key] = area
    # Dependencies once every area exists, since they point at each other.
    for key, (*_, area_deps, vendor_deps, _) in AREAS.items():
        set_related(areas[key], "depends_on_areas", [areas[k] for k in area_deps])
        set_related(areas[key], "depends_on_vendors", [vendors[k] for k in vendor_deps])
    return areas
