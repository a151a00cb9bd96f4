"""Project-wide test set-up: real services in CI, and one logged-in user per role."""

import os
import signal
import socket
import subprocess
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
    """The Procfile's background processes (clock, sender, worker, beat) as in production, on real Redis and
    this test's database (``escalation_matrix.testing``).

    Use with ``@pytest.mark.services`` (they need PostgreSQL and Redis); rows the test commits are
    visible to them. ``start(name)`` / ``start_all()`` / ``kill(name, sig)`` control them;
    ``private_redis()`` moves the processes started after it, and this process's publishing, to a Redis of
    the test's own; ``filesystem_broker()`` moves them to kombu's filesystem transport; ``receiver(delay)``
    starts a real HTTP and SMTP receiver and sends the processes' e-mail to it.
    """
    from escalation_matrix.testing import BackgroundProcesses, production_env
    from notifications.tests.receiver import HOST, ReceiverProcess

    class Processes(BackgroundProcesses):
        redis: PrivateRedis | None = None
        receivers: list = []

        def private_redis(self) -> PrivateRedis:
            """Start a Redis of this test's own and use it from now on, as broker and (if Redis is the cache)
            as cache, here and in the processes; call it before ``start``."""
            (tmp_path / "redis").mkdir(exist_ok=True)
            self.redis = PrivateRedis(tmp_path / "redis")
            self.redis.start()
            self.env["REDIS_URL"] = self.redis.url
            _publish_to(self.redis.url)
            cache = settings.CACHES["default"]
            if cache["BACKEND"].endswith("RedisCache"):
                settings.CACHES = {**settings.CACHES, "default": {**cache, "LOCATION": self.redis.url}}
            return self.redis

        def filesystem_broker(self):
            """Run the processes started after it on kombu's filesystem transport, as ``make run`` does
            without ``REDIS_URL``; returns the folder that holds the queued messages."""
            self.env.pop("REDIS_URL", None)
            return tmp_path / "broker" / "queue"

        def receiver(self, delay: float = 0.0) -> ReceiverProcess:
            """A real HTTP and SMTP receiver in a process of its own; the processes started after it send
            their e-mail to it and may call it. Webhook targets go under ``receiver.http_url``."""
            (tmp_path / "receiver").mkdir(exist_ok=True)
            receiver = ReceiverProcess(tmp_path / "receiver", delay=delay).start()
            self.receivers.append(receiver)
            # Webhooks to it are allowed like an operator's internal relay: 127.0.0.1 is not a public address.
            self.env.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(receiver.smtp_port), OUTBOUND_ALLOWED_HOSTS=HOST)
            return receiver

    processes = Processes(tmp_path, production_env(settings.DATABASES["default"], tmp_path))
    processes.receivers = []
    yield processes
    if processes.redis is not None:
        processes.redis.thaw()  # a frozen broker would hold up the processes' warm shutdown
    processes.stop_all()
    for receiver in processes.receivers:
        receiver.stop()
    if processes.redis is not None:
        processes.redis.stop()
        _publish_to(settings.CELERY_BROKER_URL)
