"""The Content-Security-Policy: on every response, and nothing in the templates or the pages it would block.

The policy allows no inline script, handler or style ('unsafe-inline'), so any left in a template would
silently stop working in the browser: the scans below catch them before a user does."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from incidents.tests.factories import IncidentFactory, incident_matrix

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    return {name: value for name, _, value in (part.strip().partition(" ") for part in header.split(";"))}


@pytest.mark.django_db
@pytest.mark.parametrize("url, logged_in", [
    ("/accounts/login/", False),
    ("/", True),
    ("/incidents/", True),
    ("/admin/", True),
    ("/api/v1/matrix/", True),
    ("/no-such-page/", True),
])
def test_every_response_carries_the_policy(client, role_user, url, logged_in):
    if logged_in:
        client.force_login(role_user("Managers"))
    response = client.get(url)

    assert directives(response["Content-Security-Policy"]) == POLICY
    assert "unsafe" not in response["Content-Security-Policy"]


# What the policy blocks, as it appears in a template or a page. A <script> with a src and no body, or a
# JSON one (json_script: the browser does not run it), is fine.
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
BLOCKED = {
    "an inline handler (on…=)": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "an hx-on handler (needs eval)": re.compile(r"\shx-on\b", re.IGNORECASE),
    "a style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "a <style> element": re.compile(r"<style\b", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def inline_code(html: str) -> list[str]:
    problems = [f"{what}: {match[0]!r}" for what, pattern in BLOCKED.items() for match in pattern.finditer(html)]
    for match in SCRIPT.finditer(html):
        if match[2].strip() and "application/json" not in match[1]:
            problems.append(f"an inline script: {match[0][:80]!r}")
    return problems


def test_the_scan_finds_what_the_policy_blocks():
    page = """<button onclick="go()">Go</button><div hx-on:click="x()"></div><p style="color: red">
    <style>p {}</style><a href="javascript:void(0)">x</a><script>alert(1)</script>"""
    assert len(inline_code(page)) == 6
    assert not inline_code('<script src="/static/js/app.js"></script>'
                           '<script id="data" type="application/json">{"a": 1}</script><p class="once">on=</p>')


TEMPLATES = sorted((settings.BASE_DIR / "templates").rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(settings.BASE_DIR)))
def test_no_template_has_inline_script_handler_or_style(template):
    assert not inline_code(template.read_text())


@pytest.fixture
def pages(db):
    """The people of the incidents' small matrix, and the main pages with an incident to show."""
    mx = incident_matrix()
    incident = IncidentFactory()
    return mx, [
        reverse("matrix:home"), reverse("matrix:changes"), reverse("matrix:search") + "?q=checkout",
        reverse("matrix:route_preview"), reverse("matrix:area_detail", args=["checkout"]),
        reverse("matrix:team_detail", args=["payments"]), reverse("matrix:playbook_detail", args=["checkout"]),
        reverse("incidents:list"), reverse("incidents:queue"), reverse("incidents:war_room"),
        reverse("incidents:detail", args=[incident.pk]), reverse("incidents:file"),
        reverse("incidents:file_preview") + "?product_area=checkout&impact=significant&urgency=high",
        reverse("incidents:routing_accuracy"), reverse("incidents:routing_simulator"),
        reverse("reviews:list"), reverse("reviews:drill_list"), reverse("reviews:training_list"),
        reverse("admin:index"), reverse("admin:matrix_team_change", args=[mx["payments"].pk]),
        reverse("admin:matrix_productarea_changelist"), reverse("admin:matrix_team_changelist"),
    ]


@pytest.mark.parametrize("role", ["max", "pat", "agent", "lena", "eve"])
def test_the_main_pages_have_no_inline_script_handler_or_style(client, pages, role):
    mx, urls = pages
    client.force_login(mx[role])
    shown = 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:  # a page this role may not see, or the admin for non-staff
            assert response.status_code in (302, 403), url
            continue
        shown += 1
        assert not inline_code(response.content.decode()), url
    assert shown >= 12


def test_admin_gaps_are_marked_by_a_class_the_admin_stylesheet_colours(client, pages):
    mx, _ = pages
    client.force_login(mx["max"])

    html = client.get(reverse("admin:matrix_productarea_changelist")).content.decode()

    assert '<strong class="admin-gap">no owner</strong>' in html  # onboarding has no owner
    assert "/static/css/admin.css" in html
    assert ".admin-gap { color: var(--error-fg); }" in (settings.BASE_DIR / "static/css/admin.css").read_text()
