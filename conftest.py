"""Project-wide test set-up: real services in CI, and one logged-in user per role."""

import os
import socket
from urllib.parse import urlparse

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _reachable(url: str, default_port: int) -> bool:
    parts = urlparse(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1).close()
    except OSError:
        return False
    return True


def pytest_configure(config):
    if not REQUIRE_SERVICES:
        return
    db_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    missing = []
    if not db_url.startswith("postgres") or not _reachable(db_url, 5432):
        missing.append(f"PostgreSQL (DATABASE_URL={db_url!r})")
    if not redis_url or not _reachable(redis_url, 6379):
        missing.append(f"Redis (REDIS_URL={redis_url!r})")
    if missing:
        pytest.exit("REQUIRE_SERVICES=1 but these are not reachable: " + ", ".join(missing), returncode=3)


def pytest_collection_modifyitems(config, items):
    if REQUIRE_SERVICES or (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL and Redis; run with REQUIRE_SERVICES=1")
    for item in items:
        if "services" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def role_user(db):
    """``role_user("Managers")`` → a user in that group (staff for Managers and Approvers)."""
    from matrix.tests.factories import user_in_role

    return user_in_role


@pytest.fixture
def manager(role_user):
    return role_user("Managers")


@pytest.fixture
def agent(role_user):
    return role_user("Support agents")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client
