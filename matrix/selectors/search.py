"""The top-bar search: areas, teams, people, vendors and playbooks matching a few typed letters."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, Value
from django.db.models.functions import Concat

from .. import models as m

MIN_LENGTH = 2


@dataclass
class SearchResults:
    query: str
    areas: list[m.ProductArea]
    teams: list[m.Team]
    people: list
    vendors: list[m.Vendor]
    playbooks: list[m.Playbook]

    @property
    def total(self) -> int:
        return sum(len(x) for x in (self.areas, self.teams, self.people, self.vendors, self.playbooks))


def _keyed(model, query: str, limit: int):
    return list(model.objects.filter(Q(key__icontains=query) | Q(name__icontains=query)).order_by("name")[:limit])


def search(query: str, limit: int = 8) -> SearchResults:
    query = query.strip()
    if len(query) < MIN_LENGTH:
        return SearchResults(query, [], [], [], [], [])
    people = (
        get_user_model().objects.annotate(full_name=Concat("first_name", Value(" "), "last_name"))
        .filter(
            Q(username__icontains=query) | Q(full_name__icontains=query) | Q(email__icontains=query)
        )
        .order_by("-is_active", "first_name", "username")[:limit]
    )
    return SearchResults(
        query=query,
        areas=_keyed(m.ProductArea, query, limit),
        teams=_keyed(m.Team, query, limit),
        people=list(people),
        vendors=_keyed(m.Vendor, query, limit),
        playbooks=_keyed(m.Playbook, query, limit),
    )
