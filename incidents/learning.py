"""Learning from misroutes: a rule that keeps sending one kind of incident to the wrong team gets a drafted
change request refining it, for a manager to finish (docs/guide.md, "Routing accuracy": the routing accuracy loop).

After a misroute commits (``incident_flag_misroute``), a worker runs ``refine_after_misroute``
(``incidents.tasks.refine_routing_after_misroute``: it reads months of incidents, which no web request
should wait for) and looks at the rule that routed the incident. When at least ``ROUTING_REFINE_THRESHOLD``
of its real incidents filed within ``ROUTING_REFINE_DAYS`` were moved to one team as misroutes — not
counting those an earlier refinement for that rule and team already cited — and no refinement for them is
open (drafted, or finished and waiting for approval), it drafts one
(``matrix.governance.change_request_draft``), in the admin's diff format:

- a **new rule just before it**, with its conditions and, as keywords, the words that most of the
  misrouted incidents' titles share and that none of its rightly routed incidents use, sending them to
  the team they were moved to — the narrowest change that fixes what went wrong; or, when no words tell
  them apart (or no order is free just before the rule),
- a **change of the rule's team** to that team, its note saying how many incidents it routed right,
  which that would move too.

The draft's author is the manager who will finish it: the rule's team's member with the manager role,
else its lead (who may edit the matrix), else an active member of the Managers group. They are told by
e-mail. A refinement never fails the misroute itself: any problem is logged and the misroute stands.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Max, Q
from django.urls import reverse
from django.utils import timezone

from escalation_matrix.roles import managers
from matrix.governance import ChangeRequestError, Draft, change_request_draft
from matrix.hooks import OriginLink, make_origin, parse_origin
from matrix.models import ChangeRequest, ChangeRequestStatus, Membership, MembershipRole, RoutingRule, Team
from matrix.routing import keyword_pattern

from .metrics import misroute_destination, real_incidents, wrong_first_routing
from .models import Handoff, Incident

logger = logging.getLogger(__name__)

KIND = "routing_refinement"  # origins "routing_refinement:<rule key>:<team key>" (matrix.hooks)
MAX_WORDS = 3
_WORD = re.compile(r"[^\W\d_][\w'-]*")
STOPWORDS = frozenset("""
    a an and are as at be been but by can cannot could did does for from had has have how in into is it its
    not of on or our out than that the their them then there these they this to too up was we were what when
    where which while who will with without you your after again all also any because before being both down
    during each few more most other over same some such only own under very just now new get gets got no yes
