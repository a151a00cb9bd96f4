from django.db import models


class LifecycleStage(models.TextChoices):
    INCUBATING = "incubating", "Incubating"
    BETA = "beta", "Beta"
    GA = "ga", "Generally available"
    MATURE = "mature", "Mature"
    DEPRECATED = "deprecated", "Deprecated"


class MembershipRole(models.TextChoices):
    LEAD = "lead", "Lead"
    RESPONDER = "responder", "Responder"
    MANAGER = "manager", "Manager"
    PRODUCT_MANAGER = "product_manager", "Product manager"
    CUSTOMER_SUCCESS = "customer_success", "Customer success"


class RosterRole(models.TextChoices):
    PRODUCT_MANAGER = "product_manager", "Product manager"
    LEAD_ENGINEER = "lead_engineer", "Lead engineer"
    ON_CALL_RESPONDER = "on_call_responder", "On-call responder"
    CUSTOMER_SUCCESS = "customer_success", "Customer-success representative"


class ChannelKind(models.TextChoices):
    EMAIL = "email", "Email"
    SLACK = "slack", "Slack-compatible webhook"
    TEAMS = "teams", "Teams-compatible webhook"
    WEBHOOK = "webhook", "Signed JSON webhook"


class Phase(models.TextChoices):
    """The three stretches of an incident's life, each with its target and its own escalation steps."""

    ACKNOWLEDGE = "acknowledge", "Acknowledgement"
    CONTAIN = "contain", "Containment"
    RESOLVE = "resolve", "Resolution"


class CountedFrom(models.TextChoices):
    """What a step's delay counts from."""

    START = "start", "the phase's start"
    TARGET = "target", "the phase's target"


class Clock(models.TextChoices):
    ALWAYS = "24x7", "24×7"
    BUSINESS_HOURS = "business_hours", "Owning team's business hours"


class IntakeChannel(models.TextChoices):
    """Where an incident came in; routing rules may match on it."""

    WEB_FORM = "web_form", "Web form"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    CHAT = "chat", "Chat"
    API = "api", "API"
    MONITORING = "monitoring", "Monitoring alert"


class ChecklistKind(models.TextChoices):
    ALERT = "alert", "Who to alert"
    COLLECT = "collect", "Data to collect"
    CONSULT = "consult", "Dashboard to consult"
    CONFIRM = "confirm", "How to confirm containment"


class TriageFieldType(models.TextChoices):
    TEXT = "text", "Short text"
    TEXTAREA = "textarea", "Long text"
    INTEGER = "integer", "Whole number"
    CHOICE = "choice", "Choice"
    URL = "url", "URL"
    EMAIL = "email", "Email address"
    DATETIME = "datetime", "Date and time"
