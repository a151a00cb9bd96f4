"""Action items raise matrix change requests, linked both ways (connected in ``ReviewsConfig.ready``).

"Raise a matrix change" on an action item opens a matrix admin form (add one, or change one) with
``?origin=action_item:<id>`` — the generic mechanism of ``matrix.hooks`` —, and the change request that
save drafts keeps the origin. When it is submitted, governance's ``change_request_submitted`` reaches
``on_change_request_submitted`` here, which links the item to it (``ActionItem.change_request``: the
newest request raised from it). The other way, the change request pages show the item through the
origin resolver registered here (``resolve_origins``). Anyone can type ``?origin=action_item:<id>``: only
an author who may raise changes from action items (``may_raise_from``, registered with the resolver) keeps
it on the request, so nobody else links a change to an item.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from matrix import models as m
from matrix.governance import change_request_submitted
from matrix.hooks import OriginLink, make_origin, parse_origin, register_change_request_origin

from .models import ActionItem

KIND = "action_item"
# What an action item may change, in the order the form offers it.
TARGET_MODELS: list[type[Model]] = [
    m.ProductArea, m.Team, m.RoutingRule, m.EscalationPolicy, m.Playbook, m.Vendor, m.Tier,
]
NEW = "add"


def item_origin(item: ActionItem) -> str:
    return make_origin(KIND, item.pk)


def item_id(origin: str) -> int | None:
    """ "action_item:12" → 12; None for another kind or a malformed origin."""
    kind, parts = parse_origin(origin)
    return int(parts[0]) if kind == KIND and len(parts) == 1 and parts[0].isdigit() else None


def may_raise_from(origin: str, author) -> bool:
    """Whether ``author`` may raise a change from this action item (``matrix.hooks``' origin check): it
    exists and they may raise changes at all."""
    pk = item_id(origin)
    return pk is not None and may_raise(author) and ActionItem.objects.filter(pk=pk).exists()


def on_change_request_submitted(sender, *, change_request: m.ChangeRequest, **kwargs) -> None:
    """Link the action item the request was raised from (in the transaction that stored the request)."""
    pk = item_id(change_request.origin)
    if pk is not None and may_raise(change_request.author):
        ActionItem.objects.filter(pk=pk).update(change_request=change_request, updated_at=timezone.now())


def resolve_origins(origins: list[str]) -> dict[str, OriginLink]:
    """The change request pages' link back to each action item: one query for a page of requests."""
    ids = {origin: pk for origin in origins if (pk := item_id(origin)) is not None}
    items = ActionItem.objects.select_related("review").in_bulk(set(ids.values()))
    links = {}
    for origin, pk in ids.items():
        item = items.get(pk)
        if item is not None:
            url = reverse("reviews:detail", args=[item.review_id]) + f"#action-item-{item.pk}"
            label = f"Action item “{item.title}” (review of incident #{item.review.incident_id})"
            links[origin] = OriginLink(label=label, url=url)
    return links


def _permission(model: type[Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def may_raise(user) -> bool:
    """Whoever may add or change some part of the matrix in the admin (Managers)."""
    return bool(user and user.is_active and user.is_staff) and any(
        user.has_perm(_permission(model, action)) for model in TARGET_MODELS for action in ("add", "change")
    )


def target_choices(user) -> list[tuple[str, list[tuple[str, str]]]]:
    """What the user may raise a change to, grouped for a select: "new …" first, then each kind's objects
    ("productarea:add", "productarea:7"). One query per kind of object."""
    groups = []
    new = [(f"{model._meta.model_name}:{NEW}", f"A new {model._meta.verbose_name}")
           for model in TARGET_MODELS if user.has_perm(_permission(model, "add"))]
    if new:
        groups.append(("Add", new))
    for model in TARGET_MODELS:
        if user.has_perm(_permission(model, "change")):
            objects = model._default_manager.order_by(*(model._meta.ordering or ["pk"]))
            groups.append((f"Existing {model._meta.verbose_name_plural}",
                           [(f"{model._meta.model_name}:{obj.pk}", str(obj)) for obj in objects]))
    return groups


def admin_url(*, item: ActionItem, target: str) -> str:
    """The admin form to raise the change from, carrying the item as its origin; ``target`` is a choice of
    ``target_choices`` (checked by the form)."""
    model_name, _, which = target.partition(":")
    if which == NEW:
        url = reverse(f"admin:matrix_{model_name}_add")
    else:
        url = reverse(f"admin:matrix_{model_name}_change", args=[int(which)])
    return f"{url}?{urlencode({'origin': item_origin(item)})}"


def connect() -> None:
    change_request_submitted.connect(on_change_request_submitted, dispatch_uid="reviews.link_action_item")
    register_change_request_origin(KIND, resolve_origins, may_raise=may_raise_from)

