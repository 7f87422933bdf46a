"""Django's admin site, made to answer odd input with a 4xx instead of a 500.

Django admin (and django-simple-history's admin) trust a few values from the URL and the form
that a tampered or mistyped request can break: a date-hierarchy year past 9999 or of thirty
digits, a history id that is not a number, the chosen value of an autocomplete field that is
not an id, and searches of thousands of words (SQLite refuses the query). ``PortalAdminSite``
mixes ``OddInputAdminMixin`` into every ModelAdmin registered on it and its inlines, so every
admin screen, ours and third-party ones (django-axes), gets the same guards without each admin
class knowing about them.
"""

import functools

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters, InlineModelAdmin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeListSearchForm
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

# Longer searches find nothing anyone typed, and thousands of words exceed SQLite's limit.
MAX_SEARCH_LENGTH = 200


def valid_value(field, value) -> bool:
    """Whether ``value`` (from a form or a URL) is a value the model field can hold."""
    try:
        field.to_python(value)
    except ValidationError:
        return False
    return True


class KnownValuesAutocompleteMixin:
    """Django's autocomplete widgets show the chosen option by looking it up: only look up
    values the related field can hold (a form sent back with "abc" for an id was a 500)."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        options = remote.model._meta
        target = options.get_field(getattr(remote, "field_name", None) or options.pk.name)
        return super().optgroups(name, [v for v in value if valid_value(target, v)], attr)


class KnownValuesAutocompleteSelect(KnownValuesAutocompleteMixin, AutocompleteSelect):
    pass


class KnownValuesAutocompleteSelectMultiple(
    KnownValuesAutocompleteMixin, AutocompleteSelectMultiple
):
    pass


class BoundedSearchForm(ChangeListSearchForm):
    q = forms.CharField(required=False, strip=False, max_length=MAX_SEARCH_LENGTH)


class OddInputChangeListMixin:
    """A date hierarchy that cannot be built (year 9999 has no next year; a year of thirty
    digits is no date) is a bad filter, handled as Django handles every other one."""

    search_form_class = BoundedSearchForm

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


class OddInputAdminMixin:
    """Guards for a ModelAdmin or an InlineModelAdmin (see the module's docstring)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KnownValuesAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KnownValuesAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class OddInputModelAdminMixin(OddInputAdminMixin):
    def get_inlines(self, request, obj):
        return [odd_input_safe(inline) for inline in super().get_inlines(request, obj)]

    def get_changelist(self, request, **kwargs):
        return odd_input_changelist(super().get_changelist(request, **kwargs))

    def get_search_results(self, request, queryset, search_term):
        if len(search_term) > MAX_SEARCH_LENGTH:  # the autocomplete's term; the list's form
            return queryset.none(), False  # refuses it with a message first
        return super().get_search_results(request, queryset, search_term)


class OddInputHistoryAdminMixin:
    """django-simple-history's views look ids up without checking them: not a number is 404."""

    def history_view(self, request, object_id, extra_context=None):
        self.check_id(self.model._meta.pk, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.check_id(self.model._meta.pk, object_id)
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        self.check_id(history.model._meta.pk, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    @staticmethod
    def check_id(field, value):
        if not valid_value(field, unquote(value)):
            raise Http404


@functools.cache
def odd_input_changelist(changelist_class):
    if issubclass(changelist_class, OddInputChangeListMixin):
        return changelist_class
    return type(changelist_class.__name__, (OddInputChangeListMixin, changelist_class), {})


@functools.cache
def odd_input_safe(admin_class):
    """``admin_class`` with the guards mixed in (once; the same class every time)."""
    if issubclass(admin_class, OddInputAdminMixin):
        return admin_class
    if issubclass(admin_class, InlineModelAdmin):
        mixins = (OddInputAdminMixin,)
    elif issubclass(admin_class, SimpleHistoryAdmin):
        mixins = (OddInputHistoryAdminMixin, OddInputModelAdminMixin)
    else:
        mixins = (OddInputModelAdminMixin,)
    attributes = {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__}
    return type(admin_class.__name__, (*mixins, admin_class), attributes)


class PortalAdminSite(admin.AdminSite):
    """The admin site (``admin.site``): every ModelAdmin registered gets ``odd_input_safe``."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = odd_input_safe(admin_class or admin.ModelAdmin)
        super().register(model_or_iterable, admin_class, **options)
