"""The production start the operations guide prescribes: DEBUG off, collectstatic through WhiteNoise's manifest
storage (which refuses a file that names one missing, such as a source map), check --deploy, then gunicorn
serving each role's pages from it."""

import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.test import Client

from escalation_matrix.roles import ROLES


def test_collectstatic_with_debug_off_succeeds_and_every_vendored_asset_is_in_the_manifest(tmp_path):
    env = {**os.environ, "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "escalation_matrix.settings",
           "SECRET_KEY": "production-start-under-test-0123456789abcdefghijklmnopqrstuvwxyz",
           "ALLOWED_HOSTS": "localhost", "VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # collectstatic needs no database

    done = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=settings.BASE_DIR,
                          env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr[-2000:]
    manifest = (tmp_path / "staticfiles" / "staticfiles.json").read_text()
    for asset in ("vendor/chartjs/chart.umd.min.js", "vendor/bootstrap/bootstrap.min.css",
                  "vendor/bootstrap/bootstrap.bundle.min.js"):
        assert f'"{asset}"' in manifest


@pytest.mark.services
def test_the_production_start_serves_every_roles_home_page_and_its_static_files(celery_processes, settings,
                                                                                  role_user):
    """As the operations guide says: DEBUG off, collectstatic, gunicorn (the Procfile's web line). Each role
    signs in and gets its home page, whose hashed static files WhiteNoise serves; a stranger is sent to log in."""
    env = celery_processes.env
    env.update(PORT=str(free_port()), SECRET_KEY=settings.SECRET_KEY)  # the test's sessions are the server's
    collected = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=settings.BASE_DIR,
                               env=env, capture_output=True, text=True, timeout=120)
    assert collected.returncode == 0, collected.stderr[-2000:]
    deploy = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=settings.BASE_DIR, env={**env, "SECURE_SSL_REDIRECT": "1"}, capture_output=True,
                            text=True, timeout=120)
    assert deploy.returncode == 0, deploy.stdout[-2000:] + deploy.stderr[-2000:]
    celery_processes.start("web")
    base = f"http://127.0.0.1:{env['PORT']}"
    celery_processes.wait_for(lambda: answers(base + "/healthz"), timeout=60, what="gunicorn answering")

    stranger = fetch(base + "/")
    assert stranger.status == 302 and stranger.headers["Location"].startswith("/accounts/login/")
    assert fetch(base + "/accounts/login/").status == 200
    for n, role in enumerate(ROLES):
        client = Client()
        client.force_login(role_user(role, username=f"prod{n}"))
        page = fetch(base + "/", cookie=f"sessionid={client.cookies['sessionid'].value}")
        assert page.status == 200, role
        html = page.read().decode()
        css = re.search(r'href="(/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css)"', html)
        assert css, f"{role}: no hashed stylesheet"
        assert fetch(base + css[1]).status == 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, cookie: str = ""):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        return urllib.request.build_opener(_NoRedirects).open(request, timeout=10)
    except urllib.error.HTTPError as answer:  # 3xx and 4xx come back as errors: they are answers here
        return answer


def answers(url: str) -> bool:
    try:
        fetch(url)
    except OSError:
        return False
    return True
