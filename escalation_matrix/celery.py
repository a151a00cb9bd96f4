"""The Celery app, with two guards that keep a broker outage from spreading.

Our messages only prompt a worker: outbox and timer rows are the truth, and sweeps resend what a lost
message left behind. So a broker that is down must cost a web request at most one short wait
(``PublishBreaker``, with the socket timeouts in settings), and must never end the worker (``RedisChannel``).
"""

from __future__ import annotations

import os
import time

from celery import Celery
from kombu.exceptions import OperationalError
from kombu.transport import redis as kombu_redis
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


app = EscalationCelery("escalation_matrix")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
