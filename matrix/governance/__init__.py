"""Approved changes: with approvals on, the admin drafts a change request instead of changing the matrix.

- ``drafting``: what an admin save would write, collected as a field-by-field diff (``Draft``).
- ``services``: ``change_request_submit`` / ``_approve`` / ``_reject`` / ``_withdraw`` — the writes; and for
  changes the system drafts (``incidents.learning``), ``change_request_draft`` / ``_dismiss``.
- ``signals``: ``change_request_submitted``, for the apps above (an action item links its request).
- ``applying``: conflict detection and applying a diff exactly, with history naming author and approver.
- ``words``: a diff in plain words; ``notify``: who hears about it; ``history``: reason and user on history.

The admin's one write path (``matrix.admin.base.MatrixAdmin.write_change``) is where drafts are made.
"""

from .drafting import Draft
from .services import (
    ChangeRequestError,
    approvals_required,
    change_request_approve,
    change_request_dismiss,
    change_request_draft,
    change_request_reject,
    change_request_submit,
    change_request_withdraw,
    history_reason,
    may_approve,
    may_finish,
)
from .signals import change_request_submitted
from .words import ObjectChange, describe

__all__ = [
    "ChangeRequestError", "Draft", "ObjectChange", "approvals_required", "change_request_approve",
    "change_request_dismiss", "change_request_draft", "change_request_reject", "change_request_submit",
    "change_request_submitted", "change_request_withdraw", "describe", "history_reason", "may_approve",
    "may_finish",
]
