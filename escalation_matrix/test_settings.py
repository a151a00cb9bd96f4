"""Test settings: production settings with the few changes a test client needs."""

import os

os.environ.setdefault("DEBUG", "0")  # tests run the production configuration
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The tests' webhook receivers listen on 127.0.0.1; tests of the outbound policy itself empty the list.
os.environ.setdefault("OUTBOUND_ALLOWED_HOSTS", "127.0.0.1,localhost")

# Under pytest-xdist each worker (gw0, gw1, …) has a test database of its own (pytest-django) and, here, a Redis
# database of its own (15, 14, …), inherited by the worker processes its tests start: queues never mix.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = os.environ["REDIS_URL"].rsplit("/", 1)[0] + f"/{15 - int(_worker[2:])}"

# Rate limits are tested on their own (escalation_matrix/tests/test_rate_limits.py), with low rates set there.
for _scope in ("USER", "ANON", "HOOK"):
    os.environ.setdefault(f"API_RATE_{_scope}", "100000/min")

from .settings import *  # noqa: E402, F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = False
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 — WhiteNoise warns when it is missing
# Live-server threads must not keep connections open, or the test database cannot be dropped at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
