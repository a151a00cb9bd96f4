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


@pytest.fixture
def celery_processes(transactional_db, tmp_path, settings):
    """A real Celery worker and beat, as subprocesses, on real Redis and this test's database.

    Use with ``@pytest.mark.services`` (they need PostgreSQL and Redis); rows the test commits are
    visible to the worker. Yields a ``start(name)`` / ``kill(name, sig)`` controller.
    """
    import signal
    import subprocess
    import sys
    import time

    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "escalation_matrix.test_settings",
        "DATABASE_URL": (
            f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "VAR_DIR": str(tmp_path),
        "HEARTBEAT_SECONDS": "1",
    }
    celery = [sys.executable, "-m", "celery", "-A", "escalation_matrix"]
    commands = {
        "worker": [*celery, "worker", "--loglevel", "WARNING", "--concurrency", "2", "--pool", "threads",
                   "--without-gossip", "--without-mingle", "-n", f"test-{os.getpid()}@%h"],
        "beat": [*celery, "beat", "--loglevel", "WARNING", "--schedule", str(tmp_path / "beat-schedule")],
    }

    class Processes:
        running: dict = {}

        def start(self, name: str):
            log = open(tmp_path / f"{name}.log", "ab")
            self.running[name] = subprocess.Popen(commands[name], env=env, stdout=log, stderr=log)
            return self.running[name]

        def kill(self, name: str, sig=signal.SIGTERM) -> None:
            proc = self.running.pop(name, None)
            if proc and proc.poll() is None:
                proc.send_signal(sig)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

        def log(self, name: str) -> str:
            return (tmp_path / f"{name}.log").read_text(errors="replace")

        def wait_for(self, predicate, timeout: float = 30, what: str = "condition"):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                result = predicate()
                if result:
                    return result
                time.sleep(0.2)
            raise AssertionError(f"timed out waiting for {what}\n--- worker log ---\n"
                                 f"{self.log('worker') if (tmp_path / 'worker.log').exists() else ''}")

    processes = Processes()
    yield processes
    for name in list(processes.running):
        processes.kill(name)
