"""The review's checklist, drawn from the matrix's gaps as they are now.

Nothing here is computed twice: the area rows (owner, who is on call) and the lint findings come from the
matrix page's own selector (``matrix.selectors.matrix_page``), which is the same snapshot and the same lint
the matrix page highlights; rule accuracy and tier breaches come from ``incidents.metrics`` over the
review's period (drills never count there). Each gap gets a stable key, so that a refresh recognises the
items it drew before (``services.matrix_review_refresh_checklist`` keeps their ticks).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from incidents.metrics import rule_accuracy, tier_breach_rates
from matrix.lint import Finding
from matrix.selectors.matrix_page import MatrixPage, matrix_page
from matrix.snapshot import MatrixSnapshot

from ..models import MatrixReviewItemKind as Kind

# Lint findings with a checklist item of their own kind; every other finding is listed as "lint".
FINDING_KINDS = {
    "area-no-owner": Kind.AREA_NO_OWNER,
    "area-no-playbook": Kind.AREA_NO_PLAYBOOK,
    "team-contact-stale": Kind.STALE_CONTACT,
    "vendor-contact-stale": Kind.STALE_CONTACT,
}
# The order the checklist reads in: who owns what first, then contacts, then how routing and tiers did.
KIND_ORDER = [Kind.AREA_NO_OWNER, Kind.AREA_NO_ON_CALL, Kind.AREA_NO_PLAYBOOK, Kind.STALE_CONTACT,
              Kind.RULE_ACCURACY, Kind.TIER_BREACHES, Kind.LINT, Kind.CHANGE_NEEDED]


@dataclass(frozen=True)
class Gap:
    kind: str
    key: str  # stable across refreshes while the gap stays the same gap
    subject_type: str  # as in lint findings: "area", "team", "vendor", "rule", "tier", … or "routing"
    subject_key: str
    subject_label: str
    subject_url: str
    text: str


def _page_url(name: str, key: str) -> str:
    try:
        return reverse(name, args=[key])
    except NoReverseMatch:
        return ""


def _admin_url(model_name: str, pk: int | None) -> str:
    if pk is None:
        return ""
    try:
        return reverse(f"admin:matrix_{model_name}_change", args=[pk])
    except NoReverseMatch:
        return ""


class Subjects:
    """A lint subject's label and link, read from the snapshot the checklist was drawn from (no query)."""

    PAGES = {"area": "matrix:area_detail", "team": "matrix:team_detail", "vendor": "matrix:vendor_detail",
             "playbook": "matrix:playbook_detail"}
    ADMIN = {"rule": "routingrule", "policy": "escalationpolicy", "tier": "tier"}
    # A rotation is shown on its team ("<team key>/<rotation>"), a step on its policy ("<policy key>/<position>").
    FOLDED = {"rotation": "team", "step": "policy"}

    def __init__(self, snapshot: MatrixSnapshot) -> None:
        self.objects = {
            "area": snapshot.area_by_key,
            "team": {t.key: t for t in snapshot.teams.values()},
            "vendor": snapshot.vendor_by_key,
            "tier": {t.key: t for t in snapshot.tiers.values()},
            "rule": {r.key: r for r in snapshot.rules},
            "policy": {p.key: p for p in snapshot.policies},
            "playbook": {p.key: p for p in snapshot.playbooks},
        }

    def _owner(self, kind: str, key: str) -> tuple[str, str]:
        return (self.FOLDED[kind], key.rsplit("/", 1)[0]) if kind in self.FOLDED else (kind, key)

    def label(self, kind: str, key: str) -> str:
        if kind == "matrix":
            return "The matrix"
        if kind == "cell":
            return f"Priority matrix cell {key}"
        kind, key = self._owner(kind, key)
        found = self.objects.get(kind, {}).get(key)
        return f"{kind.title()} {getattr(found, 'name', None) or key}"

    def url(self, kind: str, key: str) -> str:
        kind, key = self._owner(kind, key)
        if kind in self.PAGES:
            return _page_url(self.PAGES[kind], key)
        if kind in self.ADMIN:
            return _admin_url(self.ADMIN[kind], getattr(self.objects[kind].get(key), "pk", None))
        return reverse("matrix:home")


def _finding_key(finding: Finding) -> str:
    # A subject may have several findings of one code (two stale contacts of a team): the message tells them
    # apart, and is the same on every refresh while the matrix says the same.
    digest = hashlib.sha1(finding.message.encode()).hexdigest()[:10]
    return f"{finding.code}:{finding.subject_type}:{finding.subject_key}:{digest}"[:200]


