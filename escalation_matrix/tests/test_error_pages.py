"""The 403, 404 and 500 pages: in the product's style, saying why, offering a way back; and one log line a 403."""

import importlib.util
import logging
import re
import sys
import types
from pathlib import Path

import pytest
from django.conf import settings
from django.http import JsonResponse
from django.test import RequestFactory
from django.urls import get_resolver

from escalation_matrix import error_pages
from escalation_matrix.roles import APPROVERS, EXECUTIVES

TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.fixture
def executive_client(client, role_user):
    client.force_login(role_user(EXECUTIVES))
    return client


def test_a_refusal_says_why_who_can_help_and_offers_a_way_back(executive_client):
    response = executive_client.get("/reviews/training/assign/", HTTP_REFERER="http://testserver/teams/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "Escalation Matrix" in page and "navbar" in page  # the product's own page, not Django's bare one
    assert "Managers and incident leads assign training." in page
    assert "ask a manager" in page
    assert 'id="error-back">' in page and 'href="http://testserver/teams/" id="error-back"' in page
    assert 'href="/" id="error-home"' in page


def test_go_back_never_leads_off_site(executive_client):
    response = executive_client.get("/reviews/training/assign/", HTTP_REFERER="https://evil.example/phish")

    assert response.status_code == 403
    assert 'href="/" id="error-back"' in response.content.decode()
    assert "evil.example" not in response.content.decode()


def test_an_admin_refusal_with_no_reason_gets_the_same_page_and_a_general_sentence(client, role_user):
    client.force_login(role_user(APPROVERS))  # staff, but no permission on users: the admin raises a bare 403

    response = client.get("/admin/auth/user/")

    assert response.status_code == 403
    page = response.content.decode()
    assert 'id="error-reason">Your role does not include this page or action' in page
    assert 'id="error-home"' in page


def test_a_missing_object_says_what_was_not_found(executive_client):
    response = executive_client.get("/incidents/999999/")

    assert response.status_code == 404
    page = response.content.decode()
    assert 'id="error-reason">No such incident.</p>' in page
    assert 'action="/search/"' in page and 'href="/incidents/"' in page


def test_an_unknown_address_gets_a_general_but_helpful_page(executive_client):
    response = executive_client.get("/no/such/page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "There is no page at this address" in page
    assert "Resolver404" not in page and "tried" not in page  # Django's list of patterns is not for people
    assert 'action="/search/"' in page and 'id="error-back"' in page


def test_the_pages_render_for_a_request_with_no_user(rf: RequestFactory, db):
    # An error raised before the authentication middleware ran: base.html must not need request.user.
    request = rf.get("/no/such/page/")
    assert not hasattr(request, "user")

    response = error_pages.page_not_found(request, None)

    assert response.status_code == 404
    assert "There is no page at this address" in response.content.decode()
    assert error_pages.permission_denied(rf.get("/x/"), None).status_code == 403


def test_the_500_page_is_standalone(rf: RequestFactory):
    # No database fixture: a query (the database may be what failed) would raise here.
    assert get_resolver().resolve_error_handler(500) is error_pages.server_error

    response = error_pages.server_error(rf.get("/incidents/"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "vendor/bootstrap/bootstrap.min.css" in page
    assert 'href="/"' in page


def test_the_templates_keep_to_the_content_security_policy():
    for name in ("403.html", "404.html", "500.html"):
        source = (TEMPLATES / name).read_text()
        assert "<script" not in source and "<style" not in source and "style=" not in source, name
        assert not re.search(r"\son[a-z]+\s*=", source), name


def test_api_paths_are_answered_by_api_errors_when_it_exists(executive_client, monkeypatch):
    if importlib.util.find_spec("escalation_matrix.api_errors") is None:
        # Without the JSON module, an /api/ path Django cannot match gets the page like any other.
        assert "There is no page at this address" in executive_client.get("/api/v1/nope/").content.decode()

    fake = types.ModuleType("escalation_matrix.api_errors")
    fake.page_not_found = lambda request, exception: JsonResponse({"detail": "Not found."}, status=404)
    monkeypatch.setitem(sys.modules, "escalation_matrix.api_errors", fake)

    response = executive_client.get("/api/v1/nope/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    # Pages elsewhere keep the product's page.
    assert "There is no page at this address" in executive_client.get("/nope/").content.decode()


@pytest.mark.parametrize(("role", "method", "path", "line"), [
    (EXECUTIVES, "get", "/reviews/training/assign/", "Forbidden (Permission denied): /reviews/training/assign/"),
    (APPROVERS, "get", "/admin/auth/user/", "Forbidden (Permission denied): /admin/auth/user/"),
    # DRF answers its own 403 (no exception reaches Django): Django's one line for the response.
    (EXECUTIVES, "post", "/api/v1/incidents/{pk}/acknowledge/", "Forbidden: /api/v1/incidents/{pk}/acknowledge/"),
])
def test_a_refusal_logs_one_line_without_a_traceback(client, role_user, caplog, role, method, path, line):
    from incidents.tests.factories import IncidentFactory, incident_matrix

    if "{pk}" in path:
        incident_matrix()
        pk = IncidentFactory().pk
        path, line = path.format(pk=pk), line.format(pk=pk)
    client.force_login(role_user(role))

    with caplog.at_level(logging.INFO):
        response = getattr(client, method)(path)

    assert response.status_code == 403
    records = [r for r in caplog.records if path in r.getMessage()]
    assert [r.getMessage() for r in records] == [line]
    assert records[0].exc_info is None and not records[0].exc_text


def test_django_records_are_written_once_also_with_debug_on():
    # Django's defaults give "django" a console handler of its own under DEBUG, doubling every line
    # (the root's console writes them too).
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django").propagate


def test_a_server_error_keeps_its_traceback(caplog):
    try:
        raise RuntimeError("boom")
    except RuntimeError as error:
        with caplog.at_level(logging.INFO):
            logging.getLogger("django.request").error("Internal Server Error: /x", exc_info=error,
                                                      extra={"status_code": 500})
    assert caplog.records[-1].exc_info is not None
