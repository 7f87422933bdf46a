from crispy_forms.layout import Fieldset
from django import forms
from django.utils.translation import gettext_lazy as _

from aktive.editing import VersionedForm, crispy_helper, two_columns
from partnerships.models import Community, Meeting, Partner
from partnerships.services import MEETING_FIELDS

COUNT_FIELDS = ("parents_present", "pupils_present", "others_present")


class MeetingForm(VersionedForm, forms.ModelForm):
    """Record or edit a meeting. Offers only the partners of the meeting's community."""

    member_fields = {"present": "partners_present"}

    class Meta:
        model = Meeting
        fields = [
            "kind",
            "title",
            "date",
            "venue",
            "partners_present",
            "parents_present",
            "pupils_present",
            "others_present",
            "minutes",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "partners_present": forms.CheckboxSelectMultiple,
            "minutes": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        if not self.instance.pk:
            self.instance.community = community
        self.fields["partners_present"].queryset = Partner.objects.filter(
            community_memberships__community=community
        )
        for name in COUNT_FIELDS:
            self.fields[name].required = False  # empty is none
            self.fields[name].widget.attrs.update({"min": 0, "inputmode": "numeric"})
        self.helper = crispy_helper(
            two_columns("kind", "date"),
            "title",
            "venue",
            "partners_present",
            Fieldset(
                _("Others present"),
                two_columns("parents_present", "pupils_present", "others_present"),
            ),
            "minutes",
            "version",
            "seen_version",
        )

    def meeting_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in MEETING_FIELDS}
        return data | {name: data[name] or 0 for name in COUNT_FIELDS}
