from django import forms

from aktive.editing import VersionedForm, crispy_helper, two_columns
from partnerships.models import Community, Meeting, Partner


class MeetingForm(VersionedForm, forms.ModelForm):
    """Record or edit a meeting. Offers only the partners of the meeting's community."""

    member_fields = {"present": "partners_present"}

    class Meta:
        model = Meeting
        fields = ["kind", "title", "date", "venue", "partners_present", "minutes"]
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
        self.helper = crispy_helper(
            two_columns("kind", "date"),
            "title",
            "venue",
            "partners_present",
            "minutes",
            "version",
            "seen_version",
        )

    def meeting_data(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in ("kind", "title", "date", "venue", "minutes")
        }
