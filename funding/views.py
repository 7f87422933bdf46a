"""Grants, the funder's report, goals and context figures. Who may do what:
``funding/permissions.py``."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, ListView, TemplateView, View

from aktive.editing import SavesThroughService
from aktive.pagination import ElidedPaginationMixin
from funding.figures import funder_report, goal_progress, grant_parts
from funding.forms import ContextFigureForm, GoalForm, GrantForm
from funding.history import grant_changes
from funding.models import ContextFigure, Goal, Grant
from funding.permissions import (
    can_create_grant,
    can_edit_goals,
    can_edit_grant,
    visible_grants,
)
from funding.services import (
    context_figure_delete,
    context_figure_save,
    goal_delete,
    goal_save,
    grant_create,
    grant_update,
)
from measures.periods import Period
from partnerships.models import Community
from partnerships.permissions import require


class GrantListView(ElidedPaginationMixin, ListView):
    """The grants the user may see, newest period first; ``?community=<slug>`` for one."""

    template_name = "funding/grant_list.html"
    paginate_by = 25

    @cached_property
    def community(self) -> Community | None:
        slug = self.request.GET.get("community")
        if not slug:
            return None
        return Community.objects.filter(slug=slug[:100]).first()

    def get_queryset(self):
        grants = visible_grants(self.request.user).for_list()
        if self.request.GET.get("community"):
            grants = grants.filter(community=self.community)
        return grants

    def get_context_data(self, **kwargs):
        community = self.community
        return super().get_context_data(
            community=community,
            can_create=community is not None and can_create_grant(self.request.user, community),
            **kwargs,
        )


class GrantMixin:
    """The grant named by the URL, if the user may see it (404 otherwise)."""

    @cached_property
    def grant(self) -> Grant:
        return get_object_or_404(
            visible_grants(self.request.user).select_related("community", "applicant"),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            grant=self.grant, can_edit=can_edit_grant(self.request.user, self.grant), **kwargs
        )


class GrantDetailView(GrantMixin, TemplateView):
    template_name = "funding/grant_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(parts=grant_parts(self.grant), **kwargs)


class GrantHistoryView(GrantMixin, TemplateView):
    template_name = "funding/grant_history.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(changes=grant_changes(self.grant), **kwargs)


class GrantReportView(GrantMixin, TemplateView):
    """The report to the funder: printable on A4, like the evaluation page."""

    template_name = "funding/grant_report.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            report=funder_report(self.grant, today=timezone.localdate()), **kwargs
        )


class GrantCreateView(SavesThroughService, FormView):
    form_class = GrantForm
    template_name = "funding/grant_form.html"
    success_message = gettext_lazy("The grant “%(title)s” is recorded.")

    @cached_property
    def community(self) -> Community:
        return get_object_or_404(Community, slug=self.request.GET.get("community", "")[:100])

    def dispatch(self, request, *args, **kwargs):
        require(
            can_create_grant(request.user, self.community),
            "may not record grants in this community",
        )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "community": self.community, "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            community=self.community,
            page_title=_("Record a grant in %s") % self.community.name,
            cancel_url=self.community.get_absolute_url(),
            **kwargs,
        )

    def save(self, form):
        return grant_create(
            community=self.community,
            user=self.request.user,
            data=form.grant_data(),
            parts=form.parts(),
        )


class GrantUpdateView(GrantMixin, SavesThroughService, FormView):
    form_class = GrantForm
    template_name = "funding/grant_form.html"
    success_message = gettext_lazy("The grant “%(title)s” is saved.")

    def dispatch(self, request, *args, **kwargs):
        require(can_edit_grant(request.user, self.grant), "may not edit this grant")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "community": self.grant.community,
            "user": self.request.user,
            "instance": self.grant,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            community=self.grant.community,
            page_title=_("Edit grant"),
            cancel_url=self.grant.get_absolute_url(),
            **kwargs,
        )

    def save(self, form):
        return grant_update(
            grant=self.grant,
            user=self.request.user,
            data=form.grant_data(),
            parts=form.parts(),
            **form.version_kwargs(),
        )


# --- Goals and context figures ------------------------------------------------------------------


class CommunityGoalsView(TemplateView):
    """A community's goals with their progress this year, and its context figures."""

    template_name = "funding/community_goals.html"

    @cached_property
    def community(self) -> Community:
        return get_object_or_404(Community, slug=self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        community = self.community
        year = timezone.localdate().year
        goals = list(Goal.objects.filter(community=community).select_related("measure"))
        return super().get_context_data(
            community=community,
            year=year,
            progress=goal_progress(goals, community, Period.year(year)),
            figures=ContextFigure.objects.filter(community=community),
            can_edit=can_edit_goals(self.request.user, community),
            **kwargs,
        )


class GoalsEditMixin:
    """Edits of a community's goals and context figures: its partners and staff."""

    model = None
    form_class = None
    template_name = "funding/goal_form.html"

    @cached_property
    def community(self) -> Community:
        if "slug" in self.kwargs:
            return get_object_or_404(Community, slug=self.kwargs["slug"])
        return self.object.community

    @cached_property
    def object(self):
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(
            self.model.objects.select_related("community"), pk=self.kwargs["pk"]
        )

    def dispatch(self, request, *args, **kwargs):
        require(can_edit_goals(request.user, self.community), "may not edit goals here")
        return super().dispatch(request, *args, **kwargs)

    def goals_url(self) -> str:
        return reverse("funding:goals", kwargs={"slug": self.community.slug})


class GoalsFormView(GoalsEditMixin, SavesThroughService, FormView):
    page_titles = {}
    delete_name = ""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "community": self.community, "instance": self.object}

    def get_context_data(self, **kwargs):
        title = self.page_titles["edit" if self.object else "new"]
        return super().get_context_data(
            community=self.community,
            delete_url=reverse(self.delete_name, kwargs={"pk": self.object.pk})
            if self.object
            else None,
            page_title=str(title),
            cancel_url=self.goals_url(),
            **kwargs,
        )

    def get_success_url(self, saved) -> str:
        return self.goals_url()


