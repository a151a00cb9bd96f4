"""The Celery app, with two guards that keep a broker outage from spreading.

Our messages only prompt a worker: outbox and timer rows are the truth, and sweeps resend what a lost
message left behind. So a broker that is down must cost a web request at most one short wait
(``PublishBreaker``, with the socket timeouts in settings), and must never end the worker (``RedisChannel``).
"""

from __future__ import annotations

import logging
import os
import time
import uuid

from celery import Celery
from celery.signals import after_setup_logger, worker_process_init, worker_ready, worker_shutdown
from kombu.exceptions import OperationalError
from kombu.transport import filesystem as kombu_filesystem
from kombu.transport import redis as kombu_redis
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps
from redis.exceptions import ConnectionError as RedisConnectionError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escalation_matrix.settings")

# After a failed publish, later publishes in this process fail at once for this long, then one may try again.
BROKER_DOWN_PAUSE = 5.0


class PublishBreaker:
    """Refuses to publish for ``pause`` seconds after the broker failed a publish.

    Filing an incident queues one message per notification after its commit. Against a broker that does
    not answer, each of them would wait out the socket timeouts in turn (seconds each); with the breaker
    the first one waits and the rest fail at once, left to the outbox sweep.
    """

    def __init__(self, pause: float = BROKER_DOWN_PAUSE) -> None:
        self.pause = pause
        self.open_until = 0.0  # monotonic seconds; one float, so threads need no lock

    def check(self) -> None:
        remaining = self.open_until - time.monotonic()
        if remaining > 0:
            raise OperationalError(f"broker failed a moment ago; not publishing for another {remaining:.1f} s")

    def trip(self) -> None:
        self.open_until = time.monotonic() + self.pause

    def reset(self) -> None:
        self.open_until = 0.0


class EscalationCelery(Celery):
    """Celery whose publishing goes through a ``PublishBreaker`` (``apply_async`` and beat both call ``send_task``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.publish_breaker = PublishBreaker()

    def send_task(self, *args, **kwargs):
        self.publish_breaker.check()
        try:
            return super().send_task(*args, **kwargs)
        except OperationalError:  # kombu's wrapper of every connection error, after the retry policy ran out
            self.publish_breaker.trip()
            raise


class RedisChannel(kombu_redis.Channel):
    """Kombu's Redis channel, reporting a closed connection as a connection error that everyone handles.

    When the broker connection is lost, Celery 5.7's worker closes it twice: ``collect()`` detaches the
    transport (``transport.client = None``) and then ``close()`` closes the channel again. Anything that then
    needs a Redis client on the old channel — restoring its unacknowledged messages (ETA/countdown tasks,
    prefetched ones), or acknowledging a task that was running — rebuilt its pool from ``transport.client``
    and raised ``AttributeError: 'NoneType' object has no attribute 'hostname'``, which nothing catches: the
    worker exited ("Unrecoverable error"). As a connection error it is logged and the worker reconnects.
    Those messages could not reach a broker that is gone anyway: they stay in Redis's unacked set (restored
    after the visibility timeout), and our sweeps resend what they stood for.
    """

    def _connparams(self, asynchronous: bool = False) -> dict:
        if self.connection.client is None:
            raise RedisConnectionError("this broker connection was closed after it was lost")
        return super()._connparams(asynchronous=asynchronous)


class RedisTransport(kombu_redis.Transport):
    """Kombu's Redis transport with ``RedisChannel``; settings name it when ``REDIS_URL`` is set."""

    Channel = RedisChannel


class FilesystemChannel(kombu_filesystem.Channel):
    """Kombu's filesystem channel, publishing each message atomically.

    Kombu creates the message file under its final name and then writes it, so a worker polling the folder
    can read it empty in between; the JSON error that follows is "unrecoverable" and ends the worker —
    seen within seconds of `make run`, where beat publishes a timer tick every second. Writing to a
    temporary name the reader ignores (it only takes ``*.<queue>.msg``) and renaming it into place means a
    reader only ever sees whole messages.
    """

    def _put(self, queue, payload, **kwargs):
        filename = f"{round(time.monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, filename)
        partial = final + ".part"
        with open(partial, "wb") as f:
            f.write(str_to_bytes(dumps(payload)))
        os.replace(partial, final)


class FilesystemTransport(kombu_filesystem.Transport):
    """Kombu's filesystem transport with ``FilesystemChannel``; settings name it when ``REDIS_URL`` is unset."""

    Channel = FilesystemChannel


app = EscalationCelery("escalation_matrix")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Beat sends a timer sweep every second and the worker runs it: at INFO that is four log lines a second
# ("Sending due task", "received", "succeeded"), which bury everything else. Those three loggers speak
# from WARNING up unless LOG_TASKS=1; failures are logged at ERROR either way.
_PER_TASK_LOGGERS = ("celery.beat", "celery.worker.strategy", "celery.app.trace")


@after_setup_logger.connect
def _quiet_per_task_logs(**kwargs) -> None:
    if os.environ.get("LOG_TASKS") != "1":
        for name in _PER_TASK_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


# Each worker shows it is alive, and which queues it serves, with a heartbeat of its own (``liveness``):
# /healthz reads it, and so does the outbox sweep before it takes back a claimed notification.
@worker_ready.connect
def _start_heartbeat(sender, **kwargs) -> None:
    from .liveness import heartbeat_start

    heartbeat_start(kind="worker", queues=",".join(sorted(sender.app.amqp.queues.consume_from)))


@worker_process_init.connect
def _start_pool_process_heartbeat(**kwargs) -> None:
    """A prefork pool child sends what it claims: it beats on its own (a thread does not survive a fork)."""
    from .liveness import heartbeat_start

    heartbeat_start(kind="process")


@worker_shutdown.connect
def _forget_heartbeat(**kwargs) -> None:
    from .liveness import heartbeat_forget

    try:
        heartbeat_forget()
    except Exception:  # the database may be why it stops; the row then goes stale on its own
        logging.getLogger(__name__).warning("could not remove this worker's heartbeat", exc_info=True)
