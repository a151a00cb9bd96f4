"""Every kind of bad matrix file is refused as a whole: the message names the entry and the field, and
nothing is saved — each file below also carries a valid change that must not be applied."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from matrix import models as m
from matrix.matrix_file import MatrixFileError, export_data, export_yaml, import_data, import_yaml
from matrix.tests.matrix_file_fixtures import rich_matrix

pytestmark = pytest.mark.django_db


def history_rows() -> int:
    return sum(model.history.count() for model in m.MATRIX_MODELS)


@pytest.fixture
def edited():
    """The rich matrix's data with one valid change (a team renamed) that a refused import must not apply."""
    rich_matrix()
    data = export_data()
    data["teams"][0]["name"] = "Renamed payments"
    return data


def refused(source, reason: str = "Test import") -> list[str]:
    """Import ``source`` (data or YAML text), expect a refusal, check nothing changed; the errors."""
    before = (export_yaml(), history_rows(), get_user_model().objects.count())
    with pytest.raises(MatrixFileError) as failure:
        if isinstance(source, str):
            import_yaml(source, reason=reason)
        else:
            import_data(source, reason=reason)
    assert (export_yaml(), history_rows(), get_user_model().objects.count()) == before
    return failure.value.errors


def as_yaml(data: dict) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


# --- the file as a whole ---------------------------------------------------------------------------

def test_invalid_yaml_is_reported_with_its_line(edited):
    text = as_yaml(edited).replace("  name: SRE\n", "  name: SRE\n   bad: [\n", 1)
    [error] = refused(text)
    assert error.startswith(f"invalid YAML at line {line_of(text, 'bad: [')}, column")


def test_a_field_given_twice_in_one_mapping_is_invalid_yaml(edited):
    text = as_yaml(edited).replace("  name: SRE\n", "  name: SRE\n  name: Ops\n", 1)
    assert refused(text) == [f"invalid YAML at line {line_of(text, 'name: Ops')}, column 3: duplicate field 'name' "
                             "in one mapping"]


def test_a_file_that_is_not_a_mapping_is_refused():
    rich_matrix()
    assert refused("- just\n- a list\n") == [
        "the file must be a mapping of sections (version, people, teams, …), got a list"
    ]


def test_unknown_top_level_section(edited):
    edited["rule"] = []
    [error] = refused(edited)
    assert error.startswith("rule: unknown top-level section (expected one of: version, people, teams,")


def test_missing_or_unsupported_version(edited):
    del edited["version"]
    assert refused(edited) == ["version: missing required field (write 'version: 1')"]
    edited["version"] = 2
    assert refused(edited) == ["version: unsupported version 2 (expected 1)"]


def test_a_section_must_be_a_list_of_mappings(edited):
    edited["vendors"] = {"psp": "PayCo"}
    edited["impacts"][2] = "moderate"
    assert refused(edited) == [
        "vendors: must be a list, got a mapping",
        "areas[0] (key 'checkout').depends_on_vendors: unknown vendor 'cdn'",
        "areas[0] (key 'checkout').depends_on_vendors: unknown vendor 'psp'",
        "impacts[2]: must be a mapping of fields, got 'moderate'",
        "priority_matrix.moderate: unknown impact 'moderate'",
    ]


def test_every_error_is_reported_in_one_run(edited):
    edited["areas"][0]["owner_team"] = "paymnts"
    edited["tiers"][1]["acknowledge_minutes"] = "soon"
    text = as_yaml(edited)
    assert refused(text) == [
        f"areas[0] (key 'checkout').owner_team: unknown team 'paymnts' (line {line_of(text, 'paymnts')})",
        f"tiers[1] (key 'sev2').acknowledge_minutes: must be a whole number ≥ 0, got 'soon' "
        f"(line {line_of(text, 'soon')})",
    ]


# --- fields --------------------------------------------------------------------------------------

def test_missing_required_field(edited):
    del edited["teams"][1]["name"]
    del edited["policies"][0]["steps"][0]["delay_minutes"]
    assert refused(edited) == [
        "teams[1] (key 'sre').name: missing required field",
        "policies[0] (key 'checkout-sev1').steps[0].delay_minutes: missing required field",
    ]


def test_unknown_field(edited):
    edited["rules"][0]["teem"] = "payments"
    [error] = refused(edited)
    assert error.startswith("rules[0] (key 'refunds').teem: unknown field (expected one of: key, name, order,")


def test_wrong_types_name_the_entry_the_field_and_the_value(edited):
    edited["tiers"][1]["acknowledge_minutes"] = "soon"
    edited["tiers"][2]["opens_war_room"] = "yes"
    edited["teams"][1]["name"] = 42
    edited["rules"][0]["order"] = -5
    edited["areas"][0]["depends_on_areas"] = "shop"
    assert refused(edited) == [
        "teams[1] (key 'sre').name: must be text, got 42 (put it in quotes)",
        "areas[0] (key 'checkout').depends_on_areas: must be a list, got 'shop'",
        "tiers[1] (key 'sev2').acknowledge_minutes: must be a whole number ≥ 0, got 'soon'",
        "tiers[2] (key 'sev3').opens_war_room: must be true or false, got 'yes'",
        "rules[0] (key 'refunds').order: must be a whole number ≥ 0, got -5",
    ]


