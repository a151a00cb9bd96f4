"""The routing pages' forms: the accuracy page's period, and the simulator's two ways to pick a draft."""

from __future__ import annotations

from django import forms

from ..simulator import DEFAULT_LAST, MAX_LAST

PERIODS = [(30, "Last 30 days"), (90, "Last 90 days"), (365, "Last 365 days")]
DEFAULT_DAYS = 90


class PeriodForm(forms.Form):
    # Not required: links name only the rule (``?rule=cdn``) and mean the default period. Any other value
    # is said so above the page, which shows the default period instead.
    days = forms.TypedChoiceField(
        choices=PERIODS, coerce=int, required=False, empty_value=DEFAULT_DAYS, initial=DEFAULT_DAYS, label="Period",
        error_messages={"invalid_choice": "That is not one of the periods offered (30, 90 or 365 days): "
                                          f"showing the last {DEFAULT_DAYS} days instead."},
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def days_or_default(self) -> int:
        return self.cleaned_data["days"] if self.is_valid() else DEFAULT_DAYS


def _last() -> forms.IntegerField:
    return forms.IntegerField(
        label="Replay the last", min_value=1, max_value=MAX_LAST, initial=DEFAULT_LAST,
        help_text=f"incidents (drills never count; at most {MAX_LAST}).",
        error_messages={"max_value": f"At most {MAX_LAST} incidents.", "min_value": "At least one incident.",
                        "required": "Say how many incidents to replay.", "invalid": "A whole number of incidents."},
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm simulator-minutes"}),
    )


class ChangeRequestSimulationForm(forms.Form):
    """Replay a pending or drafted change request (read from the query string: a link can point at it)."""

    change_request = forms.TypedChoiceField(
        coerce=int, label="Change request",
        error_messages={"required": "Choose a change request.",
                        "invalid_choice": "That change request is not open or does not touch routing."},
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    last = _last()

    def __init__(self, *args, change_requests: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["change_request"].choices = [("", "Choose…")] + [
            (cr.pk, f"#{cr.pk} {cr.get_status_display()}: {cr.reason} ({cr.author.get_username()})")
            for cr in change_requests
        ]


class RulesSimulationForm(forms.Form):
    """Replay the rules and escalation policies as edited on the page, in the matrix file's YAML."""

    rules = forms.CharField(
        label="Rules and escalation policies",
        widget=forms.Textarea(attrs={"rows": 18, "class": "form-control font-monospace", "spellcheck": "false"}),
        help_text="Today's rules and policies, in the matrix file's format (docs/matrix-file.md, “rules” and "
                  "“policies”): edit, add or remove entries, and each section replaces today's in the replay "
                  "(leave a section out to keep today's). Steps count per phase: acknowledge, contain, resolve.",
        error_messages={"required": "Write the rules or policies to replay (start from today's, below)."},
    )
    last = _last()
