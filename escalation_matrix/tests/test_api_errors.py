"""Django's own errors under /api/ answer JSON like DRF's, and the schema documents the answers every operation may
give (401, 429). The schema fuzz test (test_api_schema_fuzz.py) finds these; these say them plainly."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token


@pytest.fixture
def api(manager) -> Client:
    return Client(headers={"authorization": f"Token {Token.objects.create(user=manager).key}"})


@pytest.mark.parametrize("path", [
    "/api/v1/incidents/abc/",  # the id pattern takes digits only, so no URL matches
    "/api/v1/incidents/%C2%84/acknowledge/",
    "/api/v1/incidents/1/handoffs/x/accept/",
    "/api/v1/nothing-here/",
])
def test_a_path_the_api_does_not_have_is_a_json_404(api, path):
    response = api.post(path) if path.endswith("accept/") or path.endswith("acknowledge/") else api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_pages_outside_the_api_keep_their_html_404(manager_client):
    response = manager_client.get("/incidents/abc/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_schema_documents_401_and_429_on_every_operation(api):
    paths = api.get("/api/v1/schema/", {"format": "json"}).json()["paths"]

    for path, operations in paths.items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "429" in responses, (method, path)
            assert "Retry-After" in responses["429"]["headers"], (method, path)
            assert "401" in responses, (method, path)  # the hook's 401 is its missing signature


def test_a_body_the_api_cannot_parse_is_the_documented_415(api):
    response = api.post("/api/v1/incidents/", "title=x", content_type="text/plain")

    assert response.status_code == 415
    assert response.json() == {"detail": 'Unsupported media type "text/plain" in request.'}
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    assert "415" in schema["paths"]["/api/v1/incidents/"]["post"]["responses"]
    assert "415" not in schema["paths"]["/api/v1/incidents/{id}/acknowledge/"]["post"]["responses"]  # reads no body
