"""The outbox in the admin: what was sent, what failed and why, and a retry for dead letters.

Read-only (rows are written by ``notification_enqueue`` and the worker, never by hand); managers may
view and retry. The webhook secret is never shown: only whether the notification is signed; chat and
webhook URLs are shown whole only to people who may edit contact channels.
"""

import json

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html

from matrix.admin.secrets import SecretAdminMixin

from .models import Notification
from .services import notification_retry


@admin.register(Notification)
class NotificationAdmin(SecretAdminMixin, admin.ModelAdmin):
    list_display = ["id", "status", "channel", "target", "subject", "attempts", "created_at", "sent_at"]
    list_display_links = ["id", "subject"]
    list_filter = ["status", "channel", "is_drill"]
    search_fields = ["subject", "target", "=dedupe_key"]
    ordering = ["-id"]
    list_per_page = 50
    show_full_result_count = False  # the outbox only grows: no COUNT(*) of it on every page
    actions = ["retry"]
    fieldsets = [
        (None, {"fields": ["channel", "target", "user", "subject", "body", "is_drill"]}),
        ("Delivery", {"fields": ["status", "attempts", "last_error", "next_attempt_at", "claimed_at", "sent_at",
                                 "created_at"]}),
        ("Advanced", {"fields": ["dedupe_key", "signed", "payload_json"], "classes": ["collapse"]}),
    ]
    readonly_fields = [
        "channel", "target", "user", "subject", "body", "is_drill", "status", "attempts", "last_error",
        "next_attempt_at", "claimed_at", "sent_at", "created_at", "dedupe_key", "signed", "payload_json",
    ]

    @admin.display(boolean=True, description="Signed")
    def signed(self, obj: Notification) -> bool:
        return bool(obj.secret)

    @admin.display(description="Payload")
    def payload_json(self, obj: Notification) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True, default=str))

    @admin.action(permissions=["change"], description="Retry the selected dead or failed notifications now")
    def retry(self, request: HttpRequest, queryset) -> None:
        selected = list(queryset.values_list("pk", flat=True))
        retried = notification_retry(notification_ids=selected)
        if retried:
            self.message_user(request, f"{len(retried)} notification(s) queued for another attempt.", messages.SUCCESS)
        if len(retried) < len(selected):
            self.message_user(
                request,
                f"{len(selected) - len(retried)} skipped: only dead notifications, and failed ones waiting for "
                f"their next attempt, can be retried.",
                messages.WARNING,
            )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # only notification_enqueue writes the outbox

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the outbox is the record of who was told what

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Every field is read-only: change permission exists for the retry action, not for saving.
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                         "show_save_and_add_another": False}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        # Nothing on the form is editable, and saving the row as loaded could undo a worker's update.
        pass