""".split())


def refine_after_misroute(*, incident_id: int, now: dt.datetime | None = None) -> ChangeRequest | None:
    """Draft a refinement of the rule that misrouted this incident, if its misroutes call for one.

    Run after the misroute commits; never raises (a failure is logged). Returns the draft, or None."""
    try:
        return _refine(incident_id, now or timezone.now())
    except Exception:  # the misroute stands whatever happens here
        logger.exception("No routing refinement could be drafted after the misroute of incident %s.", incident_id)
        return None


def refinement_origin(rule_key: str, team_key: str) -> str:
    return make_origin(KIND, rule_key, team_key)


def refinement_of(origin: str) -> tuple[str, str] | None:
    """ "routing_refinement:cdn:payments" → ("cdn", "payments"): the rule's key and the team's; None for
    anything else."""
    kind, parts = parse_origin(origin)
    return (parts[0], parts[1]) if kind == KIND and len(parts) == 2 and all(parts) else None


def may_raise_from(origin: str, author) -> bool:
    """Nobody raises a refinement by hand: only this module drafts them (an admin save carrying such an
    origin keeps none, so it cannot pass for one and hold back the next draft)."""
    return False


# --- when ------------------------------------------------------------------------------------------------
def _refine(incident_id: int, now: dt.datetime) -> ChangeRequest | None:
    incident = Incident.objects.filter(pk=incident_id, is_drill=False, routing_fallback="rule").first()
    if incident is None or incident.routing_rule_id is None:
        return None  # a drill, a fallback routing, or a rule deleted since
    moved = Handoff.objects.filter(incident=incident, wrong_team=True).order_by("-requested_at", "-pk").first()
    if moved is None:
        return None
    with transaction.atomic():
        # One refinement at a time per rule: two misroutes committing together draft once.
        rule = RoutingRule.objects.select_for_update().filter(pk=incident.routing_rule_id).first()
        team = Team.objects.filter(pk=moved.to_team_id).first()
        if rule is None or team is None or team.pk == rule.team_id:
            return None
        origin = refinement_origin(rule.key, team.key)
        if _open_refinement(origin):
            return None
        history = _history(rule, since=now - dt.timedelta(days=settings.ROUTING_REFINE_DAYS))
        misrouted = [i for i in history if i.destination == team.pk]
        cited = _cited(origin)
        fresh = [i for i in misrouted if i.pk not in cited]
        if len(fresh) < settings.ROUTING_REFINE_THRESHOLD:
            return None
        right = [i for i in history if not i.judged_wrong]
        proposal = propose(rule=rule, team=team, misrouted=misrouted, right=right)
        author = finisher(rule.team_id, "add" if proposal.instance.pk is None else "change")
        if author is None:
            logger.warning("Rule %s keeps misrouting to %s, but nobody may finish a refinement: no manager.",
                           rule.key, team.key)
            return None
        draft = Draft(author=author, reason=proposal.reason, origin=origin)
        draft.record(proposal.instance)
        try:
            return change_request_draft(draft=draft, note=proposal.note, evidence=_evidence(misrouted, team))
        except ChangeRequestError:
            logger.exception("The refinement of rule %s drafted for %s does not fit the matrix.", rule.key, team.key)
            return None


def _open_refinement(origin: str) -> bool:
    """A draft for this rule and team nobody finished yet, or one finished and still waiting for approval."""
    return ChangeRequest.objects.filter(origin=origin).filter(
        Q(status=ChangeRequestStatus.DRAFT) | Q(finished_as__status=ChangeRequestStatus.PENDING)
    ).exists()


def _cited(origin: str) -> set[int]:
    """Incidents earlier refinements for this rule and team were drafted from: they count once."""
    cited = set()
    for evidence in ChangeRequest.objects.filter(origin=origin).values_list("evidence", flat=True):
        for item in evidence or []:
            kind, _, number = str(item.get("ref", "")).partition(":")
            if kind == "incident" and number.isdigit():
                cited.add(int(number))
    return cited


def _history(rule: RoutingRule, *, since: dt.datetime) -> list[Incident]:
    """The rule's real incidents in the window, each with ``destination`` (its misroute's team, if any) and
    ``judged_wrong``."""
    return list(
        real_incidents(since=since).filter(routing_fallback="rule", routing_rule_key=rule.key)
        .annotate(destination=misroute_destination(),
                  judged_wrong=ExpressionWrapper(wrong_first_routing(), output_field=BooleanField()))
        .only("pk", "title", "description", "filed_at")
        .order_by("filed_at", "pk")
    )


def _evidence(misrouted: list[Incident], team: Team) -> list[dict]:
    return [
        {"label": f"#{i.pk} {i.title} — moved to {team.name}", "url": reverse("incidents:detail", args=[i.pk]),
         "ref": f"incident:{i.pk}"}
        for i in misrouted
    ]


# --- what ------------------------------------------------------------------------------------------------
@dataclass
class Proposal:
    instance: RoutingRule  # a new rule (unsaved), or the rule with its new team (unsaved)
    reason: str
    note: str
    words: list[str]


def telling_words(misrouted: list[Incident], right: list[Incident], *, exclude=()) -> list[str]:
    """Words most of the misrouted incidents' titles share that no rightly routed incident's title or
    description starts a word with (so, as keywords, they catch the first and never the second)."""
    counts = Counter(word for incident in misrouted for word in set(_words(incident.title)))
    right_texts = [f"{i.title}\n{i.description}".lower() for i in right]
    telling = []
    for word, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if count * 2 <= len(misrouted) or word in exclude:
            continue
        pattern = keyword_pattern((word,))
        if not any(pattern.search(text) for text in right_texts):
            telling.append(word)
    return telling[:MAX_WORDS]


def _words(text: str) -> list[str]:
    return [w.strip("'-") for w in _WORD.findall(text.lower()) if len(w) >= 3 and w not in STOPWORDS]


def propose(*, rule: RoutingRule, team: Team, misrouted: list[Incident], right: list[Incident]) -> Proposal:
    words = telling_words(misrouted, right, exclude=set(rule.keyword_list))
    order = free_order_before(rule)
    counts = (f"In the last {settings.ROUTING_REFINE_DAYS} days, {len(misrouted)} incidents routed by rule "
              f"#{rule.order} “{rule.name}” to {rule.team.name} were flagged misrouted and moved to {team.name}; "
              f"{len(right)} of its incidents were routed right.")
    finish = "Check it (the routing simulator shows what it would change), adjust it and save to propose it."
    if words and order is not None:
        quoted = ", ".join(f"“{w}”" for w in words)
        new = RoutingRule(
            key=_free_key(f"{rule.key}-{team.key}"), name=f"{rule.name}: {', '.join(words)} → {team.name}"[:120],
            order=order, active=True, area_id=rule.area_id, lifecycle_stage=rule.lifecycle_stage,
            keywords=", ".join(words), customer_segment=rule.customer_segment, channel=rule.channel,
            impact_id=rule.impact_id, urgency_id=rule.urgency_id, team=team,
            description=f"Drafted from misroutes of rule “{rule.name}”: incidents about {quoted} belong to "
                        f"{team.name}.",
        )
        note = (f"{counts} Their titles share {quoted}, which none of the rightly routed ones use, so this adds a "
                f"rule just before it (order {order}) sending such incidents to {team.name}. {finish}")
        return Proposal(new, f"Refine rule “{rule.name}”: {quoted} → {team.name}"[:100], note, words)
    why = ("no words tell the misrouted incidents apart from the rightly routed ones" if not words
           else f"no order is free just before rule #{rule.order} for a narrower rule")
    changed = RoutingRule.objects.get(pk=rule.pk)
    changed.team = team
    note = (f"{counts} As {why}, this sends the rule's incidents to {team.name} instead"
            + (f" — which would move the {len(right)} routed right too" if right else "") + f". {finish}")
    return Proposal(changed, f"Refine rule “{rule.name}”: send it to {team.name}"[:100], note, words)


def free_order_before(rule: RoutingRule) -> int | None:
    """An order between the rule before this one and this one (the middle of the gap), or None."""
    previous = RoutingRule.objects.filter(order__lt=rule.order).aggregate(top=Max("order"))["top"]
    low, high = (0 if previous is None else previous + 1), rule.order - 1
    return (low + high + 1) // 2 if low <= high else None


def _free_key(base: str) -> str:
    base = base[:45].strip("-")
    taken = set(RoutingRule.objects.filter(key__startswith=base).values_list("key", flat=True))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


# --- who -------------------------------------------------------------------------------------------------
def finisher(team_id: int, action: str):
    """Who will finish a refinement of a rule of this team: its manager, else its lead — if they may make
    the change in the admin — else an active member of the Managers group; None if nobody."""
    permission = f"matrix.{action}_routingrule"
    members = Membership.objects.filter(
        team_id=team_id, role__in=[MembershipRole.MANAGER, MembershipRole.LEAD], user__is_active=True,
    ).select_related("user")
    for membership in sorted(members, key=lambda ms: (ms.role != MembershipRole.MANAGER, ms.user_id)):
        if membership.user.has_perm(permission):
            return membership.user
    return managers().first()


# --- the change request pages' link back -------------------------------------------------------------------
def resolve_origins(origins: list[str]) -> dict[str, OriginLink]:
    """ "routing_refinement:cdn:payments" → the rule's record on the routing accuracy page (two queries)."""
    parsed = {origin: found for origin in origins if (found := refinement_of(origin))}
    rules = dict(RoutingRule.objects.filter(key__in={r for r, _ in parsed.values()}).values_list("key", "name"))
    teams = dict(Team.objects.filter(key__in={t for _, t in parsed.values()}).values_list("key", "name"))
    page = reverse("incidents:routing_accuracy")
    links = {}
    for origin, (rule_key, team_key) in parsed.items():
        label = f"Misroutes of rule “{rules.get(rule_key, rule_key)}” to {teams.get(team_key, team_key)}"
        links[origin] = OriginLink(label=label, url=f"{page}?rule={rule_key}#rule-{rule_key}")
    return links
