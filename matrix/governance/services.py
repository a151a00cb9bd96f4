"""Change requests: drafted from the admin (or by the system, for a manager to finish there), decided by an
approver who is not their author."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from escalation_matrix.roles import APPROVERS
from matrix.hooks import make_origin, origin_permitted, parse_origin
from matrix.models import APPROVE_PERMISSION, ChangeOperation, ChangeRequest, ChangeRequestStatus

from .applying import APPLY_ERRORS, apply_diff, explain, find_conflicts
from .drafting import Draft
from .notify import notify_decided, notify_drafted, notify_submitted
from .signals import change_request_submitted

ORIGIN_MAX_LENGTH = 200  # ChangeRequest.origin
FINISHES = "change_request"  # the origin kind of an admin save that finishes a system draft

logger = logging.getLogger(__name__)


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
    """ "Q3 reorg — by morgan, approved by daniel": the whole reason (the history stores text of any length)."""
    return f"{reason} — by {author.get_username()}, approved by {approver.get_username()}"


_APPROVED_SUFFIX = re.compile(r"^(?P<reason>.*) — by (?P<author>\S+), approved by (?P<approver>\S+)$", re.DOTALL)


def history_reason_parts(text: str | None) -> tuple[str, str | None, str | None]:
    """``history_reason`` read back: (reason, author's username, approver's username).

    A reason written without an approval (approvals off, an import, the demo) has neither name. The names
    are only text — anyone may type them, and a long reason may have lost them —: ``matrix.selectors.changes``
    believes them only when the approver named is the record's user."""
    text = (text or "").strip()
    found = _APPROVED_SUFFIX.match(text)
    if found is None:
        return text, None, None
    return found["reason"], found["author"], found["approver"]


def change_request_submit(*, draft: Draft) -> ChangeRequest | None:
    """Store the draft as a pending change request and tell the approvers; ``None`` if it changes nothing.

    The diff is first applied for real and rolled back: a change the database would refuse (a key taken,
    a constraint) is refused now, to its author, rather than at approval. A draft whose origin is a system
    draft ("change_request:7") finishes that draft — if its author may, and it is a save of the draft's own
    object —: the draft becomes FINISHED and points at the new request. An origin its kind's owner does not
    let the author raise from (``matrix.hooks.origin_permitted``) is dropped: the request links to nothing.
    """
    if not draft.has_changes():
        return None
    diff = draft.as_diff()
    origin = draft.origin
    if origin and not origin_permitted(origin, draft.author):
        logger.info("%s may not raise a change from %r: the change request keeps no origin.",
                    draft.author.get_username(), origin)
        origin = ""
    with transaction.atomic():
        finished = _draft_being_finished(draft)
        _trial_apply(diff, draft)
        change_request = _store(draft, diff, status=ChangeRequestStatus.PENDING, origin=origin)
        if finished is not None:
            finished.status, finished.decided_at = ChangeRequestStatus.FINISHED, timezone.now()
            finished.finished_as = change_request
            finished.decision_comment = (
                f"Finished by {draft.author.get_username()} as change request #{change_request.pk}."
            )
            finished.save()
        notify_submitted(change_request)
        change_request_submitted.send(sender=ChangeRequest, change_request=change_request)
    return change_request


def change_request_draft(*, draft: Draft, note: str = "", evidence: list[dict] | None = None) -> ChangeRequest | None:
    """Store a change the system drafted (a rule refinement learnt from misroutes, say) for its author, a
    manager, to finish in the admin (or dismiss); nobody can approve it as it is. ``note`` says why it was
    drafted, ``evidence`` links what prompted it (``{"label", "url", "ref"}`` each). ``None`` if it changes
    nothing; raises ``ChangeRequestError`` if the matrix would refuse it."""
    if not draft.has_changes():
        return None
    diff = draft.as_diff()
    with transaction.atomic():
        _trial_apply(diff, draft)
        change_request = _store(draft, diff, status=ChangeRequestStatus.DRAFT, origin=draft.origin, note=note,
                                evidence=evidence or [])
        notify_drafted(change_request)
    return change_request


def change_request_dismiss(*, change_request: ChangeRequest, user, comment: str = "") -> ChangeRequest:
    """A system draft is not worth finishing: it is dismissed, with who dismissed it and why."""
    if not may_finish(user, change_request):
        raise PermissionDenied("Only someone who may make this change in the admin may dismiss its draft.")
    with transaction.atomic():
        locked = _lock(change_request)
        if not locked.is_draft:
            raise ChangeRequestError(f"Change request #{locked.pk} is no longer a draft "
                                     f"({locked.get_status_display().lower()}).")
        comment = (comment or "").strip()
        locked.status, locked.decided_at = ChangeRequestStatus.DISMISSED, timezone.now()
        locked.decision_comment = f"Dismissed by {user.get_username()}" + (f": {comment}" if comment else ".")
        locked.save()
    return locked


