"""Ninety days of past incidents: when they were filed, what they were, and how each one went.

``plan_history`` decides everything up front from a seeded random generator (the same plans on every
fresh load): filing moments busier on weekdays and in working hours, scenarios by their weights, and
for each incident the shape of its life — acknowledged in time (most) or late, contained and resolved
in time (most) or not, a skipped stakeholder update, a pause, a reopen, a handoff. ``live`` then plays
the plan through the services (see ``runner``), so every consequence — breaches, escalation steps,
warnings, notifications — is the product's own.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from matrix.routing import RouteRequest

from .. import services
from ..models import PauseReason, Status
from .catalogue import CODES, CUSTOMERS, DRILL, GENERIC_NOTES, MERCHANTS, REGIONS, SCENARIOS, VERSIONS, Scenario
from .details import answers
from .runner import Cast, Life, PastHorizon

SEED = 20260302
PAST_DAYS = 90
PAST_COUNT = 200
# Nothing is filed in the last day and a half, so that most past incidents have finished their life.
QUIET_BEFORE_NOW = dt.timedelta(hours=36)
# Drills: two game days, on the last weekday on or before this many days ago, at 14:00 UTC.
DRILL_DAYS_AGO = (62, 27)
AGENTS = ("agent", "jamie.clarke", "sofia.alvarez", "arjun.mehta", "emily.turner", "aisha.khan", "liam.obrien")
ACCOUNT_MANAGERS = ("olivia.bennett", "james.park")
COMMANDERS = ("lead", "lead", "marcus.johnson", "lucas.ferreira", "sarah.kim")
SEGMENTS = ("smb", "smb", "mid-market", "")
WEEKDAY_WEIGHT = (1.0, 1.05, 1.0, 0.95, 0.85, 0.35, 0.3)  # Monday … Sunday
# UTC hours: the company works from London, with Kolkata mornings and New York afternoons.
HOUR_WEIGHT = (0.15, 0.1, 0.1, 0.1, 0.15, 0.25, 0.45, 0.8, 1.1, 1.3, 1.35, 1.3, 1.2, 1.3, 1.35, 1.3, 1.2, 1.0,
               0.8, 0.6, 0.45, 0.35, 0.25, 0.2)


@dataclass
class Plan:
    """One incident's story, decided before it is played."""

    number: int
    filed_at: dt.datetime
    scenario: Scenario
    impact: str
    urgency: str
    title: str
    channel: str
    segment: str
    reporter: str | None
    drill: bool = False
    ack_share: float = 0.3  # of the acknowledge target; above 1 is late
    contain_share: float | None = 0.4  # of the contain target from filing; None: resolved without it…
    resolve_share: float = 0.4
    quick_fix_share: float = 0.5  # …at this share of the contain target
    miss_update: bool = False
    pause: str | None = None
    pause_hours: float = 0.0
    handoff: bool = False
    handoff_late: bool = False
    misroute_after_ack: bool = False
    reopen: bool = False
    note: bool = False
    ticks: int = 0
    close_after_days: float | None = None

    @property
    def submission_key(self) -> str:
        return f"demo:{self.number}"


def past_keys() -> list[str]:
    return [f"demo:{number}" for number in range(1, PAST_COUNT + len(DRILL_DAYS_AGO) + 1)]


def _filing_moments(now: dt.datetime, rng: random.Random, count: int) -> list[dt.datetime]:
    latest = now - QUIET_BEFORE_NOW
    days = [(now - dt.timedelta(days=ago)).date() for ago in range(1, PAST_DAYS + 1)]
    moments = []
    while len(moments) < count:
        day = rng.choices(days, weights=[WEEKDAY_WEIGHT[d.weekday()] for d in days])[0]
        hour = rng.choices(range(24), weights=HOUR_WEIGHT)[0]
        moment = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=dt.UTC)
        if moment <= latest:
            moments.append(moment)
    return moments


def _drill_moments(now: dt.datetime) -> list[dt.datetime]:
    moments = []
    for ago in DRILL_DAYS_AGO:
        day = (now - dt.timedelta(days=ago)).date()
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        moments.append(dt.datetime.combine(day, dt.time(14), tzinfo=dt.UTC))
    return moments


