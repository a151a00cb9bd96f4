"""`manage.py loaddemo`: a believable, idempotent demo organisation with one login per role (and everyone
else signing in with the same password)."""

import datetime as dt
import io

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from matrix import models as m
from matrix.demo.people import EXAMPLE_PEOPLE, PEOPLE
from matrix.lint import ERROR, lint
from matrix.models import MATRIX_MODELS
from matrix.routing import RouteRequest, route
from matrix.snapshot import MatrixSnapshot

User = get_user_model()

ROLE_GROUPS = {
    "manager": "Managers", "approver": "Approvers", "agent": "Support agents", "responder": "Responders",
    "lead": "Incident leads", "exec": "Executives",
}


def loaddemo() -> str:
    out = io.StringIO()
    call_command("loaddemo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module inside a transaction that is rolled back at the end.

    Each test's own transaction nests inside it (as a savepoint), so a test may change the demo freely,
    and no other test module ever sees it.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield loaddemo()
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_loaded, db) -> str:
    """The output of ``loaddemo`` (its rows are in the database for this test)."""
    return demo_loaded


def footprint() -> dict[str, int]:
    """Row counts of everything the demo writes, history included."""
    counts = {"users": User.objects.count(), "user groups": User.groups.through.objects.count()}
    for model in MATRIX_MODELS:
        counts[model.__name__] = model.objects.count()
        counts[f"{model.__name__} history"] = model.history.count()
    for through in (m.ProductArea.depends_on_areas.through, m.ProductArea.depends_on_vendors.through,
                    m.EscalationStep.notify_users.through):
        counts[through.__name__] = through.objects.count()
    return counts


def test_loaddemo_builds_a_whole_organisation(demo):
    assert set(m.Team.objects.values_list("key", flat=True)) == {
        "support-tier-1", "support-tier-2", "sre", "payments", "platform", "mobile", "customer-success", "product",
    }
    assert m.Team.objects.get(is_triage=True).key == "support-tier-1"
    assert m.ProductArea.objects.count() == 11
    assert set(m.ProductArea.objects.values_list("lifecycle_stage", flat=True)) == set(m.LifecycleStage.values)
    assert m.ProductArea.objects.get(key="payments").parent.key == "checkout"
    assert set(m.Vendor.objects.values_list("name", flat=True)) == {"PayFlow", "MailPost", "EdgeFast"}
    assert list(m.Tier.objects.values_list("name", flat=True)) == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert m.PriorityCell.objects.count() == m.Impact.objects.count() * m.Urgency.objects.count() == 16
    assert 20 <= m.RoutingRule.objects.filter(active=True).count() <= 25
    assert User.objects.count() >= 26  # six logins and twenty-odd colleagues


def test_loaddemo_prints_one_login_line_per_role(demo):
    lines = [line for line in demo.splitlines() if " / demo" in line]
    assert len(lines) == len(ROLE_GROUPS)
    for (username, group), line in zip(ROLE_GROUPS.items(), lines, strict=True):
        assert line.startswith(f"  {username} / demo ")
        assert f"— {group}: " in line


def test_running_loaddemo_again_changes_nothing_and_writes_no_history(demo):
    before = footprint()
    updated = {model.__name__: sorted(model.objects.values_list("pk", "updated_at")) for model in MATRIX_MODELS}

    loaddemo()

    assert footprint() == before
    assert {model.__name__: sorted(model.objects.values_list("pk", "updated_at")) for model in MATRIX_MODELS} == updated


def test_running_loaddemo_weeks_later_keeps_what_it_dated_on_first_load(demo):
    before = footprint()
    override = m.RotationOverride.objects.get()
    confirmed = dict(m.VendorContact.objects.values_list("name", "confirmed_at"))

    with time_machine.travel(timezone.now() + dt.timedelta(days=45), tick=False):
        loaddemo()

    assert footprint() == before
    assert m.RotationOverride.objects.get().starts_at == override.starts_at
    assert dict(m.VendorContact.objects.values_list("name", "confirmed_at")) == confirmed


def test_loaddemo_repairs_a_demo_object_someone_changed(demo):
    area = m.ProductArea.objects.get(key="checkout")
    area.owner_team = m.Team.objects.get(key="mobile")
    area.save()

    loaddemo()

    area.refresh_from_db()
    assert area.owner_team.key == "payments"
    assert area.history.first().history_change_reason == "Demo organisation"


def test_every_matrix_record_is_written_with_the_demo_reason(demo):
    for model in MATRIX_MODELS:
        reasons = set(model.history.values_list("history_change_reason", flat=True))
        # …or with the reason of one of the demo's past approved changes (matrix.demo.past).
        story = {reason for reason in reasons if reason.endswith(" — by manager, approved by approver")}
        assert reasons - story == {"Demo organisation"}, model.__name__
        assert model.history.filter(history_type="+").count() == model.objects.count(), model.__name__


