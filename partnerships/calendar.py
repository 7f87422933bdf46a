"""A community's calendar settings, for its partners: its school holidays, and whether its
public "what's on" pages are shown (with the links and the embed code to share)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View

from aktive.editing import add_service_error, crispy_helper, two_columns
from measures.models import Measure
from partnerships.models import HolidayPeriod
from partnerships.permissions import can_edit_holidays, can_publish_community, require
from partnerships.services import (
    community_set_public,
    holiday_period_create,
    holiday_period_delete,
)
from partnerships.views import CommunityMixin

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class HolidayForm(forms.ModelForm):
    """A school holiday of one community."""

    class Meta:
        model = HolidayPeriod
        fields = ["name", "first_day", "last_day"]
        widgets = {"first_day": DATE_WIDGET, "last_day": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = crispy_helper("name", two_columns("first_day", "last_day"))


def holidays_url(community) -> str:
    return reverse("partnerships:community_holidays", kwargs={"slug": community.slug})


class CommunityHolidaysView(CommunityMixin, FormView):
    """/communities/<slug>/holidays/: the school holidays (the community's own and its
    municipality's); its partners add and remove the community's own."""

    template_name = "partnerships/community_holidays.html"
    form_class = HolidayForm

    def can_edit(self) -> bool:
        return can_edit_holidays(self.request.user, self.community)

    def post(self, request, *args, **kwargs):
        require(self.can_edit(), "may not edit this community's school holidays")
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        periods = HolidayPeriod.objects.for_community(self.community).order_by("first_day", "pk")
        return super().get_context_data(periods=periods, can_edit=self.can_edit(), **kwargs)

    def form_valid(self, form):
        try:
            period = holiday_period_create(
                community=self.community, user=self.request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("“%(name)s” is saved.") % {"name": period.name})
        return HttpResponseRedirect(holidays_url(self.community))


class HolidayDeleteView(CommunityMixin, View):
    """POST: remove one of the community's own school holidays."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        require(can_edit_holidays(request.user, self.community), "may not edit school holidays")
        period = get_object_or_404(HolidayPeriod, pk=kwargs["pk"], community=self.community)
        holiday_period_delete(period=period, user=request.user)
        messages.success(request, _("“%(name)s” is removed.") % {"name": period.name})
        return HttpResponseRedirect(holidays_url(self.community))


PUBLISH, HIDE = "publish", "hide"


class CommunityPublicPagesView(CommunityMixin, TemplateView):
    """/communities/<slug>/public/: are the public pages shown, what they show, the links to
    share and the embed code; its partners show or hide them (POST ``action``)."""

    template_name = "partnerships/community_public.html"

    def get_context_data(self, **kwargs):
        community = self.community
        public_url = self.request.build_absolute_uri(
            reverse("public:community", kwargs={"slug": community.slug})
        )
        embed_url = self.request.build_absolute_uri(
            reverse("public:embed", kwargs={"slug": community.slug})
        )
        measures = community.measures.not_archived().order_by("title", "pk")
        title = _("What's on in %(community)s") % {"community": community.name}
        return super().get_context_data(
            can_publish=can_publish_community(self.request.user, community),
            public_url=public_url,
            feed_url=self.request.build_absolute_uri(
                reverse("public:community_feed", kwargs={"slug": community.slug})
            ),
            embed_code=(
                f'<iframe src="{embed_url}" title="{escape(title)}" '
                'style="width:100%;height:32rem;border:0"></iframe>'
            ),
            public_measures=measures.public(),
            hidden_measures=measures.exclude(pk__in=Measure.objects.public().values("pk")),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        require(can_publish_community(request.user, self.community), "may not publish")
        action = request.POST.get("action")
        if action not in (PUBLISH, HIDE):
            return HttpResponseBadRequest(_("Choose whether to show or hide the public pages."))
        community_set_public(community=self.community, user=request.user, public=action == PUBLISH)
        if action == PUBLISH:
            messages.success(request, _("The public pages are shown."))
        else:
            messages.success(request, _("The public pages are hidden."))
        return HttpResponseRedirect(
            reverse("partnerships:community_public", kwargs={"slug": self.community.slug})
        )
