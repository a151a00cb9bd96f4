"""Celery beat's scheduler, recording beat's heartbeat: alive, and when it last managed to publish a task.

Beat can be alive and still unable to send anything (the broker is down), so /healthz reads both: the
heartbeat comes from beat's own loop, ``published_at`` from the last publish that succeeded.
"""

import time

from celery.beat import PersistentScheduler
from django.utils import timezone

PRUNE_EVERY = 3600.0  # seconds between two clean-ups of long-dead processes' heartbeats


class HeartbeatScheduler(PersistentScheduler):
    _last_heartbeat = 0.0
    _last_prune = -PRUNE_EVERY
    _published_at = None

    def apply_async(self, *args, **kwargs):
        result = super().apply_async(*args, **kwargs)  # raises SchedulingError when the publish failed
        self._published_at = timezone.now()
        return result

    def tick(self, *args, **kwargs):
        from .liveness import beat_every, heartbeat_record, heartbeats_prune

        every = beat_every()
        now = time.monotonic()
        if now - self._last_heartbeat >= every:
            self._last_heartbeat = now
            try:
                heartbeat_record(kind="beat", published_at=self._published_at)
                if now - self._last_prune >= PRUNE_EVERY:
                    self._last_prune = now
                    heartbeats_prune()
            except Exception:
                self.logger.exception("could not record the beat heartbeat")
        return min(super().tick(*args, **kwargs), every)