def _title(scenario: Scenario, rng: random.Random) -> str:
    return rng.choice(scenario.titles).format(
        customer=rng.choice(CUSTOMERS), merchant=rng.choice(MERCHANTS), region=rng.choice(REGIONS),
        version=rng.choice(VERSIONS), code=rng.choice(CODES),
    )


# Resolve shares (of the resolve target) by tier: major incidents take a good part of theirs; SEV3 and
# SEV4 have days and are mostly fixed within hours.
RESOLVE_SHARE = {"sev1": (0.3, 0.85), "sev2": (0.2, 0.75), "sev3": (0.02, 0.12), "sev4": (0.02, 0.2)}
MAJOR = ("sev1", "sev2")


def _shape(plan: Plan, tier: str, rng: random.Random) -> None:
    """How this one goes. Shares are of the tier's targets: below 1 is in time."""
    major = tier in MAJOR
    plan.ack_share = rng.uniform(1.1, 2.2) if rng.random() < 0.05 else rng.uniform(0.08, 0.7)
    late_contain, late_resolve = rng.random() < 0.04, rng.random() < 0.03
    plan.contain_share = rng.uniform(1.05, 1.5) if late_contain else rng.uniform(0.1, 0.8)
    plan.resolve_share = rng.uniform(1.05, 1.3) if late_resolve else rng.uniform(*RESOLVE_SHARE.get(tier, (0.05, 0.4)))
    if not major and not (late_contain or late_resolve) and rng.random() < 0.5:
        # Small ones are fixed in one go, before the contain target: resolving meets both.
        plan.contain_share, plan.quick_fix_share = None, rng.uniform(0.15, 0.85)
    plan.miss_update = major and rng.random() < 0.15
    if plan.scenario.involve_vendor and rng.random() < 0.45:
        plan.pause, plan.pause_hours = PauseReason.WAITING_ON_VENDOR, rng.uniform(0.5, 4)
    elif not major and rng.random() < 0.06:
        plan.pause, plan.pause_hours = PauseReason.WAITING_ON_CUSTOMER, rng.uniform(2, 20)
    plan.handoff = plan.scenario.handoff is not None and rng.random() < plan.scenario.handoff_share
    plan.misroute_after_ack = rng.random() < 0.5
    plan.reopen = not major and rng.random() < 0.025
    plan.note = rng.random() < 0.45
    plan.ticks = rng.choice((0, 0, 0, 1, 2, 3))  # a war-room incident ticks them all
    plan.close_after_days = rng.uniform(0.5, 5) if rng.random() < 0.8 else None


def plan_history(now: dt.datetime, tier_of: Callable[[str, str], str]) -> list[Plan]:
    """Every past incident's plan, oldest first, numbered in that order. ``tier_of(impact, urgency)``
    is the priority matrix's tier key (a rule may still raise it when the incident is filed)."""
    rng = random.Random(SEED)
    weights = [scenario.weight for scenario in SCENARIOS]
    stories = []
    for moment in _filing_moments(now, rng, PAST_COUNT):
        scenario = rng.choices(SCENARIOS, weights=weights)[0]
        stories.append((moment, scenario, False))
    stories += [(moment, DRILL, True) for moment in _drill_moments(now)]
    plans = []
    for number, (moment, scenario, drill) in enumerate(sorted(stories, key=lambda s: s[0]), start=1):
        impact, urgency, _ = rng.choices(scenario.severities, weights=[w for *_, w in scenario.severities])[0]
        channel = rng.choice(scenario.channels)
        segment = scenario.segment or rng.choice(SEGMENTS)
        reporter = None if channel == "monitoring" else rng.choice(
            ACCOUNT_MANAGERS if segment == "enterprise" else AGENTS)
        plan = Plan(number, moment, scenario, impact, urgency, _title(scenario, rng), channel, segment, reporter,
                    drill=drill)
        _shape(plan, tier_of(impact, urgency), rng)
        if drill:
            plan.ack_share, plan.contain_share, plan.miss_update = 0.5, 0.7, False
        plans.append(plan)
    # Exactly one handoff is not accepted in time, so the escalated handoff has something to show.
    late = next((plan for plan in plans if plan.handoff), None)
    if late is not None:
        late.handoff_late = True
    return plans


