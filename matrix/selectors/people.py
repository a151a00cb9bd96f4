"""The person page: a user's teams and roles, rotations (and whether they are on call now), areas."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.utils import timezone

from .. import models as m
from ..oncall import on_call_at
from .common import Shift, upcoming_shifts


@dataclass
class PersonRotation:
    rotation: m.Rotation
    position: int
    on_call_now: bool
    next_shift: Shift | None  # their next shift start among the next few


@dataclass
class PersonPage:
    person: object
    memberships: list[m.Membership]
    rotations: list[PersonRotation]
    overrides: list[m.RotationOverride]  # current and future cover they take
    roster: list[m.AreaRosterEntry]
    vendors: list[m.Vendor]  # vendor relationships they own


def person_page(username: str, now: dt.datetime | None = None) -> PersonPage | None:
    now = now or timezone.now()
    person = get_user_model().objects.filter(username=username).first()
    if person is None:
        return None
    slots = m.RotationMember.objects.filter(user=person).select_related("rotation__team").prefetch_related(
        Prefetch("rotation__members", queryset=m.RotationMember.objects.select_related("user")),
        Prefetch("rotation__overrides", queryset=m.RotationOverride.objects.select_related("user")),
    )
    rotations = []
    for slot in slots:
        rotation = slot.rotation
        members, overrides = list(rotation.members.all()), list(rotation.overrides.all())
        current = on_call_at(rotation, members, overrides, now)
        shifts = upcoming_shifts(rotation, now, count=max(4, len(members)))
        rotations.append(PersonRotation(
            rotation=rotation,
            position=slot.position,
            on_call_now=current is not None and current.pk == person.pk,
            next_shift=next((s for s in shifts if s.user is not None and s.user.pk == person.pk), None),
        ))
    return PersonPage(
        person=person,
        memberships=list(person.memberships.select_related("team").order_by("team__name", "role")),
        rotations=rotations,
        overrides=list(
            person.rotation_overrides.filter(ends_at__gt=now).select_related("rotation__team", "covers")
        ),
        roster=list(person.area_roles.select_related("area").order_by("area__name", "role")),
        vendors=list(person.owned_vendors.order_by("name")),
    )
