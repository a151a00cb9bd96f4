from django.db import models


class TimeStampedModel(models.Model):
    """created_at / updated_at for every domain model."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Heartbeat(models.Model):
    """One background process that shows it is alive by writing this row every few seconds (``liveness``).

    A worker names the queues it consumes, so /healthz can tell which kind of work nobody is doing; beat
    also records when it last managed to publish a task (it can be alive and still unable to reach the
    broker). A notification claimed by a process whose row went stale is taken back by the outbox sweep.
    """

    name = models.CharField(max_length=200, primary_key=True, help_text="host:pid:token of the process.")
    kind = models.CharField(max_length=16, default="worker", help_text='"worker", "process" (a pool child) or "beat".')
    queues = models.CharField(max_length=200, blank=True, help_text="Comma-separated queues a worker consumes.")
    beat_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True, help_text="Beat only: its last successful publish.")

    class Meta:
        indexes = [models.Index(fields=["kind", "beat_at"], name="heartbeat_kind_beat_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
