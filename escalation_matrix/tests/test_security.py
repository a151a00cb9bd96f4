"""Security behaviour every page relies on: login required, login throttling, production checks."""

import os
import subprocess
import sys

import pytest
from django.core import checks
from django.test import override_settings
from django.urls import reverse

from escalation_matrix.checks import check_production_settings
from matrix.tests.factories import UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/admin/", "/api/v1/matrix/"])
def test_anonymous_users_are_sent_to_login_or_refused(client, url):
    response = client.get(url)
    if url.startswith("/api/"):
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302
        assert "login" in response["Location"]


@pytest.mark.django_db
def test_login_page_answers_anonymous_users(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'type="password"' in response.content


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_account_out(client, settings):
    UserFactory(username="alice", password="right-password")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})

    response = client.post(reverse("login"), {"username": "alice", "password": "right-password"})

    assert response.status_code == 429
    assert b"Too many failed logins" in response.content


@pytest.mark.django_db
def test_successful_login_redirects_to_the_matrix(client):
    UserFactory(username="bob", password="right-password")
    response = client.post(reverse("login"), {"username": "bob", "password": "right-password"})
    assert response.status_code == 302
    assert response["Location"] == reverse("matrix:home")


def _ids(problems) -> set[str]:
    return {p.id for p in problems}


@override_settings(DEBUG=False, SECRET_KEY="")
def test_production_without_secret_key_is_refused():
    assert "em.E001" in _ids(check_production_settings(None))


@override_settings(DEBUG=True, ALLOWED_HOSTS=["escalations.example.com"])
def test_debug_with_a_public_host_is_refused():
    assert "em.E003" in _ids(check_production_settings(None))


@override_settings(DEBUG=False, SECRET_KEY="x" * 60, ALLOWED_HOSTS=["escalations.example.com"])
def test_a_safe_production_configuration_passes():
    assert not [p for p in check_production_settings(None) if p.level >= checks.ERROR]


def _manage_check(env_overrides: dict) -> subprocess.CompletedProcess:
    # A clean production environment: none of the test run's own switches (DJANGO_ALLOW_ASYNC_UNSAFE…).
    env = {k: v for k, v in os.environ.items()
           if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "escalation_matrix.settings", "DEBUG": "0", **env_overrides})
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          env=env, capture_output=True, text=True, timeout=60)


def test_check_deploy_is_clean_with_production_settings():
    result = _manage_check({
        "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "escalations.example.com",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/escalation_matrix",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    })
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_refuses_production_without_a_secret_key():
    result = _manage_check({"ALLOWED_HOSTS": "escalations.example.com"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
