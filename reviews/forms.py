"""The review pages' forms. They collect and check input; ``reviews.services`` decides and writes, and its
``ReviewInputError`` comes back beside the field it names (``add_service_errors``)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from matrix.models import Tier

from .models import ActionItemStatus, PostIncidentReview
from .selectors import possible_owners

SECTION_PREFIX = "section_"
YES, NO, RIGHT = "yes", "no", "right"


class ServiceErrorsMixin:
    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class ReviewForm(ServiceErrorsMixin, forms.Form):
    """The review's text and answers. Its section fields come from the review (``section_<key>``)."""

    routed_right = forms.ChoiceField(
        label="Was it routed right the first time?", widget=forms.RadioSelect,
        choices=[(YES, "Yes, the first team was the right one"), (NO, "No, it went to the wrong team first")],
    )
    tier = forms.ChoiceField(label="Was the tier right?", widget=forms.RadioSelect)
    contributing_factors = forms.CharField(
        label="Contributing factors", required=False, help_text="One per line.",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "A deploy without a canary\nAn alert nobody watched"}),
    )
    went_well = forms.CharField(label="What went well", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    to_improve = forms.CharField(label="What to improve", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["routed_right", "tier", "contributing_factors", "went_well", "to_improve"]

    def __init__(self, *args, review: PostIncidentReview, partial: bool = False, **kwargs) -> None:
        self.review = review
        incident = review.incident
        kwargs.setdefault("initial", self._initial(review))
        super().__init__(*args, **kwargs)
        if partial:
            # A draft kept on the way (autosave, adding an action item): whatever is typed so far is kept,
            # unanswered questions included; "Save draft" and publishing still ask for the answers.
            self.fields["routed_right"].required = self.fields["tier"].required = False
        self.tiers = {t.key: t for t in Tier.objects.exclude(pk=incident.tier_id).order_by("rank")}
        self.fields["tier"].choices = [(RIGHT, f"Yes, {incident.tier.name} was right")] + [
            (key, f"No, it should have been {tier.name}") for key, tier in self.tiers.items()
        ]
        sections = {
            f"{SECTION_PREFIX}{s['key']}": forms.CharField(
                label=s["heading"], required=False,
                widget=forms.Textarea(attrs={"rows": 4, "placeholder": s.get("hint", "")}),
            )
            for s in review.sections
        }
        # The template's sections first, in its order, then the questions and lessons.
        self.fields = {**sections, **self.fields}

    @staticmethod
    def _initial(review: PostIncidentReview) -> dict:
        initial = {f"{SECTION_PREFIX}{s['key']}": s.get("body", "") for s in review.sections}
        if review.routed_right is not None:
            initial["routed_right"] = YES if review.routed_right else NO
        if review.tier_right is not None:
            initial["tier"] = RIGHT if review.tier_right else getattr(review.right_tier, "key", "")
        initial["contributing_factors"] = "\n".join(review.contributing_factors)
        initial["went_well"], initial["to_improve"] = review.went_well, review.to_improve
        return initial

    def section_fields(self) -> list:
        return [self[name] for name in self.fields if name.startswith(SECTION_PREFIX)]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        tier = data["tier"]
        return {
            "sections": {name.removeprefix(SECTION_PREFIX): value for name, value in data.items()
                         if name.startswith(SECTION_PREFIX)},
            "routed_right": {YES: True, NO: False}.get(data["routed_right"]),  # None: not answered yet
            "tier_right": None if not tier else tier == RIGHT,
            "right_tier": self.tiers.get(tier),
            "contributing_factors": data["contributing_factors"].splitlines(),
            "went_well": data["went_well"],
            "to_improve": data["to_improve"],
        }


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.username


class PeopleField(forms.ModelMultipleChoiceField):
    """Several people, each by name (a drill's participants, who is assigned training)."""

    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.username


def active_people() -> QuerySet:
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")


ACTION_ITEM_FIELDS = ("title", "owner", "due_on")


class ActionItemForm(ServiceErrorsMixin, forms.Form):
    """Its inputs belong to the review form (``form=``), so "Add action item" posts the sections with them
    and nothing typed there is lost."""

    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"placeholder": "What needs doing"}))
    owner = OwnerChoiceField(queryset=possible_owners(), empty_label="Choose the owner")
    due_on = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, owner_form: str = "", **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_item_%s")
        super().__init__(*args, **kwargs)
        if owner_form:
            for field in self.fields.values():
                field.widget.attrs["form"] = owner_form


class ActionItemStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionItemStatus.choices)


class FeedbackForm(ServiceErrorsMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label="How useful is this review?", coerce=int, widget=forms.RadioSelect,
        choices=[(n, str(n)) for n in range(1, 6)], help_text="1 = not useful, 5 = very useful.",
    )
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AddendumForm(ServiceErrorsMixin, forms.Form):
    text = forms.CharField(
        label="Addendum", help_text="A correction or what was learnt since. It is shown after the review, with your "
        "name and the time, and cannot be edited afterwards.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_addendum_%s")
        super().__init__(*args, **kwargs)


class RaiseMatrixChangeForm(forms.Form):
    """What an action item changes in the matrix: a new object of a kind, or an existing one."""

    target = forms.ChoiceField(
        label="What to change", error_messages={"required": "Choose what in the matrix this action item changes.",
                                                "invalid_choice": "Choose one of the listed parts of the matrix."},
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, choices: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", "Choose…"), *choices]