# --- playing a plan ----------------------------------------------------------------------------------

def file_scenario(life: Life, scenario: Scenario, *, at: dt.datetime, title: str, impact: str, urgency: str,
                  channel: str, segment: str, reporter: str | None, submission_key: str, drill: bool = False):
    """File it as an agent would: the triage answers its playbook asks for, the customers it hit."""
    cast, rng = life.cast, life.rng
    routed = cast.route(RouteRequest(area=scenario.area, impact=impact, urgency=urgency, title=title,
                                     description=scenario.description, customer_segment=segment, channel=channel))
    fields = cast.triage_fields.get(routed.playbook.pk, []) if routed.playbook else []
    return life.file(
        at=at, reporter=cast.user(reporter) if reporter else None, title=title, description=scenario.description,
        product_area=scenario.area, impact=impact, urgency=urgency, customer_segment=segment, channel=channel,
        suspected_vendor=scenario.vendor, is_drill=drill, submission_key=submission_key,
        details=answers(fields, scenario, rng, at),
        affected_customers="" if impact == "extensive" else "\n".join(rng.sample(CUSTOMERS, 2)),
    )


def live(cast: Cast, plan: Plan, *, now: dt.datetime, horizon: dt.datetime, watermark: int):
    """File the planned incident in the past and play its life; it stays open where ``horizon`` cuts it."""
    rng = random.Random(f"{SEED}:{plan.number}")  # each story its own stream: one change moves no other
    life = Life(cast, rng, horizon=horizon, watermark=watermark)
    incident = file_scenario(
        life, plan.scenario, at=plan.filed_at, title=plan.title, impact=plan.impact, urgency=plan.urgency,
        channel=plan.channel, segment=plan.segment, reporter=plan.reporter, drill=plan.drill,
        submission_key=plan.submission_key,
    )
    life.updates_to_miss = 1 if plan.miss_update else 0
    try:
        _play(life, plan, rng)
    except PastHorizon:
        # Still being worked on when the demo stops: it stays open, its due timers fired up to now.
        life.horizon = now
        life.at(now)
    life.finish()
    return incident


def _play(life: Life, plan: Plan, rng: random.Random) -> None:
    cast, scenario, filed = life.cast, plan.scenario, plan.filed_at
    life.at(life.after(life.minutes_of("acknowledge") * plan.ack_share, start=filed))
    first = life.responder()
    if scenario.misroute:
        if plan.misroute_after_ack:
            life.do(services.incident_acknowledge, incident=life.incident, user=first)
            life.at(life.t + dt.timedelta(minutes=rng.randint(8, 40)))
        life.do(services.incident_flag_misroute, incident=life.incident, user=first, team=scenario.misroute.team,
                reason=scenario.misroute.reason)
        life.at(life.after(life.minutes_of("acknowledge") * rng.uniform(0.1, 0.6)))
    assignee = life.responder()
    life.do(services.incident_acknowledge, incident=life.incident, user=assignee)

    if life.incident.tier.opens_war_room:
        life.at(life.t + dt.timedelta(minutes=rng.randint(1, 4)))
        commander = cast.user(rng.choice(COMMANDERS))
        life.do(services.incident_open_war_room, incident=life.incident, user=assignee, commander=commander,
                channel=f"#inc-{life.incident.pk}-{scenario.area}")
        life.updater = commander
    confirm = _work(life, plan, assignee, rng)
    if plan.pause:
        life.at(life.t + dt.timedelta(minutes=rng.randint(5, 20)))
        life.do(services.incident_pause, incident=life.incident, user=assignee, reason=plan.pause)
        life.at(life.t + dt.timedelta(hours=plan.pause_hours))
        life.do(services.incident_resume, incident=life.incident, user=assignee)
    if plan.handoff and not scenario.handoff.after_contain:
        assignee = _hand_off(life, plan, assignee)
    if plan.contain_share is not None:
        life.at(max(life.t + dt.timedelta(minutes=rng.randint(1, 3)),
                    life.after(life.minutes_of("contain") * plan.contain_share, start=filed)))
        life.do(services.incident_contain, incident=life.incident, user=assignee)
    if confirm is not None and life.incident.status == Status.CONTAINED:
        life.at(life.t + dt.timedelta(minutes=rng.randint(2, 10)))
        life.do(services.checklist_tick, incident=life.incident, user=assignee, item_id=confirm.pk)
    if plan.handoff and scenario.handoff.after_contain:
        assignee = _hand_off(life, plan, assignee)
    if plan.contain_share is None:
        fixed = life.after(life.minutes_of("contain") * plan.quick_fix_share, start=filed)
    else:
        fixed = life.after(life.minutes_of("resolve") * plan.resolve_share, start=filed)
    life.at(max(life.t + dt.timedelta(minutes=rng.randint(2, 10)), fixed))
    life.do(services.incident_resolve, incident=life.incident, user=assignee, summary=scenario.resolution)
    if plan.reopen:
        life.at(life.t + dt.timedelta(hours=rng.uniform(3, 30)))
        life.do(services.incident_reopen, incident=life.incident, user=assignee,
                reason="The customer reports it is happening again.")
        life.at(life.t + dt.timedelta(hours=rng.uniform(1, 6)))
        life.do(services.incident_resolve, incident=life.incident, user=assignee,
                summary="Second fix: the cache that brought it back is now cleared on deploy.")
    if plan.close_after_days is not None:
        closing = life.t + dt.timedelta(days=plan.close_after_days)
        if life.fits(closing) and life.incident.status == Status.RESOLVED:
            life.at(closing)
            closer = cast.lead(life.incident.team_id, closing)
            life.do(services.incident_close, incident=life.incident, user=closer)


