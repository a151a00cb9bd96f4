"""Change requests: drafted from the admin, decided by an approver who is not their author."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from escalation_matrix.roles import APPROVERS
from matrix.models import APPROVE_PERMISSION, ChangeOperation, ChangeRequest, ChangeRequestStatus

from .applying import APPLY_ERRORS, apply_diff, explain, find_conflicts
from .drafting import Draft
from .notify import notify_decided, notify_submitted

HISTORY_REASON_MAX_LENGTH = 100  # simple-history's history_change_reason


class ChangeRequestError(Exception):
    """A change request cannot be drafted or decided as asked; the message says why, for the person asking."""


class _TrialApplied(Exception):
    """Raised to roll back a trial application."""


def approvals_required() -> bool:
    return settings.MATRIX_APPROVALS


def may_approve(user) -> bool:
    """Members of the Approvers group, and anyone granted ``matrix.approve_changerequest`` (e.g. a manager)."""
    return bool(user and user.is_active) and (
        user.has_perm(APPROVE_PERMISSION) or user.groups.filter(name=APPROVERS).exists()
    )


def history_reason(*, reason: str, author, approver) -> str:
    """ "Q3 reorg — by morgan, approved by daniel", cut to fit the history (the reason gives way first)."""
    suffix = f" — by {author.get_username()}, approved by {approver.get_username()}"
    text = reason + suffix
    if len(text) <= HISTORY_REASON_MAX_LENGTH:
        return text
    room = HISTORY_REASON_MAX_LENGTH - len(suffix) - 1
    return (reason[:room].rstrip() + "…" + suffix) if room > 0 else text[:HISTORY_REASON_MAX_LENGTH]


def change_request_submit(*, draft: Draft) -> ChangeRequest | None:
    """Store the draft as a pending change request and tell the approvers; ``None`` if it changes nothing.

    The diff is first applied for real and rolled back: a change the database would refuse (a key taken,
    a constraint) is refused now, to its author, rather than at approval.
    """
    if not draft.has_changes():
        return None
    diff = draft.as_diff()
    try:
        with transaction.atomic():
            apply_diff(diff, reason=draft.reason, user=draft.author)
            raise _TrialApplied
    except _TrialApplied:
        pass
    except APPLY_ERRORS as exc:
        raise ChangeRequestError(f"This change cannot be made: {explain(exc)}") from exc
    main = draft.main
    change_request = ChangeRequest.objects.create(
        author=draft.author,
        reason=draft.reason,
        operation=main.data["op"],
        target_content_type=ContentType.objects.get_for_model(type(main.instance)),
        target_object_id=main.data["id"] if main.data["op"] != ChangeOperation.ADD else None,
        target_label=main.data["label"][:200],
        diff=diff,
    )
    notify_submitted(change_request)
    return change_request


def change_request_approve(*, change_request: ChangeRequest, approver, comment: str = "") -> ChangeRequest:
    """Apply the request's diff atomically, once, with history naming author, approver and reason.

    If an object it changes was changed by someone else since it was drafted, nothing is applied and
    the request becomes conflicted: it must be redrafted. Returns the request as it now stands.
    """
    _check_approver(approver)
    with transaction.atomic():
        locked = _lock_open(change_request, approver)
        locked.approver, locked.decided_at, locked.decision_comment = approver, timezone.now(), comment.strip()
        problems = find_conflicts(locked.diff)
        if not problems:
            full = f"{locked.reason} — by {locked.author.get_username()}, approved by {approver.get_username()}"
            try:
                with transaction.atomic():
                    apply_diff(locked.diff, user=approver,
                               reason=history_reason(reason=locked.reason, author=locked.author, approver=approver))
            except APPLY_ERRORS as exc:
                problems = [f"It no longer fits the matrix: {explain(exc)}"]
            else:
                locked.status, locked.applied_reason = ChangeRequestStatus.APPROVED, full
        if problems:
            locked.status, locked.conflict = ChangeRequestStatus.CONFLICTED, " ".join(problems)
        locked.save()
        notify_decided(locked)
    return locked


def change_request_reject(*, change_request: ChangeRequest, approver, comment: str) -> ChangeRequest:
    """Turn the request down with a comment for its author; the matrix is untouched."""
    _check_approver(approver)
    if not (comment or "").strip():
        raise ChangeRequestError("Say why you reject it: the author reads your comment.")
    with transaction.atomic():
        locked = _lock_open(change_request, approver)
        locked.status, locked.approver = ChangeRequestStatus.REJECTED, approver
        locked.decided_at, locked.decision_comment = timezone.now(), comment.strip()
        locked.save()
        notify_decided(locked)
    return locked


def change_request_withdraw(*, change_request: ChangeRequest, author) -> ChangeRequest:
    """The author takes back a request nobody decided yet."""
    with transaction.atomic():
        locked = _lock(change_request)
        if locked.author_id != author.pk:
            raise PermissionDenied("Only its author may withdraw a change request.")
        _check_open(locked)
        locked.status, locked.decided_at = ChangeRequestStatus.WITHDRAWN, timezone.now()
        locked.save()
    return locked


def _check_approver(user) -> None:
    if not may_approve(user):
        raise PermissionDenied("Only approvers may approve or reject change requests.")


def _lock(change_request: ChangeRequest) -> ChangeRequest:
    # Two approvers at once: the second waits here, then finds the request decided. (Not select_related
    # "approver": PostgreSQL re-reads the locked row after the wait, but not the rows joined to it.)
    return ChangeRequest.objects.select_for_update(of=("self",)).select_related("author").get(pk=change_request.pk)


def _lock_open(change_request: ChangeRequest, approver) -> ChangeRequest:
    locked = _lock(change_request)
    _check_open(locked)
    if locked.author_id == approver.pk:
        raise ChangeRequestError(
            f"You drafted change request #{locked.pk}: an approver other than its author must decide it."
        )
    return locked


def _check_open(change_request: ChangeRequest) -> None:
    status = change_request.status
    if status == ChangeRequestStatus.PENDING:
        return
    by = f" by {change_request.approver.get_username()}" if change_request.approver else ""
    when = f" on {timezone.localtime(change_request.decided_at):%Y-%m-%d %H:%M}" if change_request.decided_at else ""
    explanation = {
        ChangeRequestStatus.APPROVED: f"was already approved{by}{when}",
        ChangeRequestStatus.REJECTED: f"was already rejected{by}{when}",
        ChangeRequestStatus.WITHDRAWN: f"was withdrawn by its author{when}",
        ChangeRequestStatus.CONFLICTED: "conflicts with a later change and must be redrafted",
    }[status]
    raise ChangeRequestError(f"Change request #{change_request.pk} {explanation}.")