def test_keys_must_be_slugs(edited):
    edited["areas"][2]["key"] = "the shop"
    errors = refused(edited)
    assert "areas[2] (key 'the shop').key: must be a key of letters, digits, hyphens and underscores, got 'the shop'" \
        in errors


def test_unquoted_times_get_a_hint(edited):
    text = as_yaml(edited).replace("workday_end: '18:00'", "workday_end: 18:00")
    assert refused(text) == [
        "teams[0] (key 'payments').workday_end: must be a time 'HH:MM', got 1080 (YAML reads an unquoted 17:00 as a "
        f"number: write '17:00') (line {line_of(text, 'workday_end: 18:00')})"
    ]


def test_dates_times_and_time_zones_must_be_valid(edited):
    rotation = edited["teams"][0]["rotations"][0]
    rotation["starts_on"] = "next monday"
    rotation["time_zone"] = "Europe/Pariss"
    rotation["overrides"][0]["starts_at"] = "2026-02-01T09:00:00"  # no offset: ambiguous
    edited["teams"][1]["working_days"] = "mon-fri"
    assert refused(edited) == [
        "teams[0] (key 'payments').rotations[0] (name 'Primary').time_zone: unknown time zone 'Europe/Pariss' "
        "(use an IANA name like 'Europe/Paris')",
        "teams[0] (key 'payments').rotations[0] (name 'Primary').starts_on: must be a date 'YYYY-MM-DD', "
        "got 'next monday'",
        "teams[0] (key 'payments').rotations[0] (name 'Primary').overrides[0] (user 'dave').starts_at: must be a date "
        "and time with a time zone offset, e.g. '2026-01-05T09:00:00+00:00', got '2026-02-01T09:00:00'",
        "teams[1] (key 'sre').working_days: must be comma-separated weekdays 0–6 (Monday = 0), got 'mon-fri'",
    ]


def test_unknown_choice_values(edited):
    edited["areas"][0]["lifecycle_stage"] = "gaa"
    edited["teams"][0]["channels"][0]["kind"] = "pager"
    assert refused(edited) == [
        "teams[0] (key 'payments').channels[0] (target 'payments@example.com').kind: unknown channel kind 'pager' "
        "(expected one of: email, slack, teams, webhook)",
        "areas[0] (key 'checkout').lifecycle_stage: unknown lifecycle stage 'gaa' "
        "(expected one of: incubating, beta, ga, mature, deprecated)",
    ]


def test_model_validators_check_lengths_and_formats(edited):
    edited["teams"][1]["name"] = "x" * 121
    edited["vendors"][1]["support_url"] = "not a url"
    edited["people"][0]["email"] = "alice at example"
    edited["areas"][1]["name"] = ""
    assert refused(edited) == [
        "people[0] (username 'alice').email: Enter a valid email address.",
        "teams[1] (key 'sre').name: Ensure this value has at most 120 characters (it has 121).",
        "vendors[1] (key 'psp').support_url: Enter a valid URL.",
        "areas[1] (key 'onboarding').name: This field cannot be blank.",
    ]


def test_text_with_nul_characters_is_refused(edited):
    edited["playbooks"][1]["scenario"] = "bad\x00byte"
    assert refused(edited) == [
        "playbooks[1] (key 'payment-failures').scenario: must not contain NUL characters"
    ]


def test_model_validation_at_write_time_is_reported_the_same_way_and_rolls_back(edited, monkeypatch):
    # A model rule the file checks do not know about fails while writing, after teams were already saved.
    def clean(self):
        if self.scenario.startswith("# Payments"):
            raise ValidationError({"scenario": "Scenarios may not start with a heading."})

    monkeypatch.setattr(m.Playbook, "clean", clean)
    edited["playbooks"][1]["scenario"] += "More.\n"
    assert refused(edited) == [
        "playbooks[1] (key 'payment-failures').scenario: Scenarios may not start with a heading."
    ]


# --- references ----------------------------------------------------------------------------------

def test_unknown_references_name_the_missing_key(edited):
    edited["areas"][0]["owner_team"] = "paymnts"
    edited["areas"][1]["parent"] = "shopp"
    edited["rules"][0]["playbook_override"] = "payment-failure"
    edited["policies"][0]["tier"] = "sev9"
    assert refused(edited) == [
        "areas[0] (key 'checkout').owner_team: unknown team 'paymnts'",
        "areas[1] (key 'onboarding').parent: unknown area 'shopp'",
        "policies[0] (key 'checkout-sev1').tier: unknown tier 'sev9'",
        "rules[0] (key 'refunds').playbook_override: unknown playbook 'payment-failure'",
    ]


def test_unknown_people(edited):
    edited["people"] = [p for p in edited["people"] if p["username"] != "dave"]
    errors = refused(edited)
    assert "teams[1] (key 'sre').members[0] (user 'dave').user: unknown person 'dave' (add them to people)" in errors
    assert "policies[0] (key 'checkout-sev1').steps[1].notify_users: unknown person 'dave' (add them to people)" \
        in errors


