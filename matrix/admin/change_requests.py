"""Change requests: the list, and the page where an approver reads the diff in plain words and decides.

Change requests are written by the matrix admins (drafts) and by the services in ``matrix.governance``
(decisions), never through a form here: the admin only lists them, shows them and posts decisions.
A request the system drafted (a rule refinement learnt from misroutes) says why, links what prompted it,
and offers its manager "Finish in the admin" (``finishing``) or "Dismiss". Where a request came from
(``origin``) and links about it come from the apps above the matrix, through ``matrix.hooks``.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html

from matrix.credentials import may_see_credentials
from matrix.governance import (
    ChangeRequestError,
    change_request_approve,
    change_request_dismiss,
    change_request_reject,
    change_request_withdraw,
    describe,
    may_approve,
    may_finish,
)
from matrix.hooks import change_request_links, change_request_origins
from matrix.models import ChangeOperation, ChangeRequest, ChangeRequestStatus

from .base import MatrixChangeList
from .finishing import finish_url


def person(user) -> str:
    """ "Morgan Lee (morgan)": the name people know, and the username the history records."""
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()


def target_url(change_request: ChangeRequest) -> str | None:
    if change_request.target_object_id is None:
        return None
    ct = change_request.target_content_type
    try:
        return reverse(f"admin:{ct.app_label}_{ct.model}_change", args=[change_request.target_object_id])
    except NoReverseMatch:
        return None


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    list_display = ["number", "status", "what", "author_name", "created_at", "approver_name", "decided_at",
                    "raised_from"]
    list_display_links = ["number", "what"]
    list_filter = [
        "status", "operation", ("target_content_type", admin.RelatedOnlyFieldListFilter),
        ("author", admin.RelatedOnlyFieldListFilter), ("approver", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["author", "approver", "target_content_type"]
    search_fields = ["target_label", "reason", "origin", "author__username", "approver__username"]
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False

    # Drafts come from the matrix admins, decisions from the buttons below: never an edit form.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="#", ordering="id")
    def number(self, change_request: ChangeRequest) -> str:
        return f"#{change_request.pk}"

    @admin.display(description="Change", ordering="target_label")
    def what(self, change_request: ChangeRequest) -> str:
        noun = change_request.target_content_type.name
        return f"{change_request.get_operation_display()} {noun} “{change_request.target_label}”"

    @admin.display(description="Raised from")
    def raised_from(self, change_request: ChangeRequest):
        link = getattr(change_request, "origin_link", None)
        if link is not None:
            return format_html('<a href="{}">{}</a>', link.url, link.label)
        return change_request.origin or "—"

    def get_changelist(self, request, **kwargs):
        return MatrixChangeList  # calls annotate_page with the page's rows

    @admin.display(description="Author", ordering="author__last_name")
    def author_name(self, change_request: ChangeRequest) -> str:
        return person(change_request.author)

    @admin.display(description="Approver", ordering="approver__last_name")
    def approver_name(self, change_request: ChangeRequest) -> str:
        return person(change_request.approver) if change_request.approver else "—"

    def annotate_page(self, request: HttpRequest, rows) -> None:
        links = change_request_origins(row.origin for row in rows)  # one call per kind of origin on the page
        for row in rows:
            row.origin_link = links.get(row.origin)

    def get_urls(self):
        return [
            path("<path:object_id>/decide/", self.admin_site.admin_view(self.decide_view),
                 name="matrix_changerequest_decide"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        change_request = self.get_object(request, unquote(object_id))
        if change_request is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, change_request):
            raise PermissionDenied
        user = request.user
        is_author = change_request.author_id == user.pk
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Change request #{change_request.pk}",
            "subtitle": None,
            "change_request": change_request,
            "original": change_request,
            "changes": describe(change_request.diff, reveal=may_see_credentials(request.user)),
            "target_url": target_url(change_request),
            "target_noun": change_request.target_content_type.name,
            "author": person(change_request.author),
            "approver": person(change_request.approver) if change_request.approver else None,
            "is_pending": change_request.is_pending,
            "is_author": is_author,
            "may_decide": change_request.is_pending and not is_author and may_approve(user),
            "may_withdraw": change_request.is_pending and is_author,
            "is_add": change_request.operation == ChangeOperation.ADD,
            "is_conflicted": change_request.status == ChangeRequestStatus.CONFLICTED,
            **self._draft_context(request, change_request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/matrix/changerequest/review.html", context)

    def _draft_context(self, request: HttpRequest, change_request: ChangeRequest) -> dict:
        """Where it came from, why the system drafted it, and what a manager may do with a draft."""
        may = change_request.is_draft and may_finish(request.user, change_request)
        return {
            "origin_link": change_request_origins([change_request.origin]).get(change_request.origin),
            "links": change_request_links(change_request),
            "finished_drafts": list(change_request.finished_drafts.all()),
            "finish_url": finish_url(change_request) if may else None,
            "may_dismiss": may,
        }

    def decide_view(self, request: HttpRequest, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        change_request = get_object_or_404(ChangeRequest, pk=unquote(object_id))
        decision, comment = request.POST.get("decision"), request.POST.get("comment", "")
        try:
            if decision == "approve":
                decided = change_request_approve(change_request=change_request, approver=request.user, comment=comment)
            elif decision == "reject":
                decided = change_request_reject(change_request=change_request, approver=request.user, comment=comment)
            elif decision == "withdraw":
                decided = change_request_withdraw(change_request=change_request, author=request.user)
            elif decision == "dismiss":
                decided = change_request_dismiss(change_request=change_request, user=request.user, comment=comment)
            else:
                self.message_user(request, "Choose approve or reject.", messages.ERROR)
                return self._back(change_request)
        except ChangeRequestError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return self._back(change_request)
        self.message_user(request, *_outcome(decided))
        return self._back(change_request)

    def _back(self, change_request: ChangeRequest) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:matrix_changerequest_change", args=[change_request.pk]))


def _outcome(change_request: ChangeRequest) -> tuple:
    number = f"Change request #{change_request.pk}"
    if change_request.status == ChangeRequestStatus.APPROVED:
        return f"{number} is approved and applied to the matrix.", messages.SUCCESS
    if change_request.status == ChangeRequestStatus.CONFLICTED:
        return (f"{number} was not applied: {change_request.conflict} It must be redrafted.", messages.ERROR)
    if change_request.status == ChangeRequestStatus.REJECTED:
        return f"{number} is rejected; its author is told why.", messages.SUCCESS
    if change_request.status == ChangeRequestStatus.DISMISSED:
        return f"{number} is dismissed.", messages.SUCCESS
    return f"{number} is withdrawn.", messages.SUCCESS
