import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aktive.widgets import FastSelect, FastTextInput
from measures.caching import cached, data_version
from measures.models import Measure, TargetGroup
from measures.periods import Period
from partnerships.dates import EARLIEST_DATE
from partnerships.models import Community, Partner


class MeasureFilter(django_filters.FilterSet):
    """The measure list's filters; every value lives in the URL so a filtered list can be shared."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        # Every word is one more condition: a few thousand are more than SQLite takes.
        max_length=200,
        widget=FastTextInput(attrs={"type": "search", "placeholder": _("E.g. åpen hall")}),
    )
    # Communities and partners by slug, as plain choices: a county has hundreds of partners,
    # and model instances for each option cost more than the rest of the list page.
    community = django_filters.ChoiceFilter(
        label=_("Community"),
        field_name="community__slug",
        empty_label=_("All communities"),
        widget=FastSelect,
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=Measure.Status.choices,
        empty_label=_("All statuses"),
        widget=FastSelect,
    )
    target_group = django_filters.ModelChoiceFilter(
        label=_("Target group"),
        field_name="target_groups",
        queryset=TargetGroup.objects.all(),
        empty_label=_("All target groups"),
        widget=FastSelect,
    )
    partner = django_filters.ChoiceFilter(
        label=_("Partner"),
        field_name="partners__slug",
        empty_label=_("All partners"),
        widget=FastSelect,
    )
    # The measures that existed in the year (as on the evaluation page); the exports then
    # count that year's reports, so "Tiltak (Excel)" gives the year's totals.
    year = django_filters.ChoiceFilter(
        label=_("Year"),
        method="filter_year",
        empty_label=_("All years"),
        widget=FastSelect,
    )
    archived = django_filters.ChoiceFilter(
        label=_("Archived"),
        method="filter_archived",
        choices=[("include", _("Include archived")), ("only", _("Only archived"))],
        empty_label=_("Hide archived"),
        widget=FastSelect,
    )

    class Meta:
        model = Measure
        fields = ["q", "community", "status", "target_group", "partner", "year", "archived"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The same for every request until a community, partner or target group changes: kept
        # in the cache (measures/caching.py). A chosen target group is still read when the
        # list is filtered by it (the form checks that it exists).
        choices = cached(f"measure-filter-choices:{data_version()}", filter_choices)
        for name, options in choices.items():
            field = self.form.fields[name]
            if name == "target_group":
                # The field keeps its queryset, to check a value; its widget gets the options.
                field.widget.choices = [("", field.empty_label), *options]
            else:
                # django-filter puts the empty label ("All …") first itself.
                field.choices = options
        this_year = timezone.localdate().year
        years = [(str(year), str(year)) for year in range(this_year, EARLIEST_DATE.year - 1, -1)]
        self.form.fields["year"].choices = years
        for field in self.form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def filter_text(self, queryset, name, value):
        return queryset.search(value)

    def filter_year(self, queryset, name, value):
        return queryset.existed_in(Period.year(int(value)))

    def described(self) -> list[str]:
        """The chosen filters in words, for an export's name and title: ["Konnerud", "Aktiv"].

        No queries: the names come from the choices the form has already loaded."""
        if not self.is_bound or not self.form.is_valid():
            return []
        data, fields = self.form.cleaned_data, self.form.fields
        words = []
        for name in ("community", "partner"):
            if data.get(name):
                words.append(dict(fields[name].choices).get(data[name], data[name]))
        if data.get("status"):
            words.append(Measure.Status(data["status"]).label)
        if data.get("target_group"):
            words.append(data["target_group"].name)
        if data.get("q"):
            words.append(data["q"])
        if data.get("archived") == "include":
            words.append(_("archived included"))
        elif data.get("archived") == "only":
            words.append(_("only archived"))
        return [str(word) for word in words]

    def filter_archived(self, queryset, name, value):
        if value == "only":
            return queryset.filter(is_archived=True)
        return queryset

    @property
    def qs(self):
        queryset = super().qs
        if not self.form.is_valid() or not self.form.cleaned_data.get("archived"):
            queryset = queryset.filter(is_archived=False)
        return queryset


def filter_choices() -> dict[str, list[tuple]]:
    """The options of the community, partner and target group filters, one query each."""
    return {
        "community": list(Community.objects.order_by("name", "pk").values_list("slug", "name")),
        "partner": list(Partner.objects.order_by("name", "pk").values_list("slug", "name")),
        "target_group": [(group.pk, str(group)) for group in TargetGroup.objects.all()],
    }