def test_unknown_keys_in_the_priority_matrix(edited):
    edited["priority_matrix"]["extensive"]["critcal"] = "sev1"
    edited["priority_matrix"]["minor"]["low"] = "sev5"
    edited["priority_matrix"]["huge"] = {"low": "sev1"}
    assert refused(edited) == [
        "priority_matrix.extensive.critcal: unknown urgency 'critcal'",
        "priority_matrix.minor.low: unknown tier 'sev5'",
        "priority_matrix.huge: unknown impact 'huge'",
    ]


# --- uniqueness and consistency ------------------------------------------------------------------

def test_duplicate_keys(edited):
    edited["areas"].append({**edited["areas"][0], "name": "Checkout again"})
    edited["people"].append({"username": "bob"})
    assert refused(edited) == [
        "people[4] (username 'bob').username: duplicate username 'bob' (also people[1])",
        "areas[3] (key 'checkout').key: duplicate key 'checkout' (also areas[0])",
    ]


def test_duplicate_rule_orders_and_ranks(edited):
    edited["rules"][1]["order"] = 10
    edited["urgencies"][3]["rank"] = 1
    assert refused(edited) == [
        "urgencies[3] (key 'low').rank: duplicate rank 1 (also urgencies[0])",
        "rules[1] (key 'old-rule').order: duplicate order 10 (also rules[0])",
    ]


def test_duplicate_inline_rows(edited):
    payments = edited["teams"][0]
    payments["members"].append({"user": "bob", "role": "responder"})
    payments["rotations"].append({**payments["rotations"][1], "order": 3})
    edited["playbooks"][1]["triage_fields"][1]["key"] = "order-id"
    edited["policies"][0]["steps"][1]["notify_users"] = ["dave", "dave"]
    assert refused(edited) == [
        "policies[0] (key 'checkout-sev1').steps[1].notify_users: lists 'dave' more than once",
        "teams[0] (key 'payments').members[3] (user 'bob').role: duplicate membership of 'bob' as responder "
        "(also members[2])",
        "teams[0] (key 'payments').rotations[2] (name 'Secondary').name: duplicate rotation name 'Secondary' "
        "(also rotations[1])",
        "playbooks[1] (key 'payment-failures').triage_fields[1] (key 'order-id').key: duplicate triage field key "
        "'order-id' (also triage_fields[0])",
    ]


def test_only_one_triage_team(edited):
    edited["teams"][1]["is_triage"] = True
    assert refused(edited) == ["teams[2] (key 'support-1').is_triage: only one team can be the triage team "
                               "(also teams[1])"]


def test_cycle_in_area_parents(edited):
    edited["areas"][2]["parent"] = "checkout"  # checkout's parent is shop
    assert refused(edited) == ["areas[0] (key 'checkout').parent: cycle in area parents: checkout → shop → checkout"]


def test_an_area_cannot_depend_on_itself(edited):
    edited["areas"][0]["depends_on_areas"].append("checkout")
    assert refused(edited) == ["areas[0] (key 'checkout').depends_on_areas: an area cannot depend on itself"]


def test_tier_targets_out_of_order(edited):
    edited["tiers"][1]["contain_minutes"] = 10  # acknowledge is 15
    edited["tiers"][2]["resolve_minutes"] = 100  # contain is 480
    assert refused(edited) == [
        "tiers[1] (key 'sev2').contain_minutes: must be ≥ acknowledge_minutes (15), got 10",
        "tiers[2] (key 'sev3').resolve_minutes: must be ≥ contain_minutes (480), got 100",
    ]


def test_overrides_must_end_after_they_start(edited):
    override = edited["teams"][0]["rotations"][0]["overrides"][0]
    override["ends_at"] = override["starts_at"]
    assert refused(edited) == [
        "teams[0] (key 'payments').rotations[0] (name 'Primary').overrides[0] (user 'dave').ends_at: must be after "
        "starts_at (2026-02-01T09:00:00+00:00), got 2026-02-01T09:00:00+00:00"
    ]


def test_an_import_needs_a_reason_of_at_most_a_paragraph(edited):
    assert refused(edited, reason="  ") == ["reason: an import needs a reason; it is recorded in the history"]
    assert refused(edited, reason="x" * 1001) == ["reason: must be at most 1000 characters, got 1001"]


def test_an_object_other_records_still_protect_is_not_deleted(edited, monkeypatch):
    # Stands in for records outside the matrix (incidents, reviews) that protect what they point at.
    def delete(self, *args, **kwargs):
        raise ProtectedError("protected", {m.RoutingRule.objects.get(key="refunds")})

    monkeypatch.setattr(m.Vendor, "delete", delete)
    edited["vendors"] = [v for v in edited["vendors"] if v["key"] != "cdn"]
    edited["areas"][0]["depends_on_vendors"] = ["psp"]
    assert refused(edited) == [
        "vendors: cannot delete vendor 'cdn', which the file no longer has: it is still used by routing rule 'refunds'"
    ]
