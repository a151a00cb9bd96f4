"""The matrix file: export, import (round trips, in-place updates, deletions, history) and the commands."""

import copy
import json

import pytest
import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from matrix import models as m
from matrix.matrix_file import export_data, export_yaml, import_data, import_yaml
from matrix.matrix_file.schema import LIST_SECTIONS, SECTIONS
from matrix.tests import factories as f
from matrix.tests.matrix_file_fixtures import empty_database, rich_matrix

pytestmark = pytest.mark.django_db
User = get_user_model()


def history_rows() -> int:
    return sum(model.history.count() for model in m.MATRIX_MODELS)


def walk(value):
    """Every mapping key anywhere in the data."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


# --- export ----------------------------------------------------------------------------------------

def test_export_names_everything_by_key_and_lists_only_people_the_matrix_mentions():
    rich_matrix()
    data = export_data()

    assert list(data) == ["version", "people", "teams", "vendors", "areas", "impacts", "urgencies", "tiers",
                          "priority_matrix", "policies", "rules", "playbooks"]
    assert "id" not in set(walk(data)) and "pk" not in set(walk(data))
    assert [p["username"] for p in data["people"]] == ["alice", "bob", "carol", "dave"]
    assert [t["key"] for t in data["teams"]] == ["payments", "sre", "support-1"]
    checkout = next(a for a in data["areas"] if a["key"] == "checkout")
    assert checkout["parent"] == "shop" and checkout["owner_team"] == "payments"
    assert checkout["depends_on_areas"] == ["onboarding", "shop"]
    assert checkout["depends_on_vendors"] == ["cdn", "psp"]
    assert [r["key"] for r in data["rules"]] == ["refunds", "old-rule"]  # by order
    assert data["rules"][0]["playbook_override"] == "payment-failures"
    payments = data["teams"][0]
    assert payments["rotations"][0]["members"] == ["alice", "bob", "alice"]
    assert payments["rotations"][0]["overrides"][0]["covers"] == "alice"
    assert data["policies"][0]["steps"][1]["notify_users"] == ["carol", "dave"]
    assert data["priority_matrix"]["extensive"] == {"critical": "sev1", "high": "sev2", "medium": "sev2", "low": "sev3"}
    json.dumps(data)  # the API serves it as JSON


def test_export_can_leave_out_webhook_secrets():
    rich_matrix()
    channels = export_data(include_secrets=False)["teams"][0]["channels"]
    assert channels and all("secret" not in c for c in channels)
    assert "s3cret" in export_yaml()


def test_export_query_count_does_not_grow_with_the_matrix():
    rich_matrix()
    with CaptureQueriesContext(connection) as small:
        export_data()
    for n in range(10):
        team = f.TeamFactory(key=f"extra-{n}")
        f.MembershipFactory(team=team)
        area = f.AreaFactory(key=f"extra-area-{n}", owner_team=team)
        area.depends_on_vendors.add(m.Vendor.objects.get(key="psp"))
        f.StepFactory(policy=f.PolicyFactory(key=f"extra-policy-{n}")).notify_users.add(f.UserFactory())
    with CaptureQueriesContext(connection) as large:
        export_data()
    assert len(large) == len(small)


# --- round trips ---------------------------------------------------------------------------------

def test_round_trip_into_an_empty_database_gives_byte_identical_yaml():
    rich_matrix()
    text = export_yaml()
    empty_database()

    result = import_yaml(text, reason="Restore from backup")

    assert export_yaml() == text
    assert result.count("created") > 50 and result.count("deleted") == 0
    carol = User.objects.get(username="carol")
    assert not carol.is_active and not carol.has_usable_password()
    assert not User.objects.get(username="alice").has_usable_password()
    assert not User.objects.filter(username="unrelated").exists()


def test_round_trip_in_place_changes_nothing_and_writes_no_history():
    rich_matrix()
    text = export_yaml()
    before = history_rows()

    result = import_yaml(text, reason="No-op")

    assert result.changes == [] and result.warnings == []
    assert result.unchanged > 50
    assert history_rows() == before
    assert export_yaml() == text


def test_import_makes_the_matrix_exactly_what_the_file_says():
    rich_matrix()
    data = export_data()
    edited = copy.deepcopy(data)
    teams = {t["key"]: t for t in edited["teams"]}
    teams["payments"]["name"] = "Payments & billing"
    teams["payments"]["members"] = [{"user": "alice", "role": "lead"}, {"user": "dave", "role": "responder"}]
    teams["payments"]["channels"] = teams["payments"]["channels"][1:]
    teams["payments"]["rotations"][0]["members"] = ["bob", "alice"]
    teams["payments"]["rotations"][0]["overrides"] = teams["payments"]["rotations"][0]["overrides"][1:]
    teams["payments"]["rotations"] = teams["payments"]["rotations"][:1]
    teams["sre"]["is_triage"], teams["support-1"]["is_triage"] = True, False  # the triage team moves
    edited["vendors"] = [v for v in edited["vendors"] if v["key"] != "cdn"]
    areas = {a["key"]: a for a in edited["areas"]}
    areas["checkout"].update(owner_team="sre", parent=None, depends_on_areas=["shop"], depends_on_vendors=["psp"],
                             roster=[{"role": "lead_engineer", "user": "bob"}])
    areas["shop"]["parent"] = "checkout"  # parent and child swap places
    edited["areas"] = [a for a in edited["areas"] if a["key"] != "onboarding"]
    sev1, sev2 = edited["tiers"][0], edited["tiers"][1]
    sev1["rank"], sev2["rank"] = 2, 1  # swapped ranks must not collide
    edited["tiers"] = [sev2, sev1, *edited["tiers"][2:]]
    edited["priority_matrix"]["extensive"]["critical"] = "sev2"
    del edited["priority_matrix"]["minor"]["low"]
    policy = edited["policies"][0]
    policy["steps"] = policy["steps"][1:]  # step 1 goes: the others move up
    policy["steps"][0]["notify_users"] = ["bob"]
    refunds, old = edited["rules"]
    refunds["order"], old["order"] = 20, 10  # swapped orders must not collide
    refunds["tier_override"] = None
    edited["rules"] = [old, refunds, {**old, "key": "new-rule", "name": "New rule", "order": 30}]
    edited["playbooks"] = [p for p in edited["playbooks"] if p["key"] != "generic"]
    playbook = edited["playbooks"][0]
    playbook["checklist"] = [playbook["checklist"][1], {"kind": "confirm", "text": "Payments succeed again"}]
    playbook["triage_fields"] = list(reversed(playbook["triage_fields"]))
    edited["people"] = [p for p in edited["people"] if p["username"] != "carol"]  # no longer mentioned

    result = import_data(edited, reason="Reorganisation")

    assert export_data() == edited
    assert result.count("deleted") > 0 and result.count("created") > 0 and result.count("updated") > 0
    assert User.objects.filter(username="carol").exists()  # people are never deleted
    assert m.Team.objects.get(is_triage=True).key == "sre"
    assert not m.Vendor.objects.filter(key="cdn").exists()
    assert m.EscalationStep.objects.filter(policy__key="checkout-sev1").count() == 2


def test_every_history_row_an_import_writes_carries_its_reason_and_author():
    rich_matrix()
    importer = f.UserFactory(username="importer")
    edited = export_data()
    edited["teams"][0]["name"] = "Renamed"  # an update
    edited["areas"][0]["depends_on_vendors"] = []  # a many-to-many change
    edited["rules"] = edited["rules"][:1]  # a deletion
    edited["vendors"][0]["contacts"] = [{"name": "New contact"}]  # a creation (defaults for the rest)
    before = {model: set(model.history.values_list("history_id", flat=True)) for model in m.MATRIX_MODELS}

    import_data(edited, reason="Quarterly clean-up", user=importer)

    written = [row for model in m.MATRIX_MODELS for row in model.history.exclude(history_id__in=before[model])]
    assert {row.history_type for row in written} == {"+", "~", "-"}
    assert {row.history_change_reason for row in written} == {"Quarterly clean-up"}
    assert {row.history_user for row in written} == {importer}


def test_an_empty_file_empties_the_matrix_but_keeps_the_people():
    rich_matrix()
    result = import_yaml("version: 1\n", reason="Start over")
    assert all(not model.objects.exists() for model in m.MATRIX_MODELS)
    assert User.objects.filter(username="alice").exists()
    assert result.count("deleted") > 50


def test_dry_run_reports_the_changes_and_saves_nothing():
    rich_matrix()
    text = export_yaml()
    edited = export_data()
    edited["teams"][0]["name"] = "Renamed"
    edited["rules"] = []

    result = import_data(edited, reason="Try it", dry_run=True)

    assert result.dry_run
    assert [str(c) for c in result.changes if c.action == "updated"] == ["updated teams[0] (key 'payments'): name"]
    assert result.count("deleted") == 2
    assert export_yaml() == text


def test_existing_accounts_are_left_unchanged_with_a_warning():
    rich_matrix()
    edited = export_data()
    edited["people"][0]["email"] = "someone-else@example.com"
    edited["people"][0]["active"] = False

    result = import_data(edited, reason="Sync")

    alice = User.objects.get(username="alice")
    assert alice.email == "alice@example.com" and alice.is_active
    assert result.warnings == [
        "people[0] (username 'alice'): an account with this username exists and differs in email, active; "
        "it was left unchanged"
    ]


def test_omitted_optional_fields_take_their_documented_defaults():
    import_yaml(
        "version: 1\n"
        "teams:\n- key: sre\n  name: SRE\n"
        "areas:\n- key: search\n  name: Search\n",
        reason="Minimal",
    )
    team = m.Team.objects.get(key="sre")
    assert (team.time_zone, team.working_days, team.is_triage) == ("UTC", "0,1,2,3,4", False)
    area = m.ProductArea.objects.get(key="search")
    assert (area.lifecycle_stage, area.owner_team, area.parent) == ("ga", None, None)


# --- the commands --------------------------------------------------------------------------------

def test_export_command_writes_the_yaml_to_stdout_or_a_file(tmp_path, capsys):
    rich_matrix()
    call_command("export_matrix")
    assert capsys.readouterr().out == export_yaml()

    target = tmp_path / "matrix.yaml"
    call_command("export_matrix", str(target))
    assert target.read_text() == export_yaml()
    assert f"Exported the matrix to {target}." in capsys.readouterr().out


def test_import_command_applies_a_file_and_records_the_reason(tmp_path, capsys):
    rich_matrix()
    data = export_data()
    data["teams"][1]["name"] = "Site reliability"
    path = tmp_path / "matrix.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))

    call_command("import_matrix", str(path), "--reason", "Rename SRE")

    assert "0 created, 1 updated, 0 deleted" in capsys.readouterr().out
    team = m.Team.objects.get(key="sre")
    assert team.name == "Site reliability"
    assert team.history.first().history_change_reason == "Rename SRE"


def test_import_command_reports_its_summary_and_defaults_the_reason_to_the_file_name(tmp_path, capsys):
    rich_matrix()
    data = export_data()
    data["teams"][1]["name"] = "Site reliability"
    path = tmp_path / "matrix.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))

    call_command("import_matrix", str(path))

    assert f"Imported {path}: 0 created, 1 updated, 0 deleted" in capsys.readouterr().out
    assert m.Team.objects.get(key="sre").history.first().history_change_reason == "Imported from matrix.yaml"

    call_command("import_matrix", str(path))
    assert "the matrix already matched it; nothing changed" in capsys.readouterr().out


def test_import_command_dry_run_lists_changes_and_saves_nothing(tmp_path, capsys):
    rich_matrix()
    data = export_data()
    data["teams"][1]["name"] = "Site reliability"
    path = tmp_path / "matrix.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))

    call_command("import_matrix", str(path), "--dry-run")

    out = capsys.readouterr().out
    assert "updated teams[1] (key 'sre'): name" in out
    assert "Dry run: the import would make 0 created, 1 updated, 0 deleted" in out
    assert "Nothing was changed." in out
    assert m.Team.objects.get(key="sre").name == "SRE"


def test_import_command_fails_with_every_error_and_changes_nothing(tmp_path):
    rich_matrix()
    text = export_yaml()
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace("owner_team: payments", "owner_team: paymnts").replace("rank: 2\n", "rank: soon\n", 1))

    with pytest.raises(CommandError) as failure:
        call_command("import_matrix", str(path))

    message = str(failure.value)
    assert failure.value.returncode == 1
    assert message.startswith(f"{path}: 2 errors:\n")
    assert "areas[0] (key 'checkout').owner_team: unknown team 'paymnts' (line " in message
    assert "impacts[1] (key 'significant').rank: must be a whole number ≥ 0, got 'soon' (line " in message
    assert message.endswith("\nNothing was changed.")
    assert export_yaml() == text


def test_import_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.yaml.*\nNothing was changed\."):
        call_command("import_matrix", str(tmp_path / "missing.yaml"))


# --- the documentation ---------------------------------------------------------------------------

DOCS = settings.BASE_DIR / "docs" / "matrix-file.md"


def test_the_documented_example_imports_and_exports_with_its_defaults_filled_in():
    text = DOCS.read_text(encoding="utf-8")
    example = text.split("## Example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]

    result = import_yaml(example, reason="Docs example")

    assert result.count("created") > 10
    exported = export_data()
    assert exported["teams"][0]["workday_end"] == "17:00"  # a default the example leaves out
    assert exported["rules"][0]["team"] == "payments"


def test_the_documentation_names_every_section_and_field():
    text = DOCS.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f"`{section}`" in text, section

    def fields(entry):
        for field in entry.fields:
            yield field.name
            if field.entry is not None:
                yield from fields(field.entry)

    missing = {name for entry in LIST_SECTIONS.values() for name in fields(entry) if f"`{name}`" not in text}
    assert missing == set()


def test_areas_can_be_deleted_whatever_their_parents_even_a_cycle_made_outside_the_file():
    rich_matrix()
    m.ProductArea.objects.filter(key="shop").update(parent=m.ProductArea.objects.get(key="checkout"))
    edited = export_data()
    edited["areas"] = [a for a in edited["areas"] if a["key"] == "onboarding"]
    edited["policies"] = [p for p in edited["policies"] if p["area"] is None]
    edited["playbooks"] = [p for p in edited["playbooks"] if p["area"] is None]
    edited["rules"] = [r for r in edited["rules"] if r["area"] is None]

    import_data(edited, reason="Retire the shop")

    assert list(m.ProductArea.objects.values_list("key", flat=True)) == ["onboarding"]
    deleted = m.ProductArea.history.filter(history_type="-", key="shop").get()
    assert deleted.parent_id is not None and deleted.history_change_reason == "Retire the shop"
