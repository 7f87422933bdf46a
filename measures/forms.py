from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.layout import HTML, Fieldset
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aktive.editing import VersionedForm, crispy_helper, two_columns
from aktive.widgets import FastDateInput, FastSelect
from measures.images import ACCEPT_ATTRIBUTE, ProcessedImage, process_image
from measures.models import REPORT_FIELDS, Measure, MeasurePartner, Report, TargetGroup
from measures.periods import Period
from partnerships.dates import EARLIEST_DATE, latest_date, validate_activity_date
from partnerships.models import Community, Partner

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MeasureForm(VersionedForm, forms.ModelForm):
    """Create or edit a measure. Offers only the partners of the measure's community."""

    partners = forms.ModelMultipleChoiceField(
        label=_("Partners"),
        queryset=Partner.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The lead partner is always included."),
    )
    member_fields = {"partner": "partners", "target_group": "target_groups"}

    class Meta:
        model = Measure
        fields = [
            "title",
            "summary",
            "description",
            "status",
            "lead_partner",
            "target_groups",
            "schedule",
            "venue",
            "started_on",
            "ended_on",
            "is_public",
            "is_free",
            "sign_up",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 6}),
            "target_groups": forms.CheckboxSelectMultiple,
            "started_on": DATE_WIDGET,
            "ended_on": DATE_WIDGET,
        }

    def __init__(self, *args, community: Community, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        if not self.instance.pk:
            self.instance.community = community  # fixed: never changed by the form
        community_partners = Partner.objects.filter(community_memberships__community=community)
        self.fields["lead_partner"].queryset = community_partners
        self.fields["partners"].queryset = community_partners
        self.fields["target_groups"].queryset = TargetGroup.objects.all()
        self.fields["summary"].widget.attrs["maxlength"] = Measure._meta.get_field(
            "summary"
        ).max_length
        contributions = {}
        if self.instance.pk:
            links = list(self.instance.partner_links.all())
            contributions = {link.partner_id: link.contribution for link in links}
            self.fields["partners"].initial = [link.partner_id for link in links]
        self.contribution_fields = []
        own_partner = None
        for partner in community_partners:
            if own_partner is None and user is not None and partner.pk in user.partner_ids:
                own_partner = partner
            name = f"contribution_{partner.pk}"
            self.fields[name] = forms.CharField(
                label=_("Contribution from %(partner)s") % {"partner": partner.name},
                required=False,
                max_length=MeasurePartner._meta.get_field("contribution").max_length,
                initial=contributions.get(partner.pk, ""),
            )
            self.contribution_fields.append(name)
        if not self.instance.pk and own_partner is not None:
            # A new measure is most often led by the user's own partner: one choice less.
            self.fields["lead_partner"].initial = own_partner.pk
            self.fields["partners"].initial = [own_partner.pk]
        self.helper = crispy_helper(
            Fieldset(_("About the measure"), "title", "summary", "description", "status"),
            Fieldset(
                _("Partners"),
                "lead_partner",
                HTML('{% include "measures/partials/partner_fields.html" %}'),
            ),
            Fieldset(_("Who is it for"), InlineCheckboxes("target_groups")),
            Fieldset(_("When and where"), "schedule", "venue", "started_on", "ended_on"),
            Fieldset(_("On the public pages"), "is_public", "is_free", "sign_up"),
            "version",
            "seen_version",
        )

    def clean(self):
        cleaned = super().clean()
        lead = cleaned.get("lead_partner")
        partners = list(cleaned.get("partners") or [])
        # A contribution written for a partner whose box is not ticked makes it a partner: the
        # text says it takes part, and throwing the text away would lose what was typed.
        chosen = {partner.pk for partner in partners}
        for partner in self.fields["partners"].queryset:
            if partner.pk not in chosen and cleaned.get(f"contribution_{partner.pk}", "").strip():
                partners.append(partner)
        if lead is not None and lead not in partners:
            partners.append(lead)  # the lead partner is always one of the partners
        cleaned["partners"] = partners
        return cleaned

    def show_member_value(self, kind: str, member: str, value) -> None:
        if kind == "partner":
            self.data[f"contribution_{member}"] = value

    @property
    def partner_rows(self) -> list[dict]:
        """Each partner's checkbox with its contribution field, for one row per partner."""
        return [
            {
                "checkbox": checkbox,
                "contribution": self[f"contribution_{checkbox.data['value']}"],
            }
            for checkbox in self["partners"]
        ]

    @property
    def contributions(self) -> dict[int, str]:
        return {
            int(name.removeprefix("contribution_")): self.cleaned_data.get(name, "").strip()
            for name in self.contribution_fields
        }

    def edit_arguments(self) -> dict:
        """What ``measure_create`` and ``measure_update`` take from this form."""
        return {
            "data": {
                name: self.cleaned_data[name]
                for name in self.Meta.fields
                if name in self.cleaned_data
            },
            "partners": self.cleaned_data["partners"],
            "target_groups": self.cleaned_data["target_groups"],
            "contributions": self.contributions,
        }


class ReportForm(VersionedForm, forms.ModelForm):
    """An activity report: counts only, never names."""

    class Meta:
        model = Report
        fields = list(REPORT_FIELDS)
        widgets = {
            "period_start": DATE_WIDGET,
            "period_end": DATE_WIDGET,
            "note": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, measure: Measure, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.measure = measure
        self.fields["period_end"].required = False
        self.fields["volunteer_hours"].localize = True
        self.fields["volunteer_hours"].widget = forms.TextInput(attrs={"inputmode": "decimal"})
        for name in ("sessions", "participants", "girls", "volunteers"):
            self.fields[name].widget.attrs.update({"min": 0, "inputmode": "numeric"})
        self.helper = crispy_helper(
            Fieldset(
                _("Period"),
                HTML('{% include "measures/partials/period_choices.html" %}'),
                two_columns("period_start", "period_end"),
            ),
            Fieldset(
                _("How many"),
                two_columns("sessions", "participants", "girls", "volunteers", "volunteer_hours"),
            ),
            "note",
            "version",
            "seen_version",
        )

    def report_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in REPORT_FIELDS}


class PhotoForm(forms.Form):
    """Add, replace or remove a measure's photo. Checked and re-encoded in ``process_image``."""

    image = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text=_(
            "JPEG, PNG or WebP, at most 10 MB and 40 megapixels. Location and other hidden "
            "data in the file are removed."
        ),
    )
    image_alt = forms.CharField(
        label=Measure._meta.get_field("image_alt").verbose_name.capitalize(),
        max_length=Measure._meta.get_field("image_alt").max_length,
        required=False,
        help_text=_("What the photo shows, for those who cannot see it. Do not name children."),
    )
    image_consent = forms.BooleanField(
        label=_("Consent is in place for the people in the photo"),
        required=False,
        help_text=_(
            "For children, the parents have agreed. Anyone in the photo can ask to have it removed."
        ),
    )
    remove = forms.BooleanField(label=_("Remove the photo"), required=False)

    def __init__(self, *args, measure: Measure, **kwargs):
        super().__init__(*args, **kwargs)
        self.measure = measure
        self.photo: ProcessedImage | None = None
        if not measure.image:
            del self.fields["remove"]
        self.helper = crispy_helper()

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload:
            self.photo = process_image(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("remove"):
            return cleaned
        has_photo = self.photo is not None or bool(self.measure.image)
        if not has_photo and "image" not in self.errors:
            self.add_error("image", _("Choose a photo."))
        if has_photo:
            if not cleaned.get("image_alt", "").strip():
                self.add_error("image_alt", _("Describe the photo."))
            if not cleaned.get("image_consent"):
                self.add_error(
                    "image_consent",
                    _("A photo can only be used when consent is in place for the people in it."),
                )
        if self.photo is not None and self.errors:
            # A browser never sends a chosen file back with the page: say so where it was.
            self.add_error(
                "image", _("Choose the photo again: it is not kept while the form has errors.")
            )
        return cleaned


class PeriodForm(forms.Form):
    """``?year=2026``, or ``?start=2026-01-01&end=2026-06-30`` (the dates win over the year).

    Empty means ``default`` (None: no limit). ``years`` are the choices of the year select.
    """

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, widget=FastSelect)
    # Within the dates people can enter: outside there is nothing to count, only typos.
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=FastDateInput(attrs={"type": "date"}),
        validators=[validate_activity_date],
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=FastDateInput(attrs={"type": "date"}),
        validators=[validate_activity_date],
    )
    max_months: int | None = None

    def __init__(self, data=None, *, years=None, default: Period | None = None, **kwargs):
        super().__init__(data, **kwargs)
        this_year = timezone.localdate().year
        years = years or range(this_year, EARLIEST_DATE.year - 1, -1)
        self.fields["year"].choices = [("", _("Choose a year")), *((y, str(y)) for y in years)]
        self.default = default
        for name in ("start", "end"):
            self.fields[name].widget.attrs.update(
                min=EARLIEST_DATE.isoformat(), max=latest_date().isoformat()
            )
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if bool(start) != bool(end) and not self.has_error("start") and not self.has_error("end"):
            missing = "end" if start else "start"
            self.add_error(missing, _("Fill in both dates, or choose a year instead."))
        elif start and end and end < start:
            self.add_error("end", _("The end date cannot be before the start date."))
        elif (
            start and end and self.max_months and len(Period(start, end).months()) > self.max_months
        ):
            self.add_error(
                "end",
                _("Choose a period of at most %(months)s months.") % {"months": self.max_months},
            )
        return data

    @property
    def period(self) -> Period | None:
        """The chosen period; only call after ``is_valid()``."""
        data = getattr(self, "cleaned_data", {})
        if data.get("start") and data.get("end"):
            return Period(data["start"], data["end"])
        if data.get("year"):
            return Period.year(data["year"])
        return self.default
