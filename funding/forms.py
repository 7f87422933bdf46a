from crispy_forms.layout import HTML, Fieldset
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aktive.editing import VersionedForm, crispy_helper, two_columns
from funding.allocation import Part
from funding.models import ContextFigure, Goal, Grant
from funding.money import MoneyFormField
from funding.permissions import applicants_for
from funding.services import GRANT_FIELDS, value_part
from measures.models import Measure
from partnerships.models import Community, Partner

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FIELDS = (
    "period_start",
    "period_end",
    "applied_on",
    "decided_on",
    "paid_on",
    "report_deadline",
    "reported_on",
)


class GrantForm(VersionedForm, forms.ModelForm):
    """Record or edit a grant: the community's measures, each with a share or an amount."""

    measures = forms.ModelMultipleChoiceField(
        label=_("Measures funded"),
        queryset=Measure.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    member_fields = {"measure": "measures"}

    class Meta:
        model = Grant
        fields = list(GRANT_FIELDS)
        widgets = {
            **dict.fromkeys(DATE_FIELDS, DATE_WIDGET),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, community: Community, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        if not self.instance.pk:
            self.instance.community = community
        applicants = applicants_for(user, community)
        if self.instance.pk:  # the applicant stays on offer, whoever edits
            applicants = Partner.objects.filter(
                Q(pk__in=applicants.values("pk")) | Q(pk=self.instance.applicant_id)
            )
        self.fields["applicant"].queryset = applicants.order_by("name")
        parts = {}
        if self.instance.pk:
            links = list(self.instance.measure_links.all())
            parts = {link.measure_id: Part(link.share, link.amount) for link in links}
            self.fields["measures"].initial = list(parts)
        offered = Measure.objects.filter(community=community).filter(
            Q(is_archived=False) | Q(pk__in=list(parts))
        )
        self.fields["measures"].queryset = offered.order_by("title", "pk")
        self.part_fields = []
        for measure in self.fields["measures"].queryset:
            part = parts.get(measure.pk, Part())
            self.fields[f"share_{measure.pk}"] = forms.DecimalField(
                label=_("Share for %(title)s (%%)") % {"title": measure.title},
                required=False,
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
                initial=part.share,
                localize=True,
            )
            self.fields[f"amount_{measure.pk}"] = MoneyFormField(
                label=_("Amount for %(title)s (kr)") % {"title": measure.title},
                required=False,
                initial=part.amount,
            )
            self.part_fields.append(measure.pk)
        self.helper = crispy_helper(
            Fieldset(_("The grant"), "name", two_columns("funder", "funder_kind"), "applicant"),
            Fieldset(
                _("Money and period"),
                two_columns("amount_applied", "amount_granted"),
                two_columns("period_start", "period_end"),
            ),
            Fieldset(
                _("Measures funded"), HTML('{% include "funding/partials/measure_fields.html" %}')
            ),
            Fieldset(
                _("Status and dates"),
                two_columns("status", "applied_on"),
                two_columns("decided_on", "paid_on"),
                two_columns("report_deadline", "reported_on"),
                "note",
            ),
            "version",
            "seen_version",
        )

    def show_member_value(self, kind: str, member: str, value) -> None:
        if kind == "measure":
            part = value_part(value)
            self.data[f"share_{member}"] = "" if part.share is None else str(part.share)
            amount = self.fields.get(f"amount_{member}")
            self.data[f"amount_{member}"] = (
                "" if part.amount is None or amount is None else amount.prepare_value(part.amount)
            )

    @property
    def measure_rows(self) -> list[dict]:
        return [
            {
                "checkbox": checkbox,
                "share": self[f"share_{checkbox.data['value']}"],
                "amount": self[f"amount_{checkbox.data['value']}"],
            }
            for checkbox in self["measures"]
        ]

    def parts(self) -> dict[int, Part]:
        chosen = self.cleaned_data.get("measures") or []
        return {
            measure.pk: Part(
                share=self.cleaned_data.get(f"share_{measure.pk}"),
                amount=self.cleaned_data.get(f"amount_{measure.pk}"),
            )
            for measure in chosen
        }

    def grant_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in GRANT_FIELDS if name in self.cleaned_data}


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = [
            "measure",
            "title",
            "indicator",
            "baseline",
            "baseline_year",
            "target",
            "target_year",
            "manual_value",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.community = community
        self.fields["measure"].queryset = Measure.objects.filter(community=community).order_by(
            "title"
        )
        for name in ("baseline", "target", "manual_value"):
            self.fields[name].localize = True
            self.fields[name].widget.is_localized = True
        self.helper = crispy_helper(
            "title",
            two_columns("measure", "indicator"),
            two_columns("baseline", "baseline_year"),
            two_columns("target", "target_year"),
            "manual_value",
            "note",
        )


class ContextFigureForm(forms.ModelForm):
    class Meta:
        model = ContextFigure
        fields = ["title", "value", "unit", "year", "source"]

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.community = community
        self.fields["value"].localize = True
        self.fields["value"].widget.is_localized = True
        self.helper = crispy_helper(
            "title", two_columns("value", "unit"), two_columns("year", "source")
        )
