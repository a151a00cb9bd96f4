"""Factories for matrix data. Keys are stable slugs, as in production."""

import datetime as dt

import factory
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from escalation_matrix.roles import APPROVERS, MANAGERS, sync_roles
from matrix import models as m

User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw")


def user_in_role(role: str, **kwargs) -> User:
    if not Group.objects.filter(name=role).exists():
        # A transactional test's flush removed the groups the migration made: make them again.
        sync_roles(django_apps)
    user = UserFactory(is_staff=role in (MANAGERS, APPROVERS), **kwargs)
    user.groups.add(Group.objects.get(name=role))
    return user


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Team
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"team-{n}")
    name = factory.LazyAttribute(lambda t: t.key.replace("-", " ").title())


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = m.MembershipRole.RESPONDER


class RotationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Rotation

    team = factory.SubFactory(TeamFactory)
    name = "Primary"
    time_zone = "UTC"
    shift_hours = 168
    handoff_time = dt.time(9, 0)
    starts_on = dt.date(2026, 1, 5)


class RotationMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.RotationMember

    rotation = factory.SubFactory(RotationFactory)
    user = factory.SubFactory(UserFactory)
    position = factory.Sequence(lambda n: n + 1)


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Vendor
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"vendor-{n}")
    name = factory.LazyAttribute(lambda v: v.key.title())


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.ProductArea
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"area-{n}")
    name = factory.LazyAttribute(lambda a: a.key.replace("-", " ").title())
    owner_team = factory.SubFactory(TeamFactory)
    lifecycle_stage = m.LifecycleStage.GA


class ImpactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Impact
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"impact-{n}")
    name = factory.LazyAttribute(lambda o: o.key.title())
    rank = factory.Sequence(lambda n: n + 1)


class UrgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Urgency
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"urgency-{n}")
    name = factory.LazyAttribute(lambda o: o.key.title())
    rank = factory.Sequence(lambda n: n + 1)


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Tier
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"sev{n + 1}")
    name = factory.LazyAttribute(lambda o: o.key.upper())
    rank = factory.Sequence(lambda n: n + 1)
    acknowledge_minutes = 15
    contain_minutes = 60
    resolve_minutes = 240


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.EscalationPolicy

    key = factory.Sequence(lambda n: f"policy-{n}")
    name = factory.LazyAttribute(lambda o: o.key.title())


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.EscalationStep

    policy = factory.SubFactory(PolicyFactory)
    position = factory.Sequence(lambda n: n + 1)
    delay_minutes = 0


class PlaybookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Playbook

    key = factory.Sequence(lambda n: f"playbook-{n}")
    name = factory.LazyAttribute(lambda o: o.key.title())


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.RoutingRule

    key = factory.Sequence(lambda n: f"rule-{n}")
    name = factory.LazyAttribute(lambda o: o.key.title())
    order = factory.Sequence(lambda n: (n + 1) * 10)
    team = factory.SubFactory(TeamFactory)


def standard_priority_matrix() -> dict:
    """Four impacts × four urgencies → four tiers, monotonic; returns the objects by key."""
    impact_keys = ["extensive", "significant", "moderate", "minor"]
    impacts = [ImpactFactory(key=k, rank=i + 1) for i, k in enumerate(impact_keys)]
    urgencies = [UrgencyFactory(key=k, rank=i + 1) for i, k in enumerate(["critical", "high", "medium", "low"])]
    tiers = [
        TierFactory(key=f"sev{i + 1}", name=f"SEV{i + 1}", rank=i + 1,
                    acknowledge_minutes=a, contain_minutes=c, resolve_minutes=r)
        for i, (a, c, r) in enumerate([(5, 30, 240), (15, 120, 480), (60, 480, 2880), (240, 1440, 10080)])
    ]
    for i, impact in enumerate(impacts):
        for j, urgency in enumerate(urgencies):
            tier = tiers[min(3, (i + j + 1) // 2)]
            m.PriorityCell.objects.get_or_create(impact=impact, urgency=urgency, defaults={"tier": tier})
    return {
        "impacts": {o.key: o for o in impacts},
        "urgencies": {o.key: o for o in urgencies},
        "tiers": {o.key: o for o in tiers},
    }


class RotationOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.RotationOverride

    rotation = factory.SubFactory(RotationFactory)
    user = factory.SubFactory(UserFactory)
    starts_at = dt.datetime(2026, 1, 7, tzinfo=dt.UTC)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(days=1))


def lint_clean_matrix() -> dict:
    """A small, complete matrix lint finds nothing wrong with (tests break it in one place).

    The standard priority matrix; a triage team "support" and a team "payments", each with a started
    rotation, one member and a confirmed contact; area "checkout" owned by payments; a playbook for every
    area; policy "default" (any tier, one step); vendor "stripe" with a confirmed contact; rule "refunds".
    """
    from django.utils import timezone

    now = timezone.now()
    objects = standard_priority_matrix()
    triage = TeamFactory(key="support", name="Support", is_triage=True)
    payments = TeamFactory(key="payments", name="Payments")
    for team in (triage, payments):
        rotation = RotationFactory(team=team, starts_on=timezone.localdate() - dt.timedelta(days=14))
        RotationMemberFactory(rotation=rotation, position=1, user=UserFactory(username=f"{team.key}-oncall"))
        m.ContactChannel.objects.create(team=team, kind=m.ChannelKind.EMAIL, target=f"{team.key}@example.com",
                                        confirmed_at=now)
    checkout = AreaFactory(key="checkout", name="Checkout", owner_team=payments)
    PlaybookFactory(key="general", name="General")
    policy = PolicyFactory(key="default", name="Default")
    StepFactory(policy=policy, position=1, delay_minutes=5)
    vendor = VendorFactory(key="stripe", name="Stripe")
    m.VendorContact.objects.create(vendor=vendor, name="Stripe support", confirmed_at=now)
    RuleFactory(key="refunds", name="Refunds", order=10, keywords="refund", team=payments, area=checkout)
    return {**objects, "triage": triage, "payments": payments, "checkout": checkout, "policy": policy,
            "vendor": vendor}


class ContactChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.ContactChannel

    team = factory.SubFactory(TeamFactory)
    kind = m.ChannelKind.EMAIL
    target = factory.LazyAttribute(lambda o: f"{o.team.key}@example.com")


class VendorContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.VendorContact

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@vendor.example.com")


class RosterEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.AreaRosterEntry

    area = factory.SubFactory(AreaFactory)
    role = m.RosterRole.LEAD_ENGINEER
    user = factory.SubFactory(UserFactory)


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.ChecklistItem

    playbook = factory.SubFactory(PlaybookFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = m.ChecklistKind.COLLECT
    text = factory.Sequence(lambda n: f"Collect item {n}")


class TriageFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.TriageField

    playbook = factory.SubFactory(PlaybookFactory)
    key = factory.Sequence(lambda n: f"field-{n}")
    label = factory.LazyAttribute(lambda o: o.key.replace("-", " ").capitalize())
    position = factory.Sequence(lambda n: n + 1)
