"""The demo's post-incident reviews: most of the past ones written and published, a few left overdue.

The demo incidents' resolves create their reviews (``reviews.services.review_create``, on the incidents
app's signal), all as empty drafts. A new user should see what the product looks like in use: reviews
written by their leads, published a few days after the incident, with action items (some done) — and a
few still open past their due day, which is what the reminders and the matrix review chase.

Everything goes through the real services with ``now=`` in the past. Deterministic and idempotent: which
reviews stay drafts is decided by the incident's id, so a second run finds nothing left to publish.
What publishing tells people is history, marked sent like the incidents' own (``incidents.demo.outbox``).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from incidents.demo import DEMO_KEYS
from matrix.models import Membership
from notifications.history import delivery_prompts_dropped
from notifications.models import Notification
from notifications.models import Status as Delivery

from .models import ActionItemStatus, PostIncidentReview
from .services import action_item_add, action_item_set_status, review_publish, review_save

LEFT_AS_DRAFTS = 6  # one review in six is left unwritten: overdue ones for the reminders to chase
RECENT = dt.timedelta(days=4)  # incidents resolved since then are still being reviewed

BODIES = {
    "summary": "{title}. {area} customers were affected from {filed:%a %d %b %H:%M} until the fix at "
               "{resolved:%H:%M}; {team} owned it.",
    "impact": "{tier} in {area}: {customers}. No data was lost.",
    "root-cause": "{cause}",
}
CAUSES = [
    "A configuration change rolled out to every region at once instead of by stages.",
    "A dependency's certificate expired; the renewal alert went to a mailbox nobody reads.",
    "A slow database query under peak load exhausted the connection pool.",
    "A vendor-side outage, made longer by an out-of-date vendor escalation contact.",
    "A deploy removed a feature flag still read by the mobile app's older versions.",
]
FACTORS = [
    "Alert fired late", "Runbook out of date", "No canary for config changes", "Vendor contact stale",
    "Dashboard missing", "Change outside the release window", "Unclear ownership",
]
ACTIONS = [
    "Add a canary stage for configuration rollouts", "Route certificate alerts to the on-call rotation",
    "Add the slow-query dashboard to the playbook", "Confirm the vendor's escalation contacts",
    "Write a runbook step for confirming containment", "Add a routing rule for this kind of report",
]


def load_reviews(*, now: dt.datetime | None = None) -> str:
    """Write and publish the demo reviews still to do; the one summary line ``loaddemo`` prints."""
    now = now or timezone.now()
    todo = [r for r in _demo_drafts(now) if r.incident_id % LEFT_AS_DRAFTS]
    if todo:
        watermark = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
        with transaction.atomic(), delivery_prompts_dropped():
            for review in todo:
                _write_and_publish(review, now)
            # What publishing told people happened in the past: delivered then, never sent now.
            Notification.objects.filter(pk__gt=watermark, status=Delivery.PENDING).update(
                status=Delivery.SENT, attempts=1, sent_at=F("created_at"),
            )
    demo = PostIncidentReview.objects.filter(incident__submission_key__startswith=DEMO_KEYS)
    published = demo.filter(published_at__isnull=False).count()
    return f"Post-incident reviews: {published} published, {demo.count() - published} still drafts."


def _demo_drafts(now: dt.datetime) -> list[PostIncidentReview]:
    return list(
        PostIncidentReview.objects.filter(
            incident__submission_key__startswith=DEMO_KEYS, published_at__isnull=True,
            incident__resolved_at__lt=now - RECENT, lead__isnull=False,
        ).select_related("incident__tier", "incident__team", "incident__product_area", "lead").order_by("pk")
    )


def _write_and_publish(review: PostIncidentReview, now: dt.datetime) -> None:
    incident, rng = review.incident, random.Random(review.incident_id)
    written = min(incident.resolved_at + dt.timedelta(days=rng.randint(1, 3), hours=rng.randint(1, 6)), now)
    words = {
        "title": incident.title, "area": incident.product_area.name, "team": incident.team.name,
        "tier": incident.tier.name, "filed": incident.filed_at, "resolved": incident.resolved_at,
        "customers": "checkout and account pages failed for some customers" if incident.tier.rank <= 2
        else "a small share of customers saw errors", "cause": rng.choice(CAUSES),
    }
    sections = {s["key"]: BODIES.get(s["key"], "See the timeline; nothing beyond it.").format(**words)
                for s in review.sections}
    routed_right = incident.routing_correct is not False
    review_save(
        review=review, user=review.lead, sections=sections, routed_right=routed_right, tier_right=True,
        contributing_factors=rng.sample(FACTORS, 2), went_well="The on-call engineer acknowledged quickly.",
        to_improve="Routing needed a hand-off." if not routed_right else "Containment took longer than the target.",
        now=written,
    )
    _add_action_items(review, rng, written, now)
    review_publish(review=review, user=review.lead, now=written)


def _add_action_items(review: PostIncidentReview, rng: random.Random, written: dt.datetime, now: dt.datetime) -> None:
    members = list(Membership.objects.filter(team_id=review.incident.team_id, user__is_active=True)
                   .select_related("user").order_by("pk"))
    owners = [ms.user for ms in members] or [review.lead]
    for title in rng.sample(ACTIONS, rng.randint(1, 2)):
        due_on = timezone.localdate(written) + dt.timedelta(days=rng.randint(10, 30))
        item = action_item_add(review=review, user=review.lead, title=title, owner=rng.choice(owners),
                               due_on=due_on, now=written)
        if due_on < timezone.localdate(now) and rng.random() < 0.7:  # done at 15:00 on its due day, local time
            action_item_set_status(item=item, user=item.owner, status=ActionItemStatus.DONE,
                                   now=timezone.make_aware(dt.datetime.combine(due_on, dt.time(15))))
