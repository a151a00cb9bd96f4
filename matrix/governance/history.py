"""Who and why on every history record a matrix change writes, including the rows it writes as a side effect.

simple-history takes the reason and the user from the saved instance (``_change_reason``,
``_history_user``). Rows written *because of* a change — the children a deletion cascades to, an m2m
update — carry neither: ``change_context`` gives them the ones of the change that caused them.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

_current: contextvars.ContextVar[tuple[str, object] | None] = contextvars.ContextVar(
    "matrix_change_context", default=None
)


@contextmanager
def change_context(reason: str, user=None) -> Iterator[None]:
    """History records written inside this block without a reason (or user) of their own get these."""
    token = _current.set((reason, user))
    try:
        yield
    finally:
        _current.reset(token)


@receiver(pre_create_historical_record, dispatch_uid="matrix_fill_change_context")
def _fill_change_context(sender, history_instance, **kwargs) -> None:
    current = _current.get()
    if current is None:
        return
    reason, user = current
    if reason and not history_instance.history_change_reason:
        history_instance.history_change_reason = reason
    # An approval is applied by the approver, outside any request simple-history's middleware could see.
    if user is not None and getattr(history_instance, "history_user_id", None) is None:
        history_instance.history_user = user