class GoalFormView(GoalsFormView):
    model = Goal
    form_class = GoalForm
    success_message = gettext_lazy("The goal “%(title)s” is saved.")
    page_titles = {"new": gettext_lazy("New goal"), "edit": gettext_lazy("Edit goal")}
    delete_name = "funding:goal_delete"

    def save(self, form):
        return goal_save(
            community=self.community,
            user=self.request.user,
            data=form.cleaned_data,
            goal=self.object,
        )


class ContextFigureFormView(GoalsFormView):
    model = ContextFigure
    form_class = ContextFigureForm
    success_message = gettext_lazy("The context figure “%(title)s” is saved.")
    page_titles = {
        "new": gettext_lazy("New context figure"),
        "edit": gettext_lazy("Edit context figure"),
    }
    delete_name = "funding:figure_delete"

    def save(self, form):
        return context_figure_save(
            community=self.community,
            user=self.request.user,
            data=form.cleaned_data,
            figure=self.object,
        )


class GoalsDeleteView(GoalsEditMixin, View):
    """Removes a goal or a context figure (POST only; the button is on the goals page)."""

    http_method_names = ["post"]
    remove = None

    def post(self, request, *args, **kwargs):
        title = str(self.object)
        type(self).remove(self.object, request.user)
        messages.success(request, _("“%(title)s” is removed.") % {"title": title})
        return HttpResponseRedirect(self.goals_url())


class GoalDeleteView(GoalsDeleteView):
    model = Goal

    @staticmethod
    def remove(goal, user):
        goal_delete(goal=goal, user=user)


class ContextFigureDeleteView(GoalsDeleteView):
    model = ContextFigure

    @staticmethod
    def remove(figure, user):
        context_figure_delete(figure=figure, user=user)
