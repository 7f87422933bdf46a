"""Admin's "New community" page: a community, its partners and their first users in one form.

Staff would otherwise need a screen per community, partner, link and user. The page saves
through ``notifications.services.community_onboard`` (``partnerships.services.community_create``
and an invitation per new user), in one transaction; what the service refuses is shown next to
the field it is about.
"""

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aktive.admin_site import KnownValuesAutocompleteSelect
from notifications.services import community_onboard
from partnerships.models import Community, CommunityPartner, Partner
from partnerships.services import COMMUNITY_FIELDS, NewPerson, PartnerEntry

ROWS = 3  # a sports club, a school and the municipality; "More partners" adds rows
MAX_ROWS = 30
ENTRY_ERROR = re.compile(r"partners-(\d+)-(\w+)")


class CommunityForm(forms.ModelForm):
    class Meta:
        model = Community
        fields = list(COMMUNITY_FIELDS)


class PartnerRowForm(forms.Form):
    """One partner of the new community: an existing one or a new one, and its first user."""

    partner = forms.ModelChoiceField(
        Partner.objects.all(),
        label=_("Existing partner"),
        required=False,
        widget=KnownValuesAutocompleteSelect(
            CommunityPartner._meta.get_field("partner"), admin.site
        ),
        help_text=_("Search by name. Or leave it empty and give a new partner's name below."),
    )
    name = forms.CharField(label=_("New partner's name"), max_length=120, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", "–"), *Partner.Kind.choices], required=False
    )
    role = forms.CharField(
        label=_("Role in the partnership"),
        max_length=120,
        required=False,
        help_text=_("E.g. “Koordinator”. May be left empty."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_(
            "The person gets an invitation here, with a link to choose a password, and logs "
            "in with this address."
        ),
    )
    title = forms.CharField(
        label=_("Title"), max_length=120, required=False, help_text=_("E.g. “Rektor”.")
    )

    def is_blank(self) -> bool:
        return not any(self.cleaned_data.get(name) for name in self.fields)

    def entry(self) -> PartnerEntry:
        data = self.cleaned_data
        person_given = any(data[name] for name in ("first_name", "last_name", "email", "title"))
        new_given = data["name"] or data["kind"]
        return PartnerEntry(
            partner=data["partner"],
            new={"name": data["name"], "kind": data["kind"] or Partner.Kind.OTHER}
            if new_given or data["partner"] is None
            else None,
            role=data["role"],
            people=[
                NewPerson(
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    title=data["title"],
                )
            ]
            if person_given
            else [],
        )


PartnerRowFormSet = forms.formset_factory(
    PartnerRowForm, extra=0, min_num=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS
)


def with_more_rows(data, prefix: str = "partners"):
    """The posted form with ``ROWS`` more empty partner rows."""
    data = data.copy()
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", ROWS))
    except ValueError:
        total = ROWS
    data[f"{prefix}-TOTAL_FORMS"] = str(min(max(total, 0) + ROWS, MAX_ROWS))
    return data


def show_errors(error: ValidationError, community_form, formset) -> None:
    """Put each of the service's errors next to its field."""
    for key, messages_ in error.message_dict.items():
        match = ENTRY_ERROR.fullmatch(key)
        if match and int(match[1]) < len(formset.forms):
            form, name = formset.forms[int(match[1])], match[2]
        else:
            form, name = community_form, key
        target = name if name in form.fields else None
        for message in messages_:
            if target is None and form is community_form and key != "__all__":
                message = f"{key}: {message}"
            form.add_error(target, message)


def onboard_view(model_admin, request):
    """GET: the empty form; POST: create everything, or show what to fix."""
    if not all(
        request.user.has_perm(f"partnerships.add_{model}")
        for model in ("community", "partner", "communitypartner", "user", "partnermembership")
    ):
        raise PermissionDenied("onboarding needs the add permissions of every record it writes")
    if request.method == "POST" and "_more" in request.POST:
        # More rows, with what was typed kept and no errors yet: nothing was asked to be saved.
        data = with_more_rows(request.POST)
        community_form = CommunityForm(initial=_typed(CommunityForm(data)))
        formset = PartnerRowFormSet(
            initial=[_typed(form) for form in PartnerRowFormSet(data, prefix="partners").forms],
            prefix="partners",
        )
    elif request.method == "POST":
        community_form = CommunityForm(request.POST)
        formset = PartnerRowFormSet(request.POST, prefix="partners")
        if community_form.is_valid() and formset.is_valid():
            rows = [form for form in formset.forms if not form.is_blank()]
            try:
                created = community_onboard(
                    user=request.user,
                    data={name: community_form.cleaned_data[name] for name in COMMUNITY_FIELDS},
                    partners=[form.entry() for form in rows],
                )
            except ValidationError as error:
                # Row numbers of the service are those of the rows that were filled in.
                show_errors(_renumbered(error, formset, rows), community_form, formset)
            else:
                model_admin.message_user(request, _done(created), messages.SUCCESS)
                # The list, with the new community in it (Django's change form with its
                # tabular inline of partners is not one screen readers can use).
                return redirect(reverse("admin:partnerships_community_changelist"))
    else:
        community_form = CommunityForm()
        formset = PartnerRowFormSet(initial=[{}] * ROWS, prefix="partners")
    errors = bool(community_form.errors) or any(form.errors for form in formset.forms)
    errors = errors or bool(formset.non_form_errors())
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Community._meta,
        "title": _("New community"),
        "subtitle": None,
        "community_form": community_form,
        "formset": formset,
        "has_errors": errors,
        "media": model_admin.media + community_form.media + formset.media,
        "can_add_rows": len(formset.forms) < MAX_ROWS,
    }
    return TemplateResponse(request, "admin/partnerships/community/onboard.html", context)


def _typed(form) -> dict:
    """What was typed into a bound form, as initial values for an unbound one."""
    values = {}
    for name, field in form.fields.items():
        value = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        if name == "partner":
            value = value if value and str(value).isdigit() and len(str(value)) < 12 else None
        values[name] = value
    return values


def _renumbered(error: ValidationError, formset, rows) -> ValidationError:
    """The service numbers the filled-in rows; the page numbers all of them."""
    position = {index: formset.forms.index(form) for index, form in enumerate(rows)}
    errors = {}
    for key, messages_ in error.message_dict.items():
        match = ENTRY_ERROR.fullmatch(key)
        if match:
            key = f"partners-{position[int(match[1])]}-{match[2]}"
        errors[key] = messages_
    return ValidationError(errors)


def _done(created) -> str:
    users = ", ".join(user.email for user in created.users)
    text = ngettext(
        "The community %(community)s is created with %(count)d partner.",
        "The community %(community)s is created with %(count)d partners.",
        len(created.partners),
    ) % {"community": created.community, "count": len(created.partners)}
    if users:
        text += " " + _("Invitations are sent to %(emails)s.") % {"emails": users}
    return text
