from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms

from aktive.editing import VersionedForm
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
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Div(
                Div("kind", css_class="col-sm-6"),
                Div("date", css_class="col-sm-6"),
                css_class="row",
            ),
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