def finding_gaps(page: MatrixPage, subjects: Subjects) -> list[Gap]:
    return [
        Gap(kind=FINDING_KINDS.get(f.code, Kind.LINT), key=_finding_key(f), subject_type=f.subject_type,
            subject_key=f.subject_key, subject_label=subjects.label(f.subject_type, f.subject_key),
            subject_url=subjects.url(f.subject_type, f.subject_key), text=f.message)
        for f in page.findings
    ]


def on_call_gaps(page: MatrixPage) -> list[Gap]:
    """Areas whose incidents reach a team with nobody (active) on call now."""
    gaps = []
    for row in page.rows:
        if row.on_call is not None and row.on_call.is_active:
            continue
        area = row.area
        team = f"{row.team.name} (its {'owner' if row.owner else 'fallback, the triage team'})" if row.team else \
            "no team at all"
        gaps.append(Gap(kind=Kind.AREA_NO_ON_CALL, key=f"area-no-on-call:{area.key}", subject_type="area",
                        subject_key=area.key, subject_label=f"Area {area.name}",
                        subject_url=_page_url("matrix:area_detail", area.key),
                        text=f"Nobody is on call for area '{area.name}': its incidents go to {team}."))
    return gaps


def _percent(rate: float) -> str:
    return f"{round(rate * 100)}%"


def accuracy_gaps(*, since: dt.datetime, until: dt.datetime) -> list[Gap]:
    """Rules (and the fallbacks) right first time too rarely over enough of the period's incidents."""
    floor = settings.MATRIX_REVIEW_RULE_ACCURACY_MIN / 100
    gaps = []
    for record in rule_accuracy(since=since, until=until):
        if record.routed < settings.MATRIX_REVIEW_MIN_INCIDENTS or record.rate is None or record.rate >= floor:
            continue
        moved = ", ".join(f"{m.count} to {m.team_name}" for m in record.misroutes)
        label = record.name if record.is_fallback else f"Rule {record.name}"
        gaps.append(Gap(
            kind=Kind.RULE_ACCURACY, key=f"rule-accuracy:{record.key}",
            subject_type="routing" if record.is_fallback else "rule", subject_key=record.key, subject_label=label,
            subject_url=_admin_url("routingrule", record.rule_id),
            text=(f"{label} was right the first time for {record.first_time_right} of {record.routed} incidents "
                  f"({_percent(record.rate)}, below {settings.MATRIX_REVIEW_RULE_ACCURACY_MIN}%)"
                  + (f"; misroutes: {moved}." if moved else ".")),
        ))
    return gaps


def breach_gaps(*, since: dt.datetime, until: dt.datetime, subjects: Subjects) -> list[Gap]:
    """Tiers that missed a target in too many of the period's incidents."""
    ceiling = settings.MATRIX_REVIEW_BREACH_RATE_MAX / 100
    gaps = []
    for tier in tier_breach_rates(since=since, until=until):
        if tier.incidents < settings.MATRIX_REVIEW_MIN_INCIDENTS or tier.rate is None or tier.rate <= ceiling:
            continue
        gaps.append(Gap(
            kind=Kind.TIER_BREACHES, key=f"tier-breaches:{tier.key}", subject_type="tier", subject_key=tier.key,
            subject_label=f"Tier {tier.name}", subject_url=subjects.url("tier", tier.key),
            text=(f"{tier.name} missed a target in {tier.breached} of {tier.incidents} incidents "
                  f"({_percent(tier.rate)}, above {settings.MATRIX_REVIEW_BREACH_RATE_MAX}%)."),
        ))
    return gaps


def draw_checklist(*, since: dt.datetime, now: dt.datetime) -> list[Gap]:
    """Every gap of the matrix now, and of routing and tiers since ``since``, in the checklist's order."""
    snapshot = MatrixSnapshot(now)
    page = matrix_page(snapshot)
    subjects = Subjects(snapshot)
    gaps = [*finding_gaps(page, subjects), *on_call_gaps(page), *accuracy_gaps(since=since, until=now),
            *breach_gaps(since=since, until=now, subjects=subjects)]
    unique = {gap.key: gap for gap in gaps}  # one item per gap, whatever reported it
    return sorted(unique.values(), key=lambda g: (KIND_ORDER.index(g.kind), g.subject_label.lower(), g.text))