def _work(life: Life, plan: Plan, assignee, rng: random.Random):
    """While it is being contained: checklist items ticked, the vendor brought in, a note — at moments
    spread between now and the planned containment rather than one after another, so they never delay
    it. A major incident's last item (confirming containment) waits: it is returned, to tick once contained."""
    share = plan.contain_share if plan.contain_share is not None else plan.quick_fix_share
    contained = life.after(life.minutes_of("contain") * share, start=plan.filed_at)
    start = life.t
    span = max(5.0, life.minutes_between(start, contained) - 2)  # on the incident's clock: in working hours

    def moment() -> dt.datetime:
        return life.after(rng.uniform(0, span), start=start)

    # A war-room incident (its tier as filed: a rule may have raised it) works through the whole list.
    whole_list = life.incident.tier.opens_war_room
    items = [] if plan.scenario.misroute else life.cast.checklists.get(life.incident.playbook_id, [])
    items = list(items if whole_list else items[:plan.ticks])
    confirm = items.pop() if whole_list and items else None
    # The checklist is worked through in order: the earliest moment ticks the first item.
    moves = [(at, services.checklist_tick, {"item_id": item.pk})
             for at, item in zip(sorted(moment() for _ in items), items, strict=True)]
    if plan.scenario.involve_vendor:
        moves.append((moment(), services.incident_involve_vendor, {"vendor": plan.scenario.involve_vendor}))
    if plan.note:
        moves.append((moment(), services.incident_add_note, {"text": rng.choice(plan.scenario.notes or GENERIC_NOTES)}))
    for at, service, kwargs in sorted(moves, key=lambda move: move[0]):
        life.at(at)
        life.do(service, incident=life.incident, user=assignee, **kwargs)
    return confirm


def _hand_off(life: Life, plan: Plan, assignee):
    """Hand it to the scenario's team; that team accepts in time — or, once, only after it escalated."""
    move, rng = plan.scenario.handoff, life.rng
    life.at(life.t + dt.timedelta(minutes=rng.randint(10, 50)))
    handoff = life.do(services.incident_reassign, incident=life.incident, user=assignee, team=move.team,
                      reason=move.reason)
    share = rng.uniform(1.2, 1.8) if plan.handoff_late else rng.uniform(0.1, 0.6)
    life.at(life.after(life.minutes_of("acknowledge") * share))
    receiver = life.responder()
    life.do(services.handoff_accept, handoff=handoff, user=receiver)
    return receiver
