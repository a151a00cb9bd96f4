"""Shared fixtures of the review tests: the incidents' small matrix, a stand-in broker, and resolving the way
users resolve (through ``incident_resolve``, whose ``incident_resolved`` signal is sent after the commit)."""

from __future__ import annotations

from unittest import mock

import pytest

from incidents.tests.factories import incident_matrix

from .factories import resolved_incident


@pytest.fixture(autouse=True)
def broker():
    """Delivery tasks are captured, not published: these tests read the outbox rows themselves."""
    from notifications.tasks import deliver_notifications

    with mock.patch.object(deliver_notifications, "apply_async") as apply_async:
        yield apply_async


@pytest.fixture
def mx(db):
    return incident_matrix()


@pytest.fixture
def resolve(django_capture_on_commit_callbacks):
    """``resolve(**kwargs)`` files, acknowledges and resolves an incident (see ``resolved_incident``), running
    the after-commit callbacks the test's own transaction would otherwise hold back."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return resolved_incident(**kwargs)

    return run
