"""Signals the incidents app sends, for the apps above it (reviews) to react without incidents importing them."""

from django.dispatch import Signal

# Sent after the transaction that resolved an incident has committed, once per resolve (a reopened
# incident resolved again sends it again: receivers must be idempotent).
# Arguments: ``incident`` (the resolved Incident), ``user`` (who resolved it; None = the system),
# ``now`` (the moment it was resolved).
incident_resolved = Signal()
