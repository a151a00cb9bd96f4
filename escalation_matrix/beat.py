"""Celery beat's scheduler, recording a "beat" heartbeat so /healthz can tell that beat is alive."""

import time

from celery.beat import PersistentScheduler


class HeartbeatScheduler(PersistentScheduler):
    heartbeat_every = 5.0  # seconds; a DB write per beat tick would be wasteful
    _last_heartbeat = 0.0

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if now - self._last_heartbeat >= self.heartbeat_every:
            self._last_heartbeat = now
            try:
                from .health import heartbeat_record

                heartbeat_record(name="beat")
            except Exception:
                self.logger.exception("could not record the beat heartbeat")
        return min(super().tick(*args, **kwargs), self.heartbeat_every)
