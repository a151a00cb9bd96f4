"""The vendor pages: contract, contacts (stale ones flagged), who may engage them, dependent areas."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from .. import models as m
from .common import is_stale


@dataclass
class ContactView:
    contact: m.VendorContact
    stale: bool


@dataclass
class VendorPage:
    vendor: m.Vendor
    contacts: list[ContactView]
    areas: list[m.ProductArea]  # areas that depend on the vendor, with their owner teams


@dataclass
class VendorRow:
    vendor: m.Vendor
    contacts: int
    stale_contacts: int
    areas: list[m.ProductArea]


def _areas():
    return m.ProductArea.objects.select_related("owner_team").order_by("name")


def vendor_page(key: str, now: dt.datetime | None = None) -> VendorPage | None:
    now = now or timezone.now()
    vendor = (
        m.Vendor.objects.select_related("relationship_owner")
        .prefetch_related("contacts", Prefetch("dependent_areas", queryset=_areas()))
        .filter(key=key)
        .first()
    )
    if vendor is None:
        return None
    return VendorPage(
        vendor=vendor,
        contacts=[ContactView(c, is_stale(c.confirmed_at, now)) for c in vendor.contacts.all()],
        areas=list(vendor.dependent_areas.all()),
    )


def vendor_list(now: dt.datetime | None = None) -> list[VendorRow]:
    now = now or timezone.now()
    vendors = m.Vendor.objects.select_related("relationship_owner").prefetch_related(
        "contacts", Prefetch("dependent_areas", queryset=_areas())
    )
    return [
        VendorRow(
            vendor=v,
            contacts=len(v.contacts.all()),
            stale_contacts=sum(is_stale(c.confirmed_at, now) for c in v.contacts.all()),
            areas=list(v.dependent_areas.all()),
        )
        for v in vendors
    ]