@pytest.mark.parametrize(
    ("area", "impact", "urgency", "title", "segment", "channel", "team", "fallback"),
    [
        ("checkout", "significant", "high", "Refunds fail with an error", "", "web_form", "payments", "rule"),
        ("payments", "extensive", "critical", "Card declined for every customer", "", "", "payments", "rule"),
        ("notifications", "significant", "high", "Push notifications not arriving on iPhone", "", "", "mobile", "rule"),
        ("checkout", "moderate", "medium", "Customer locked out after changing email", "", "", "platform", "rule"),
        ("public-api", "moderate", "high", "Integration gets too many requests", "", "api", "platform", "rule"),
        ("search", "minor", "low", "A product is missing from results", "enterprise", "", "support-tier-2", "rule"),
        ("public-api", "extensive", "critical", "Error rate above 5%", "", "monitoring", "sre", "rule"),
        ("data-exports", "moderate", "high", "Nightly export timed out", "", "", "sre", "rule"),
        ("checkout", "minor", "medium", "Promo code not applied", "", "", "product", "rule"),
        ("admin-console", "moderate", "medium", "Agent gets access denied on a customer", "", "", "support-tier-2",
         "rule"),
        ("search", "moderate", "medium", "Filters return nothing", "", "web_form", "platform", "area_owner"),
        ("mobile-app", "minor", "low", "Dark mode colours look off", "", "", "mobile", "area_owner"),
        ("legacy-onboarding", "moderate", "medium", "Old wizard hangs on step 3", "", "", "support-tier-1",
         "triage_team"),
    ],
)
def test_realistic_incidents_reach_the_expected_team(demo, area, impact, urgency, title, segment, channel, team,
                                                     fallback):
    decision = route(RouteRequest(area=area, impact=impact, urgency=urgency, title=title,
                                  customer_segment=segment, channel=channel))

    assert (decision.team.key, decision.fallback) == (team, fallback), decision.explanation
    assert decision.on_call is not None


def test_a_security_report_is_raised_to_sev1_whatever_the_form_said(demo):
    decision = route(RouteRequest(area="login", impact="minor", urgency="low", title="Possible credential stuffing"))

    assert (decision.team.key, decision.tier.key, decision.playbook.key) == ("sre", "sev1", "major-incident")


@pytest.mark.parametrize(
    ("area", "urgency", "policy", "playbook"),
    [
        ("payments", "critical", "payments-sev1", "payments-failures"),  # area beats lifecycle stage
        ("checkout", "high", "checkout-sev2", "checkout-degradation"),
        ("login", "critical", "mature-sev1", "login-problems"),
        ("onboarding", "critical", "beta-sev1", "major-incident"),
        ("data-exports", "high", "incubating-sev2", "general-incident"),
        ("notifications", "critical", "default-sev1", "major-incident"),
        ("notifications", "low", "default-sev3", "general-incident"),
    ],
)
def test_areas_get_their_own_or_their_lifecycle_stage_policy(demo, area, urgency, policy, playbook):
    decision = route(RouteRequest(area=area, impact="extensive", urgency=urgency, title="Broken for everyone"))

    assert decision.fallback == "area_owner"
    assert (decision.policy.key, decision.playbook.key) == (policy, playbook)
    assert decision.steps[0].delay_minutes == 0


def test_early_stage_policies_bring_in_developers_and_product_managers(demo):
    roles = set(m.EscalationStep.objects.filter(policy__key="beta-sev1").values_list("notify_role", flat=True))

    assert {m.MembershipRole.RESPONDER, m.MembershipRole.PRODUCT_MANAGER} <= roles


def test_lint_finds_no_error_but_the_deliberate_ownerless_area(demo):
    errors = [(f.code, f.subject_key) for f in lint() if f.severity == ERROR]

    assert errors == [("area-no-owner", "legacy-onboarding")]


def test_lint_shows_the_vendor_contacts_confirmed_long_ago(demo):
    stale = {f.subject_key for f in lint() if f.code == "vendor-contact-stale"}

    assert stale == {"payflow", "mailpost"}


@pytest.mark.parametrize(("username", "group"), ROLE_GROUPS.items())
def test_every_role_can_log_in_with_the_demo_password(demo, client, username, group):
    response = client.post(reverse("login"), {"username": username, "password": "demo"})

    assert response.status_code == 302, "login refused"
    user = User.objects.get(username=username)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert list(user.groups.values_list("name", flat=True)) == [group]
    assert user.is_staff == (group in ("Managers", "Approvers"))


