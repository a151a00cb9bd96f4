"""Drills in the admin: for looking things up and fixing a title, a time or the people.

Starting, ending, scoring and publishing go through the drill's page (``reviews.drills.services``), which
files the drill incident and tells the people concerned; here the run and its score are read-only, and so
is the debrief (written on the drill's page, read-only once published). What a drill files, and who runs
it when, can be changed only while it is scheduled — through ``drill_update``, so with the same checks as
the drill's page (``drill_plan``) and the people told of a new time; once it has started, only its title. Once
its debrief is published the drill is the record of how it went: read-only whole, and never deleted.
"""

from django import forms
from django.contrib import admin
from django.utils import timezone

from escalation_matrix.admin_lists import SafeChangeListMixin

from ..models import Drill, DrillStatus
from ..services import ReviewInputError
from .planning import drill_plan
from .services import drill_update

# What ``drill_plan`` checks and ``drill_update`` takes, as the admin form names them.
PLANNED = ["playbook", "scheduled_for", "facilitator", "participants", "title", "scenario", "product_area", "impact",
           "urgency", "incident_title", "incident_description", "details"]
ALWAYS_READ_ONLY = ["status", "incident", "started_at", "finished_at", "start_error", "time_to_acknowledge",
                    "right_team_first", "checklist_done", "checklist_total", "debrief", "debrief_published_at",
                    "debrief_published_by", "scheduled_by", "created_at", "updated_at"]


class DrillAdminForm(forms.ModelForm):
    class Meta:
        model = Drill
        fields = PLANNED  # the admin narrows it to what is editable (get_readonly_fields)

    def clean(self) -> dict:
        """A scheduled drill is checked as the drill's page checks it: it must still be possible to file."""
        data = super().clean()
        if self.errors or self.instance.pk is None or self.instance.status != DrillStatus.SCHEDULED:
            return data
        planned = {name: data.get(name) for name in PLANNED}
        planned["participants"] = list(planned["participants"] or [])
        try:
            drill_plan(**planned, now=timezone.now(),
                       time_changed=planned["scheduled_for"] != self.instance.scheduled_for)
        except ReviewInputError as error:
            for name, messages in error.errors.items():
                self.add_error(name if name in self.fields else None, messages)
        return data


@admin.register(Drill)
class DrillAdmin(SafeChangeListMixin, admin.ModelAdmin):
    form = DrillAdminForm
    list_display = ["title", "playbook", "scheduled_for", "status", "facilitator", "incident", "time_to_acknowledge",
                    "right_team_first", "checklist_done", "checklist_total"]
    list_filter = ["status", "playbook", "right_team_first", ("debrief_published_at", admin.EmptyFieldListFilter)]
    list_select_related = ["playbook", "facilitator", "incident"]
    search_fields = ["title", "playbook__name", "facilitator__username", "facilitator__last_name", "=incident__id"]
    date_hierarchy = "scheduled_for"
    raw_id_fields = ["incident", "facilitator", "scheduled_by", "debrief_published_by"]
    filter_horizontal = ["participants"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["title", "playbook", "scheduled_for", "facilitator", "participants", "scenario"]}),
        ("What it files", {"fields": ["product_area", "impact", "urgency", "incident_title", "incident_description",
                                      "details"]}),
        ("Run and score", {"fields": ["status", "incident", "started_at", "finished_at", "start_error",
                                      "time_to_acknowledge", "right_team_first", "checklist_done",
                                      "checklist_total"]}),
        ("Advanced", {"classes": ["collapse"], "fields": ["debrief", "debrief_published_at", "debrief_published_by",
                                                          "scheduled_by", "created_at", "updated_at"]}),
    ]

    def has_add_permission(self, request) -> bool:
        return False  # scheduled from the drills page, which checks the plan and tells the people

    # Debrief published: view only (a POST is refused with 403), and never deleted, not even in bulk (the
    # delete action asks each row's has_delete_permission).
    def has_change_permission(self, request, obj: Drill | None = None) -> bool:
        return not (obj is not None and obj.debrief_published) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj: Drill | None = None) -> bool:
        return not (obj is not None and obj.debrief_published) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj: Drill | None = None) -> list[str]:
        if obj is not None and obj.status != DrillStatus.SCHEDULED:
            return ALWAYS_READ_ONLY + [name for name in PLANNED if name != "title"]
        return ALWAYS_READ_ONLY

    def save_model(self, request, obj: Drill, form, change: bool) -> None:
        if obj.status != DrillStatus.SCHEDULED:  # started: its title alone, never the run's columns
            obj.save(update_fields=["title", "updated_at"])
            return
        planned = {name: form.cleaned_data[name] for name in PLANNED}
        drill_update(drill=obj.pk, user=request.user, **planned)  # the participants too, and who is told
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change: bool) -> None:
        """Nothing more: ``drill_update`` set the participants, and a started drill's are read-only."""
