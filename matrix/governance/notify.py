"""Who hears about a change request: approvers when it is submitted, its author when it is decided, and
the manager the system drafted one for."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import reverse

from escalation_matrix.roles import APPROVERS
from matrix.models import ChangeRequest, ChangeRequestStatus
from notifications.models import Channel
from notifications.services import notification_enqueue

from .words import describe_text


def approvers(*, excluding=None) -> list:
    """Active people who may approve: the Approvers group, and anyone granted the approve permission."""
    permission = Permission.objects.filter(codename="approve_changerequest", content_type__app_label="matrix")
    people = get_user_model().objects.filter(is_active=True).filter(
        Q(groups__name=APPROVERS) | Q(groups__permissions__in=permission) | Q(user_permissions__in=permission)
    )
    if excluding is not None:
        people = people.exclude(pk=excluding.pk)
    return list(people.distinct().order_by("pk"))


def change_request_url(change_request: ChangeRequest) -> str:
    path = reverse("admin:matrix_changerequest_change", args=[change_request.pk])
    return settings.SITE_URL.rstrip("/") + path


def _tell(user, change_request: ChangeRequest, *, event: str, subject: str, lead: str) -> None:
    if not user.email:
        return  # nowhere to send it; the admin list still shows the request
    body = "\n\n".join([
        lead,
        f"Reason: {change_request.reason}",
        describe_text(change_request.diff),
        f"Change request #{change_request.pk}: {change_request_url(change_request)}",
    ])
    notification_enqueue(
        channel=Channel.EMAIL, target=user.email, user=user, subject=subject, body=body,
        dedupe_key=f"change-request:{change_request.pk}:{event}:{user.pk}",
        payload={"change_request": change_request.pk, "event": event},
    )


def notify_submitted(change_request: ChangeRequest) -> None:
    author = change_request.author.get_username()
    for user in approvers(excluding=change_request.author):
        _tell(user, change_request, event="submitted",
              subject=f"Change request #{change_request.pk} awaits your approval: {change_request.target_label}",
              lead=f"{author} proposes a change to the matrix; an approver other than them must approve it.")


def notify_drafted(change_request: ChangeRequest) -> None:
    _tell(change_request.author, change_request, event="drafted",
          subject=f"A change request was drafted for you to finish: {change_request.target_label}",
          lead=" ".join(filter(None, [
              change_request.note,
              "Open it to finish it in the admin (it becomes a request for approval) or to dismiss it.",
          ])))


def notify_decided(change_request: ChangeRequest) -> None:
    status = change_request.status
    approver = change_request.approver.get_username() if change_request.approver else "an approver"
    leads = {
        ChangeRequestStatus.APPROVED: f"{approver} approved your change request; the matrix now has it.",
        ChangeRequestStatus.REJECTED: f"{approver} rejected your change request: {change_request.decision_comment}",
        ChangeRequestStatus.CONFLICTED: (
            "Your change request could not be applied and must be redrafted: " + change_request.conflict
        ),
    }
    if status not in leads:
        return
    _tell(change_request.author, change_request, event=status,
          subject=f"Change request #{change_request.pk} {change_request.get_status_display().lower()}: "
                  f"{change_request.target_label}",
          lead=leads[status])