def test_the_responder_login_takes_turns_on_call(demo):
    assert m.RotationMember.objects.filter(user__username="responder").exists()


def test_every_demo_person_can_log_in_with_the_demo_password(demo, client):
    # Whoever the matrix says is on call can be played: colleagues sign in like the role logins.
    people = User.objects.filter(username__in=PEOPLE)
    assert people.count() == len(PEOPLE)
    for person in people:
        assert person.check_password("demo"), person.username
    response = client.post(reverse("login"), {"username": "sarah.kim", "password": "demo"})

    assert response.status_code == 302, "login refused"
    assert client.session["_auth_user_id"] == str(User.objects.get(username="sarah.kim").pk)


def test_loaddemo_says_everyone_can_log_in_and_names_people_who_exist(demo):
    assert "…or as anyone else in the demo, with the same password (e.g. sarah.kim, oliver.grant" in demo
    assert set(EXAMPLE_PEOPLE) <= set(PEOPLE)
    on_call_somewhere = set(m.RotationMember.objects.values_list("user__username", flat=True))
    assert set(EXAMPLE_PEOPLE) <= on_call_somewhere


def test_a_colleague_left_without_a_password_by_an_older_demo_gets_the_demo_password(demo):
    colleague = User.objects.get(username="sarah.kim")
    colleague.set_unusable_password()
    colleague.save()

    loaddemo()

    colleague.refresh_from_db()
    assert colleague.check_password("demo")


def test_a_password_hash_is_computed_once_per_load_and_not_at_all_when_nobody_needs_it(demo, monkeypatch):
    from matrix.demo import people

    hashed = []
    monkeypatch.setattr(people, "make_password", lambda raw: hashed.append(raw) or f"md5$x${raw}")
    for username in ("sarah.kim", "oliver.grant"):
        User.objects.filter(username=username).update(password="!unusable")

    loaddemo()
    assert hashed == ["demo"]

    loaddemo()
    assert hashed == ["demo"]  # everyone has a password now: nothing to hash


@pytest.mark.parametrize("username", ["manager", "sarah.kim"])
def test_a_password_changed_after_loading_is_kept(demo, username):
    person = User.objects.get(username=username)
    person.set_password("a-better-password-2026")
    person.save()

    loaddemo()

    person.refresh_from_db()
    assert person.check_password("a-better-password-2026")


def test_every_team_that_owns_an_area_has_someone_active_on_call_for_the_next_fortnight(demo):
    owners = m.Team.objects.filter(owned_areas__isnull=False).distinct()
    assert {team.key for team in owners} == {"payments", "platform", "mobile", "product"}
    start = timezone.now()
    for hours in range(0, 14 * 24, 5):
        snapshot = MatrixSnapshot(now=start + dt.timedelta(hours=hours))
        for team in owners:
            person = snapshot.on_call(team.pk)
            assert person is not None and person.is_active, f"{team.key} at +{hours}h"


def test_the_cover_arrangement_is_in_force_when_the_demo_is_first_loaded(demo):
    override = m.RotationOverride.objects.select_related("rotation__team").get()

    assert override.covers is not None and override.covers != override.user
    assert MatrixSnapshot().on_call(override.rotation.team_id) == override.user


def test_playbooks_use_every_kind_of_checklist_item_and_triage_field(demo):
    assert set(m.ChecklistItem.objects.values_list("kind", flat=True)) == set(m.ChecklistKind.values)
    assert set(m.TriageField.objects.values_list("field_type", flat=True)) == set(m.TriageFieldType.values)
    for playbook in m.Playbook.objects.all():
        assert playbook.scenario and playbook.incident_note_template, playbook.key
        assert playbook.customer_update_template and playbook.review_template, playbook.key


def test_vendors_say_who_owns_them_who_may_engage_them_and_what_to_do_without_them(demo):
    for vendor in m.Vendor.objects.all():
        assert vendor.relationship_owner is not None
        assert vendor.engagement_policy and vendor.fallback_plan and vendor.contract_sla
        assert vendor.contacts.exists()
        assert vendor.dependent_areas.exists()


def test_teams_have_contact_channels_of_every_kind(demo):
    assert set(m.ContactChannel.objects.values_list("kind", flat=True)) == set(m.ChannelKind.values)
    slack = m.ContactChannel.objects.filter(kind=m.ChannelKind.SLACK).first()
    assert slack.target.startswith("https://hooks.slack.example/")


def test_loaddemo_refuses_what_looks_like_production(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["escalations.example.com"]
    with pytest.raises(CommandError, match="Refusing to load the demo organisation"):
        call_command("loaddemo")
