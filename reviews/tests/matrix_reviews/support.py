"""Shared set-up of the quarterly matrix review tests (``test_matrix_review_*.py``).

``org()`` builds the incidents' small matrix (``incident_matrix``) as it stood on ``START`` — its history
begins then, which is the "first deploy" — plus a roster for Checkout: Nora its product manager (an owner)
and Pat its on-call responder (not an owner). So:

- Checkout (Payments): owners Lena (Payments' lead) and Nora; Search (Platform): owner Pete;
  Onboarding: no owner team, nobody on its roster — only a manager can attest it.
- Managers: Max (the first, so the default review owner) and Vera.
"""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from escalation_matrix.roles import RESPONDERS
from incidents.tests.factories import incident_matrix
from matrix.models import AreaRosterEntry, RosterRole
from matrix.tests.factories import user_in_role
from notifications.models import Notification
from reviews.matrix_reviews.services import matrix_review_attest, matrix_review_open
from reviews.models import MatrixReview

START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)  # the matrix's first recorded change: a Monday
FIRST_DUE = dt.date(2026, 4, 6)  # START + 91 days


def org() -> dict:
    with time_machine.travel(START, tick=False):
        mx = incident_matrix()
        nora = user_in_role(RESPONDERS, username="nora", first_name="Nora", last_name="North",
                            email="nora@example.com")
        AreaRosterEntry.objects.create(area=mx["checkout"], role=RosterRole.PRODUCT_MANAGER, user=nora)
        AreaRosterEntry.objects.create(area=mx["checkout"], role=RosterRole.ON_CALL_RESPONDER, user=mx["pat"])
    return {**mx, "nora": nora}


def open_review(now: dt.datetime = START + dt.timedelta(days=1)) -> MatrixReview:
    return matrix_review_open(now=now)


def attest_all(review: MatrixReview, mx: dict, now: dt.datetime | None = None) -> None:
    """Every area attested: by an owner where there is one, by a manager otherwise."""
    matrix_review_attest(review=review, area="checkout", user=mx["lena"], now=now)
    matrix_review_attest(review=review, area="search", user=mx["pete"], now=now)
    matrix_review_attest(review=review, area="onboarding", user=mx["max"], now=now)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def told(event: str) -> list[str]:
    """Usernames told of ``event`` (a payload event), in the order they were told."""
    return list(Notification.objects.filter(payload__event=event).order_by("pk").values_list("user__username",
                                                                                               flat=True))
