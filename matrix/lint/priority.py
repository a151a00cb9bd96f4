"""Priority matrix checks: every impact × urgency pair has a tier, and more never means less."""

from __future__ import annotations

from collections.abc import Iterator

from ..snapshot import MatrixSnapshot
from .findings import ERROR, Finding, cell_key


def check_priority_matrix_complete(snapshot: MatrixSnapshot) -> Iterator[Finding]:
    impacts = sorted(snapshot.impacts.values(), key=lambda o: o.rank)
    urgencies = sorted(snapshot.urgencies.values(), key=lambda o: o.rank)
    absent = [name for name, objs in (("impacts", impacts), ("urgencies", urgencies), ("tiers", snapshot.tiers))
              if not objs]
    if absent:
        yield Finding("priority-matrix-empty", ERROR,
                      f"The priority matrix has no {' and no '.join(absent)}: no incident can be given a tier.",
                      "matrix", "priority")
        return
    for impact in impacts:
        for urgency in urgencies:
            if (impact.pk, urgency.pk) not in snapshot.cells:
                yield Finding(
                    "priority-cell-missing", ERROR,
                    f"The priority matrix has no tier for impact {impact.name} × urgency {urgency.name}: "
                    "such incidents cannot be filed.",
                    "cell", cell_key(impact, urgency),
                )


def check_priority_matrix_monotonic(snapshot: MatrixSnapshot) -> Iterator[Finding]:
    """More impact or more urgency (a lower rank) must never give a less severe tier (a higher rank).

    Only neighbouring cells are reported — pairs with no defined cell between them, i.e. one step apart
    on a full matrix — so one wrong cell yields a finding per neighbour rather than one per cell it
    contradicts. That loses nothing: any contradiction between distant cells implies one between some
    neighbours on the path joining them.
    """
    impacts = {o.pk: o for o in snapshot.impacts.values()}
    urgencies = {o.pk: o for o in snapshot.urgencies.values()}
    cells = [
        (impacts[i], urgencies[u], snapshot.tiers[t])
        for (i, u), t in snapshot.cells.items()
        if i in impacts and u in urgencies and t in snapshot.tiers
    ]
    cells.sort(key=lambda c: (c[0].rank, c[1].rank))

    def above(a, b) -> bool:  # a's answers are at least as severe as b's, and a is another cell
        return a is not b and a[0].rank <= b[0].rank and a[1].rank <= b[1].rank

    for worse in cells:
        for milder in cells:
            if not above(worse, milder) or worse[2].rank <= milder[2].rank:
                continue
            if any(above(worse, between) and above(between, milder) for between in cells):
                continue
            (wi, wu, wt), (mi, mu, mt) = worse, milder
            more = " and ".join(word for word, differs in (("impact", wi != mi), ("urgency", wu != mu)) if differs)
            yield Finding(
                "priority-not-monotonic", ERROR,
                f"Impact {wi.name} × urgency {wu.name} gives {wt.name}, less severe than {mt.name} for "
                f"{mi.name} × {mu.name}, although it has more {more}.",
                "cell", cell_key(wi, wu),
            )