def may_finish(user, change_request: ChangeRequest) -> bool:
    """Whether ``user`` may make the drafted change in the admin (and so finish or dismiss the draft)."""
    if not (user and user.is_active):
        return False
    ct = change_request.target_content_type
    return user.has_perm(f"{ct.app_label}.{change_request.operation}_{ct.model}")


def _trial_apply(diff: dict, draft: Draft) -> None:
    try:
        with transaction.atomic():
            apply_diff(diff, reason=draft.reason, user=draft.author)
            raise _TrialApplied
    except _TrialApplied:
        pass
    except APPLY_ERRORS as exc:
        raise ChangeRequestError(f"This change cannot be made: {explain(exc)}") from exc


def _store(draft: Draft, diff: dict, *, status: str, origin: str, **extra) -> ChangeRequest:
    main = draft.main
    return ChangeRequest.objects.create(
        author=draft.author,
        reason=draft.reason,
        status=status,
        operation=main.data["op"],
        target_content_type=ContentType.objects.get_for_model(type(main.instance)),
        target_object_id=main.data["id"] if main.data["op"] != ChangeOperation.ADD else None,
        target_label=main.data["label"][:200],
        diff=diff,
        origin=(origin or "")[:ORIGIN_MAX_LENGTH],
        **extra,
    )


def finishing_origin(change_request: ChangeRequest) -> str:
    """ "change_request:7": what the admin form that finishes this system draft carries (``?origin=``)."""
    return make_origin(FINISHES, change_request.pk)


def _draft_being_finished(draft: Draft) -> ChangeRequest | None:
    """The system draft this admin save finishes (origin "change_request:<id>"), locked; None for other origins.

    The origin comes from a URL: only someone who may make the drafted change finishes it, and only with a
    save of the draft's own object (the same model and operation, and the same object unless it adds one)."""
    kind, parts = parse_origin(draft.origin)
    if kind != FINISHES:
        return None
    number = parts[0] if len(parts) == 1 else ""
    if not number.isdigit():
        raise ChangeRequestError(f"“{draft.origin}” names no change request: there is no draft to finish.")
    drafted = (ChangeRequest.objects.select_for_update(of=("self",)).select_related("target_content_type")
               .filter(pk=int(number)).first())
    if drafted is None:
        raise ChangeRequestError(f"Change request #{number} does not exist: there is no draft to finish.")
    if drafted.status == ChangeRequestStatus.FINISHED:
        raise ChangeRequestError(f"Change request #{drafted.pk} was already finished as #{drafted.finished_as_id}; "
                                 f"open it to see where it stands.")
    if not drafted.is_draft:
        raise ChangeRequestError(f"Change request #{drafted.pk} is no longer a draft "
                                 f"({drafted.get_status_display().lower()}): there is nothing to finish.")
    if not may_finish(draft.author, drafted):
        raise ChangeRequestError(f"You may not finish change request #{drafted.pk}: it drafts a change you may not "
                                 f"make in the admin.")
    if not _same_target(draft, drafted):
        noun = drafted.target_content_type.name
        raise ChangeRequestError(
            f"This save does not finish change request #{drafted.pk}: that draft would "
            f"{drafted.get_operation_display().lower()} the {noun} “{drafted.target_label}”. "
            f"Open it from the draft's page (“Finish in the admin”)."
        )
    return drafted


def _same_target(draft: Draft, drafted: ChangeRequest) -> bool:
    """Whether the save's edited object is the draft's: same model and operation, same object unless an add."""
    main = draft.main
    if ContentType.objects.get_for_model(type(main.instance)).pk != drafted.target_content_type_id:
        return False
    if main.data["op"] != drafted.operation:
        return False
    return drafted.operation == ChangeOperation.ADD or main.data["id"] == drafted.target_object_id


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
        ChangeRequestStatus.DISMISSED: f"was dismissed{when}",
        ChangeRequestStatus.FINISHED: f"was finished as change request #{change_request.finished_as_id}",
        ChangeRequestStatus.CONFLICTED: "conflicts with a later change and must be redrafted",
        ChangeRequestStatus.DRAFT: "is a draft: a manager must finish it in the admin before it can be decided",
    }[status]
    raise ChangeRequestError(f"Change request #{change_request.pk} {explanation}.")
