"""The rules that span entries: unique ranks and orders, one triage team, tier targets in order,
no cycles in area parents, and unique natural keys of inline rows (they are how an import matches rows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .errors import INVALID, Errors, Loc


def _valid(*values: Any) -> bool:
    return all(v is not INVALID for v in values)


def _unique(errors: Errors, rows: Iterable[tuple[Loc, dict]], key: Callable[[dict], Any], field: str,
            describe: Callable[[Any], str]) -> None:
    """An error on each row whose ``key`` an earlier row already has."""
    seen: dict[Any, str] = {}
    for loc, row in rows:
        value = key(row)
        if value is None:
            continue
        if value in seen:
            errors.add(loc, field, f"duplicate {describe(value)} (also {seen[value]})")
        else:
            seen[value] = loc.short


def _keyed(row: dict, *fields: str) -> Any:
    values = tuple(row[f] for f in fields)
    if not _valid(*values):
        return None
    return values if len(values) > 1 else values[0]


def check_matrix(data: dict, errors: Errors) -> None:
    _check_teams(data["teams"], errors)
    for _loc, vendor in data["vendors"]:
        if _valid(vendor["contacts"]):
            _unique(errors, vendor["contacts"], lambda r: _keyed(r, "name"), "name",
                    lambda v: f"contact name {v!r}")
    _check_areas(data["areas"], errors)
    for section in ("impacts", "urgencies", "tiers"):
        _unique(errors, data[section], lambda r: _keyed(r, "rank"), "rank", lambda v: f"rank {v}")
    _check_tier_targets(data["tiers"], errors)
    _unique(errors, data["rules"], lambda r: _keyed(r, "order"), "order", lambda v: f"order {v}")
    for _loc, playbook in data["playbooks"]:
        if _valid(playbook["triage_fields"]):
            _unique(errors, playbook["triage_fields"], lambda r: _keyed(r, "key"), "key",
                    lambda v: f"triage field key {v!r}")


def _check_teams(teams: list[tuple[Loc, dict]], errors: Errors) -> None:
    triage = [(loc, t) for loc, t in teams if t["is_triage"] is True]
    for loc, _team in triage[1:]:
        errors.add(loc, "is_triage", f"only one team can be the triage team (also {triage[0][0].short})")
    for _loc, team in teams:
        if _valid(team["members"]):
            _unique(errors, team["members"], lambda r: _keyed(r, "user", "role"), "role",
                    lambda v: f"membership of {v[0]!r} as {v[1]}")
        if _valid(team["channels"]):
            _unique(errors, team["channels"], lambda r: _keyed(r, "kind", "target"), "target",
                    lambda v: f"{v[0]} channel {v[1]!r}")
        if not _valid(team["rotations"]):
            continue
        _unique(errors, team["rotations"], lambda r: _keyed(r, "name"), "name",
                lambda v: f"rotation name {v!r}")
        for _rloc, rotation in team["rotations"]:
            if not _valid(rotation["overrides"]):
                continue
            for oloc, override in rotation["overrides"]:
                starts, ends = override["starts_at"], override["ends_at"]
                if _valid(starts, ends) and ends <= starts:
                    message = f"must be after starts_at ({starts.isoformat()}), got {ends.isoformat()}"
                    errors.add(oloc, "ends_at", message)


def _check_areas(areas: list[tuple[Loc, dict]], errors: Errors) -> None:
    parents = {a["key"]: a["parent"] for _loc, a in areas if _valid(a["key"], a["parent"])}
    reported: set[str] = set()
    for loc, area in areas:
        key = area["key"]
        if not _valid(key):
            continue
        if _valid(area["depends_on_areas"]) and key in area["depends_on_areas"]:
            errors.add(loc, "depends_on_areas", "an area cannot depend on itself")
        if _valid(area["roster"]):
            _unique(errors, area["roster"], lambda r: _keyed(r, "role", "user"), "user",
                    lambda v: f"roster entry {v[1]!r} as {v[0]}")
        # Walk up the parents; coming back to this area is a cycle (report each cycle once).
        chain, current = [key], parents.get(key)
        while current is not None and current not in chain:
            chain.append(current)
            current = parents.get(current)
        if current == key and key not in reported:
            reported.update(chain)
            errors.add(loc, "parent", f"cycle in area parents: {' → '.join([*chain, key])}")


def _check_tier_targets(tiers: list[tuple[Loc, dict]], errors: Errors) -> None:
    for loc, tier in tiers:
        ack, contain, resolve = tier["acknowledge_minutes"], tier["contain_minutes"], tier["resolve_minutes"]
        if _valid(ack, contain) and contain < ack:
            errors.add(loc, "contain_minutes", f"must be ≥ acknowledge_minutes ({ack}), got {contain}")
        if _valid(contain, resolve) and resolve < contain:
            errors.add(loc, "resolve_minutes", f"must be ≥ contain_minutes ({contain}), got {resolve}")
