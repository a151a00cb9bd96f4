"""The vendor pages: contract SLA, contacts (stale flagged), owner, who may engage, fallback, areas."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from matrix import models as m
from matrix.tests import factories as f


@pytest.fixture
def stripe(db, settings):
    settings.MATRIX_CONTACT_STALE_DAYS = 90
    vendor = f.VendorFactory(
        key="stripe", name="Stripe", contract_sla="Response within 1 hour for P1.",
        engagement_policy="Only the payments lead may open a P1 with Stripe.", fallback_plan="Switch to Adyen.",
        relationship_owner=f.UserFactory(username="vic", first_name="Vic", last_name="Vance"),
    )
    m.VendorContact.objects.create(vendor=vendor, name="Sam Support", email="sam@stripe.example",
                                   confirmed_at=timezone.now() - dt.timedelta(days=10))
    m.VendorContact.objects.create(vendor=vendor, name="Olga Old", confirmed_at=None)
    payments = f.TeamFactory(key="payments", name="Payments")
    f.AreaFactory(key="checkout", name="Checkout", owner_team=payments).depends_on_vendors.add(vendor)
    return vendor


def test_vendor_page_shows_contract_contacts_owner_engagement_fallback_and_areas(agent_client, stripe):
    response = agent_client.get(reverse("matrix:vendor_detail", args=["stripe"]))

    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Response within 1 hour for P1.", "Only the payments lead may open a P1 with Stripe.",
                 "Switch to Adyen.", "Sam Support", "sam@stripe.example", "Vic Vance"):
        assert text in html
    assert [(c.contact.name, c.stale) for c in response.context["page"].contacts] == [
        ("Olga Old", True), ("Sam Support", False),
    ]
    assert f'href="{reverse("matrix:area_detail", args=["checkout"])}">Checkout</a>' in html
    assert f'href="{reverse("matrix:team_detail", args=["payments"])}">Payments</a>' in html


def test_vendor_list_shows_each_vendor_with_its_stale_contacts_and_areas(agent_client, stripe):
    f.VendorFactory(key="mailer", name="Mailer")

    response = agent_client.get(reverse("matrix:vendor_list"))

    assert response.status_code == 200
    rows = {row.vendor.key: row for row in response.context["rows"]}
    assert (rows["stripe"].contacts, rows["stripe"].stale_contacts) == (2, 1)
    assert [a.key for a in rows["stripe"].areas] == ["checkout"]
    assert rows["mailer"].contacts == 0
    html = response.content.decode()
    assert f'href="{reverse("matrix:vendor_detail", args=["mailer"])}">Mailer</a>' in html
    assert "1 not confirmed recently" in html


def test_unknown_vendor_is_not_found(agent_client, stripe):
    assert agent_client.get(reverse("matrix:vendor_detail", args=["nope"])).status_code == 404
