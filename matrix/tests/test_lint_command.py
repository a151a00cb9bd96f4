"""``manage.py lint_matrix``: its output and exit status, and lint's cost on a large matrix."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from matrix import models as m
from matrix.lint import lint
from matrix.tests import factories as f

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str]:
    """The command's exit status and output."""
    out = io.StringIO()
    try:
        call_command("lint_matrix", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_a_clean_matrix_prints_no_findings_and_exits_zero():
    f.lint_clean_matrix()

    assert run() == (0, "No findings.\n")


def test_findings_are_grouped_by_severity_errors_first_and_errors_exit_non_zero():
    f.lint_clean_matrix()
    m.Team.objects.filter(is_triage=True).update(is_triage=False)
    f.AreaFactory(key="orphan", name="Orphan", owner_team=None)

    status, output = run()

    assert status == 1
    assert output.splitlines() == [
        "Errors (1)",
        "  area-no-owner   Area 'Orphan' has no owner team.",
        "Warnings (1)",
        "  no-triage-team  No team is marked as the triage team: an incident in an area with no owner that no rule "
        "matches cannot be routed.",
        "1 error, 1 warning.",
    ]


def test_warnings_alone_are_printed_but_exit_zero():
    f.lint_clean_matrix()
    f.PolicyFactory(key="empty", name="Empty")
    f.TeamFactory(key="product", name="Product")

    status, output = run()

    assert status == 0
    assert output.splitlines()[0] == "Warnings (2)"
    assert output.splitlines()[-1] == "0 errors, 2 warnings."
    assert "  policy-no-steps   Policy 'Empty' has no steps: nobody is escalated to." in output.splitlines()


def test_json_format_lists_every_finding_with_its_subject_and_keeps_the_exit_status():
    f.lint_clean_matrix()
    f.AreaFactory(key="orphan", name="Orphan", owner_team=None)
    f.TeamFactory(key="product", name="Product")

    status, output = run("--format", "json")

    assert status == 1
    assert json.loads(output) == {
        "findings": [
            {"code": "area-no-owner", "severity": "error", "message": "Area 'Orphan' has no owner team.",
             "subject_type": "area", "subject_key": "orphan"},
            {"code": "team-no-rotation", "severity": "warning", "message": "Team Product has no on-call rotation.",
             "subject_type": "team", "subject_key": "product"},
        ],
        "counts": {"error": 1, "warning": 1},
    }


def test_json_format_of_a_clean_matrix_is_an_empty_list_and_exits_zero():
    f.lint_clean_matrix()

    status, output = run("--format", "json")

    assert status == 0
    assert json.loads(output) == {"findings": [], "counts": {"error": 0, "warning": 0}}


def _grow(objects: dict, n: int) -> None:
    """Add ``n`` of each kind of matrix row lint reads, every one of them clean."""
    payments = objects["payments"]
    for i in range(n):
        area = f.AreaFactory(key=f"grown-{i}", owner_team=payments, parent=objects["checkout"])
        team = f.TeamFactory(key=f"grown-team-{i}")
        rotation = f.RotationFactory(team=team, starts_on=payments.rotations.get().starts_on)
        member = f.RotationMemberFactory(rotation=rotation, position=1)
        f.RotationOverrideFactory(rotation=rotation, user=member.user)
        f.MembershipFactory(team=team, user=member.user, role=m.MembershipRole.LEAD)
        step = f.StepFactory(policy=f.PolicyFactory(key=f"grown-policy-{i}", area=area), delay_minutes=5)
        step.notify_users.add(member.user)
        f.RuleFactory(key=f"grown-rule-{i}", order=1000 + i, area=area, keywords=f"grown{i:03d}x", team=team)


def test_lint_costs_the_same_number_of_queries_whatever_the_matrix_size():
    objects = f.lint_clean_matrix()
    with CaptureQueriesContext(connection) as small:
        assert lint() == []
    _grow(objects, 15)
    with CaptureQueriesContext(connection) as large:
        assert lint() == []

    assert len(large) == len(small)


def test_lint_of_200_areas_and_1000_rules_finds_the_one_shadowed_rule():
    objects = f.lint_clean_matrix()
    payments = objects["payments"]
    roots = m.ProductArea.objects.bulk_create(
        m.ProductArea(key=f"root-{i}", name=f"Root {i}", owner_team=payments) for i in range(20))
    children = m.ProductArea.objects.bulk_create(
        m.ProductArea(key=f"area-{i}", name=f"Area {i}", owner_team=payments, parent=roots[i % 20])
        for i in range(180))
    areas = roots + children
    # Half the rules on an area, half on none: the worst case for shadow detection is the rules that
    # every later rule must be compared with. Distinct keywords keep them all reachable and unshadowed.
    m.RoutingRule.objects.bulk_create(
        m.RoutingRule(key=f"bulk-{i}", name=f"Bulk {i}", order=100 + i, team=payments,
                      area=areas[i % 200] if i % 2 else None, keywords=f"kw{i:04d}x")
        for i in range(999))
    f.RuleFactory(key="last", order=5000, area=children[0], keywords=f"kw{998:04d}x, kw0998xy", team=payments)

    findings = lint()  # its speed at this size is reported by `make bench`, not asserted here

    assert [(x.code, x.subject_key) for x in findings] == [("rule-shadowed", "last")]
