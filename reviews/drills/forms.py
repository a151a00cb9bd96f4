"""The drill pages' forms. They collect and check input; ``reviews.drills.services`` decides (defaults from
the playbook, routing the drill incident) and its ``ReviewInputError`` comes back beside the field it names."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from matrix.models import Impact, Playbook, ProductArea, Urgency

from ..forms import SECTION_PREFIX, OwnerChoiceField, PeopleField, ServiceErrorsMixin, active_people
from ..models import Drill

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def possible_facilitators() -> QuerySet:
    """Active people who may file incidents (through a role, or their own rights), by name."""
    may_file = Q(groups__permissions__codename="add_incident", groups__permissions__content_type__app_label="incidents")
    may_file |= Q(user_permissions__codename="add_incident", user_permissions__content_type__app_label="incidents")
    return active_people().filter(may_file | Q(is_superuser=True)).distinct()


def details_text(details: dict) -> str:
    return "\n".join(f"{key}: {value}" for key, value in details.items())


class DrillForm(ServiceErrorsMixin, forms.Form):
    """Scheduling a drill, or changing one that has not started. Only the playbook, the time, the people and
    the facilitator are needed: what the drill files defaults from the playbook."""

    playbook = forms.ModelChoiceField(queryset=Playbook.objects.select_related("area", "tier").order_by("name"),
                                      empty_label="Choose the playbook to practise")
    scheduled_for = forms.DateTimeField(
        label="Starts at", input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=f"In {timezone.get_default_timezone_name()}. The drill incident is filed at this time.",
    )
    facilitator = OwnerChoiceField(queryset=possible_facilitators(), empty_label="Choose the facilitator",
                                   help_text="Files the drill incident, runs the drill and writes its debrief.")
    participants = PeopleField(queryset=active_people(), widget=forms.SelectMultiple(attrs={"size": 10}),
                               help_text="Told when it is scheduled and when it starts. Hold Ctrl (⌘) to pick several.")
    title = forms.CharField(max_length=200, required=False, help_text="Empty: “Drill: ” and the playbook's name.")
    scenario = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}),
                               help_text="Markdown. Empty: the playbook's scenario.")
    product_area = forms.ModelChoiceField(queryset=ProductArea.objects.order_by("name"), required=False,
                                          empty_label="The playbook's area", label="Product area")
    impact = forms.ModelChoiceField(queryset=Impact.objects.order_by("rank"), required=False,
                                    empty_label="From the playbook's tier")
    urgency = forms.ModelChoiceField(queryset=Urgency.objects.order_by("rank"), required=False,
                                     empty_label="From the playbook's tier")
    incident_title = forms.CharField(max_length=200, required=False, label="Incident title",
                                     help_text="Empty: “Drill: ” and the playbook's name.")
    incident_description = forms.CharField(required=False, label="Incident description",
                                           widget=forms.Textarea(attrs={"rows": 3}),
                                           help_text="Empty: the scenario, with a word on what a drill is.")
    details = forms.CharField(
        required=False, label="Triage answers",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "order_id: 1234"}),
        help_text="One “field key: answer” per line. Required fields left out get a sample answer.",
    )

    def __init__(self, *args, drill: Drill | None = None, user=None, **kwargs) -> None:
        if drill is not None:
            kwargs.setdefault("initial", self.initial_from(drill))
        elif user is not None:
            kwargs.setdefault("initial", {"facilitator": user.pk})
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_from(drill: Drill) -> dict:
        return {
            "playbook": drill.playbook_id, "title": drill.title,
            "scheduled_for": timezone.localtime(drill.scheduled_for).strftime(DATETIME_LOCAL),
            "facilitator": drill.facilitator_id, "participants": [user.pk for user in drill.participants.all()],
            "scenario": drill.scenario, "product_area": drill.product_area_id, "impact": drill.impact_id,
            "urgency": drill.urgency_id, "incident_title": drill.incident_title,
            "incident_description": drill.incident_description, "details": details_text(drill.details),
        }

    def clean_details(self) -> dict:
        answers = {}
        for number, line in enumerate(self.cleaned_data["details"].splitlines(), start=1):
            if not line.strip():
                continue
            key, colon, value = line.partition(":")
            if not colon or not key.strip():
                raise forms.ValidationError(f"Line {number} is not “field key: answer”: {line.strip()!r}.")
            answers[key.strip()] = value.strip()
        return answers

    def advanced_fields(self) -> list:
        names = ["title", "scenario", "product_area", "impact", "urgency", "incident_title", "incident_description",
                 "details"]
        return [self[name] for name in names]

    def has_advanced_errors(self) -> bool:
        return any(field.errors for field in self.advanced_fields())

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class DebriefForm(ServiceErrorsMixin, forms.Form):
    """The debrief's sections (``section_<key>``), from the drill."""

    def __init__(self, *args, drill: Drill, **kwargs) -> None:
        kwargs.setdefault("initial", {f"{SECTION_PREFIX}{s['key']}": s.get("body", "") for s in drill.debrief})
        super().__init__(*args, **kwargs)
        for section in drill.debrief:
            self.fields[f"{SECTION_PREFIX}{section['key']}"] = forms.CharField(
                label=section["heading"], required=False,
                widget=forms.Textarea(attrs={"rows": 4, "placeholder": section.get("hint", "")}),
            )

    def sections(self) -> dict[str, str]:
        return {name.removeprefix(SECTION_PREFIX): value for name, value in self.cleaned_data.items()}

