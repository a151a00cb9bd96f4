"""Project-wide test set-up: real services in CI, and one logged-in user per role."""

import os
import signal
import socket
import subprocess
import sys
import time
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


@pytest.fixture(autouse=True)
def _fresh_matrix_cache():
    """No test sees a matrix another test loaded: the process's kept matrix and the matrix version are
    forgotten before each test (matrix.cache). Only the version key is deleted, never the whole cache."""
    from matrix.cache import reset

    reset()


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of one test's own on a free port, which the test may stop, restart or freeze.

    Stopping the shared Redis would disturb every other test run on this machine.
    """

    def __init__(self, directory) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--dir", str(directory)]
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the private Redis did not start")

    def stop(self) -> None:
        """Gone: connections are closed and new ones refused, as when Redis crashes or restarts."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def freeze(self) -> None:
        """Hung: connections are still accepted (by the kernel) but nothing answers, as with a stalled host."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)


def _publish_to(url: str) -> None:
    """Points this process's Celery app at ``url`` (what this process publishes, and what /healthz checks)."""
    from escalation_matrix.celery import app

    app.conf.broker_url = url
    # The app keeps the connection and producer pools of the first broker it used. They stay open in
    # kombu's registry of pools (per broker), which hands them back when the test returns to that broker.
    app._pool = None
    app.amqp._producer_pool = None
    app.publish_breaker.reset()


@pytest.fixture
def celery_processes(transactional_db, tmp_path, settings):
    """A real Celery worker and beat, as subprocesses, on real Redis and this test's database.

    Use with ``@pytest.mark.services`` (they need PostgreSQL and Redis); rows the test commits are
    visible to the worker. Yields a ``start(name)`` / ``kill(name, sig)`` controller; ``private_redis()``
    moves the processes started after it, and this process's publishing, to a Redis of the test's own;
    ``filesystem_broker()`` moves the processes to kombu's filesystem transport.
    """
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
        def __init__(self) -> None:
            self.env = env  # what the processes start with (their database, broker and VAR_DIR)
            self.running: dict[str, subprocess.Popen] = {}
            self.redis: PrivateRedis | None = None

        def private_redis(self) -> PrivateRedis:
            """Start a Redis of this test's own and use it from now on, as broker and (if Redis is the cache)
            as cache, here and in the processes; call it before ``start``."""
            (tmp_path / "redis").mkdir(exist_ok=True)
            self.redis = PrivateRedis(tmp_path / "redis")
            self.redis.start()
            env["REDIS_URL"] = self.redis.url
            _publish_to(self.redis.url)
            cache = settings.CACHES["default"]
            if cache["BACKEND"].endswith("RedisCache"):
                settings.CACHES = {**settings.CACHES, "default": {**cache, "LOCATION": self.redis.url}}
            return self.redis

        def filesystem_broker(self):
            """Run the processes started after it on kombu's filesystem transport, as ``make run`` does
            without ``REDIS_URL``; returns the folder that holds the queued messages."""
            env.pop("REDIS_URL", None)
            return tmp_path / "broker" / "queue"

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
            path = tmp_path / f"{name}.log"
            return path.read_text(errors="replace") if path.exists() else ""

        def wait_for(self, predicate, timeout: float = 30, what: str = "condition"):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                result = predicate()
                if result:
                    return result
                time.sleep(0.2)
            raise AssertionError(f"timed out waiting for {what}\n--- worker log ---\n{self.log('worker')}"
                                 f"\n--- beat log ---\n{self.log('beat')}")

    processes = Processes()
    yield processes
    if processes.redis is not None:
        processes.redis.thaw()  # a frozen broker would hold up the processes' warm shutdown
    for name in list(processes.running):
        processes.kill(name)
    if processes.redis is not None:
        processes.redis.stop()
        _publish_to(settings.CELERY_BROKER_URL)
