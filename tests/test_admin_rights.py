"""Admin rights cannot be raised from inside.

A sports council staff user who is not a superuser (``Idrettsråd`` group, staff status) manages
partner accounts and nothing above them. These tests walk the user, group and membership admin
as such a user, post crafted values for every form field, and compare a snapshot of the accounts
and their rights before and after each request: a refused change saves nothing, a permitted one
saves. A superuser may still do all of it.
"""

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from partnerships.models import EVALUATOR_GROUP, SPORTS_COUNCIL_GROUP, PartnerMembership, User
from tests.factories import PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Fjellvann-og-skog-2024"


def permission(label: str) -> Permission:
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def snapshot() -> dict:
    """Every account with its password hash, groups, permissions and partners."""
    return {
        "users": list(User.objects.order_by("pk").values()),
        "user_groups": sorted(User.groups.through.objects.values_list("user_id", "group_id")),
        "user_permissions": sorted(
            User.user_permissions.through.objects.values_list("user_id", "permission_id")
        ),
        "groups": sorted(Group.objects.values_list("pk", "name")),
        "group_permissions": sorted(
            Group.permissions.through.objects.values_list("group_id", "permission_id")
        ),
        "memberships": sorted(
            PartnerMembership.objects.values_list("pk", "user_id", "partner_id", "title")
        ),
    }


def page_data(response) -> dict:
    """What a browser posts back for an admin change or add page as it was served."""
    assert response.status_code == 200
    data = {}
    page_forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        page_forms.extend(inline.formset.forms)
    for form in page_forms:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            bound = form[name]
            value = bound.value()
            if isinstance(field.widget, forms.MultiWidget):
                parts = field.widget.decompress(value)
                for i, (widget, part) in enumerate(zip(field.widget.widgets, parts, strict=True)):
                    data[f"{bound.html_name}_{i}"] = widget.format_value(part) or ""
            elif isinstance(field, forms.BooleanField):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = "" if value is None else str(value)
    return data


def form_fields(response) -> set[str]:
    return set(response.context["adminform"].form.fields)


def bulk_delete(client, changelist_url: str, *pks: int):
    """The changelist's "delete selected" action, confirmed."""
    data = {"action": "delete_selected", "_selected_action": list(pks), "post": "yes"}
    return client.post(changelist_url, data)


def user_url(view: str, user: User) -> str:
    if view == "password":  # Django's UserAdmin names this URL after auth.User
        return reverse("admin:auth_user_password_change", args=[user.pk])
    return reverse(f"admin:partnerships_user_{view}", args=[user.pk])


def group_url(view: str, group: Group | None = None) -> str:
    return reverse(f"admin:auth_group_{view}", args=[group.pk] if group else [])


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Konnerud IL")


@pytest.fixture
def member(roles, partner):
    """A partner account: what sports council staff manage."""
    return UserFactory(username="klubb", first_name="Kari", partners=[partner])


@pytest.fixture
def rich_group(roles):
    """A group holding rights the Idrettsråd group does not have."""
    group = Group.objects.create(name="Brukerstyring")
    group.permissions.set(
        [permission("auth.change_permission"), permission("partnerships.delete_user")]
    )
    return group


@pytest.fixture
def richer_member(partner, rich_group):
    """A partner account that is not staff but holds rights the staff user lacks."""
    return UserFactory(username="rikere", partners=[partner], groups=[rich_group.name])


@pytest.fixture
def colleague(roles):
    return UserFactory(username="kollega", is_staff=True, groups=[SPORTS_COUNCIL_GROUP])


@pytest.fixture
def superuser(roles, partner):
    return UserFactory(username="admin", is_staff=True, is_superuser=True, partners=[partner])


@pytest.fixture
def other_superuser(roles):
    return UserFactory(username="admin2", is_staff=True, is_superuser=True)


@pytest.fixture
def target(request, staff):
    """The account named by the test's parameter; ``self`` is the staff user."""
    return staff if request.param == "self" else request.getfixturevalue(request.param)


def full_change_data(as_user, superuser, user) -> dict:
    """Everything a superuser's change page for ``user`` would post: the most a crafted POST
    can hold."""
    return page_data(as_user(superuser).get(user_url("change", user)))


# --- Every page of the user admin, as a non-superuser staff user -------------------------------

ABOVE_PARTNERS = ["richer_member", "colleague", "self", "superuser"]


@pytest.mark.parametrize(
    ("target", "change", "password", "history"),
    [
        ("member", 200, 200, 200),
        # Shown read only: staff accounts and accounts with more rights.
        ("richer_member", 200, 403, 200),
        ("colleague", 200, 403, 200),
        ("self", 200, 403, 200),
        # Not shown at all.
        ("superuser", 403, 403, 403),
    ],
    indirect=["target"],
)
def test_staff_opens_each_user_page_as_far_as_the_account_allows(
    as_user, staff, target, change, password, history
):
    client = as_user(staff)
    assert client.get(reverse("admin:partnerships_user_changelist")).status_code == 200
    assert client.get(reverse("admin:partnerships_user_add")).status_code == 200
    assert client.get(user_url("change", target)).status_code == change
    assert client.get(user_url("password", target)).status_code == password
    assert client.get(user_url("history", target)).status_code == history
    assert client.get(user_url("delete", target)).status_code == 403


@pytest.mark.parametrize("target", ["colleague", "self", "richer_member"], indirect=True)
def test_an_account_above_partner_level_is_shown_read_only(as_user, staff, target):
    response = as_user(staff).get(user_url("change", target))
    assert form_fields(response) <= {"password"}  # every field is shown as text
    assert "Bare en superbruker kan endre den." in response.text
    assert 'name="_save"' not in response.text
    assert user_url("password", target) not in response.text
    assert "../password/" not in response.text


def test_staff_sees_only_partner_account_fields(as_user, staff, member, rich_group):
    response = as_user(staff).get(user_url("change", member))
    assert form_fields(response) == {
        "username",
        "password",
        "first_name",
        "last_name",
        "email",
        "is_active",
        "groups",
    }
    offered = set(response.context["adminform"].form.fields["groups"].queryset)
    assert offered == set(Group.objects.filter(name__in=[EVALUATOR_GROUP, SPORTS_COUNCIL_GROUP]))
    for field in ("is_staff", "is_superuser", "user_permissions", "last_login", "date_joined"):
        assert f'name="{field}' not in response.text
    assert "Brukerstyring" not in response.text
    assert "Bare en superbruker gir administrasjonsstatus" in response.text


# Every field of the user change form as a superuser sees it, with a crafted value for a partner
# account: the value posted and whether sports council staff may set it.
CRAFTED_USER_FIELDS = {
    "username": ({"username": "kari-nordmann"}, True),
    "first_name": ({"first_name": "Kari Anne"}, True),
    "last_name": ({"last_name": "Nordmann"}, True),
    "email": ({"email": "kari@konnerud-il.no"}, True),
    "is_active": ({"is_active": None}, True),  # unticked
    "groups": ({"groups": lambda: [Group.objects.get(name=EVALUATOR_GROUP).pk]}, True),
    "is_staff": ({"is_staff": "on"}, False),
    "is_superuser": ({"is_superuser": "on"}, False),
    "user_permissions": (
        {"user_permissions": lambda: [permission("auth.change_permission").pk]},
        False,
    ),
    "last_login": ({"last_login_0": "01.01.2020", "last_login_1": "12:00:00"}, False),
    "date_joined": ({"date_joined_0": "01.01.2000", "date_joined_1": "00:00:00"}, False),
}
REFUSED_GROUP_VALUES = {
    "a group with rights the staff user lacks": lambda: [
        Group.objects.get(name="Brukerstyring").pk
    ],
    "the rich group next to a permitted one": lambda: [
        Group.objects.get(name="Brukerstyring").pk,
        Group.objects.get(name=EVALUATOR_GROUP).pk,
    ],
}


def apply(data: dict, changes: dict) -> dict:
    data = dict(data)
    for key, value in changes.items():
        value = value() if callable(value) else value
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def test_the_crafted_fields_cover_every_field_of_the_user_form(as_user, superuser, member):
    response = as_user(superuser).get(user_url("change", member))
    assert form_fields(response) - {"password"} == set(CRAFTED_USER_FIELDS)


@pytest.mark.parametrize("field", sorted(CRAFTED_USER_FIELDS))
def test_staff_posting_each_user_field(as_user, staff, member, rich_group, field):
    changes, permitted = CRAFTED_USER_FIELDS[field]
    client = as_user(staff)
    data = apply(page_data(client.get(user_url("change", member))), changes)
    before = snapshot()

    response = client.post(user_url("change", member), data)

    member.refresh_from_db()
    if permitted:
        assert response.status_code == 302
        assert snapshot() != before
    else:
        assert snapshot() == before
        assert not member.is_staff and not member.is_superuser
        assert not member.user_permissions.exists()


@pytest.mark.parametrize("groups", sorted(REFUSED_GROUP_VALUES))
def test_staff_cannot_give_a_group_with_more_rights(as_user, staff, member, rich_group, groups):
    client = as_user(staff)
    data = page_data(client.get(user_url("change", member)))
    data["groups"] = REFUSED_GROUP_VALUES[groups]()
    before = snapshot()

    response = client.post(user_url("change", member), data)

    assert response.status_code == 200
    assert "Velg et gyldig valg" in response.text
    assert snapshot() == before


ABOVE_PARTNER_CHANGES = {
    "make superuser": {"is_superuser": "on", "is_staff": "on"},
    "deactivate": {"is_active": None},
    "rename": {"first_name": "Overtatt", "email": "angriper@example.invalid"},
    "grant a permission": {"user_permissions": lambda: [permission("auth.change_permission").pk]},
    "give a group": {"groups": lambda: [Group.objects.get(name=EVALUATOR_GROUP).pk]},
    "take the partners away": {"memberships-0-DELETE": "on"},
}


@pytest.mark.parametrize("target", ABOVE_PARTNERS, indirect=True)
@pytest.mark.parametrize("change", sorted(ABOVE_PARTNER_CHANGES))
def test_staff_cannot_change_an_account_above_partner_level(
    as_user, staff, superuser, partner, target, change
):
    if not target.memberships.exists():
        PartnerMembership.objects.create(user=target, partner=partner)
    data = apply(full_change_data(as_user, superuser, target), ABOVE_PARTNER_CHANGES[change])
    client = as_user(staff)
    before = snapshot()

    response = client.post(user_url("change", target), data)

    assert response.status_code == 403
    assert snapshot() == before


PASSWORD_POSTS = {
    "set a new password": {
        "usable_password": "true",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    },
    "disable password login": {"usable_password": "false", "unset-password": "1"},
}


@pytest.mark.parametrize("target", ABOVE_PARTNERS, indirect=True)
@pytest.mark.parametrize("post", sorted(PASSWORD_POSTS))
def test_staff_cannot_set_the_password_of_an_account_above_partner_level(
    as_user, staff, target, post
):
    client = as_user(staff)
    before = snapshot()

    response = client.post(user_url("password", target), PASSWORD_POSTS[post])

    assert response.status_code == 403
    assert snapshot() == before
    target.refresh_from_db()
    assert target.check_password("lokalsamfunn")


@pytest.mark.parametrize("target", ["member", *ABOVE_PARTNERS], indirect=True)
def test_staff_cannot_delete_any_account(as_user, staff, target):
    client = as_user(staff)
    before = snapshot()
    assert client.post(user_url("delete", target), {"post": "yes"}).status_code == 403
    bulk_delete(client, reverse("admin:partnerships_user_changelist"), target.pk)
    assert snapshot() == before


def test_staff_cannot_edit_accounts_from_the_changelist(as_user, staff, superuser, member):
    """No list_editable: a crafted list form changes no account."""
    client = as_user(staff)
    before = snapshot()
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": superuser.pk,
        "form-0-is_active": "",
        "form-1-id": member.pk,
        "form-1-is_superuser": "on",
        "form-1-is_staff": "on",
        "_save": "Lagre",
    }
    client.post(reverse("admin:partnerships_user_changelist"), data)
    assert snapshot() == before


def test_staff_adds_a_partner_account_but_no_rights_with_it(as_user, staff, partner, rich_group):
    client = as_user(staff)
    before = snapshot()
    data = page_data(client.get(reverse("admin:partnerships_user_add")))
    # A new account is invited by e-mail and chooses its own password (notifications/admin.py).
    assert set(data) >= {"username", "first_name", "email"}
    assert not {"password1", "is_staff", "is_superuser", "user_permissions", "groups"} & set(data)
    data.update(
        {
            "username": "ny-rektor",
            "first_name": "Ny",
            "email": "ny-rektor@example.org",
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "is_staff": "on",
            "is_superuser": "on",
            "user_permissions": [permission("auth.change_permission").pk],
            "groups": [rich_group.pk],
            "memberships-0-partner": partner.pk,
            "memberships-0-title": "Rektor",
        }
    )

    response = client.post(reverse("admin:partnerships_user_add"), data)

    assert response.status_code == 302
    created = User.objects.get(username="ny-rektor")
    assert not created.has_usable_password()  # a posted password is ignored: the link sets it
    assert created.invitations.exists()
    assert created.partner_ids == {partner.pk}
    assert not created.is_staff and not created.is_superuser
    assert not created.groups.exists() and not created.user_permissions.exists()
    after = snapshot()
    after["users"] = [row for row in after["users"] if row["id"] != created.pk]
    after["memberships"] = [row for row in after["memberships"] if row[1] != created.pk]
    assert after == before


# --- What staff may do ---------------------------------------------------------------------------


def test_staff_manages_a_partner_account(as_user, staff, member):
    school = PartnerFactory(name="Konnerud skole")
    client = as_user(staff)
    data = page_data(client.get(user_url("change", member)))
    data.update(
        {
            "first_name": "Kari Anne",
            "last_name": "Nordmann",
            "email": "kari@konnerud-il.no",
            "groups": [Group.objects.get(name=EVALUATOR_GROUP).pk],
            "memberships-1-partner": school.pk,
            "memberships-1-title": "Rektor",
        }
    )
    del data["is_active"]

    response = client.post(user_url("change", member), data)

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.first_name, member.last_name, member.email) == (
        "Kari Anne",
        "Nordmann",
        "kari@konnerud-il.no",
    )
    assert not member.is_active
    assert list(member.groups.values_list("name", flat=True)) == [EVALUATOR_GROUP]
    assert member.memberships.get(partner=school).title == "Rektor"


def test_staff_sets_a_partner_accounts_password(as_user, staff, member):
    page = as_user(staff).get(user_url("password", member))
    assert "Innlogging med passord" in page.text
    assert "forsvinner brukerens nåværende passord" in page.text
    response = as_user(staff).post(
        user_url("password", member), PASSWORD_POSTS["set a new password"]
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


# --- Partner memberships --------------------------------------------------------------------------


def membership_url(view: str, membership: PartnerMembership | None = None) -> str:
    args = [membership.pk] if membership else []
    return reverse(f"admin:partnerships_partnermembership_{view}", args=args)


def test_staff_cannot_give_or_take_a_superusers_partner(as_user, staff, superuser, partner):
    school = PartnerFactory(name="Konnerud skole")
    link = superuser.memberships.get()
    client = as_user(staff)
    before = snapshot()

    added = client.post(membership_url("add"), {"user": superuser.pk, "partner": school.pk})
    assert added.status_code == 200
    assert "Velg et gyldig valg" in added.text
    changed = client.post(
        membership_url("change", link), {"user": superuser.pk, "partner": school.pk}
    )
    assert changed.status_code == 403
    assert client.post(membership_url("delete", link), {"post": "yes"}).status_code == 403
    assert bulk_delete(client, membership_url("changelist"), link.pk).status_code == 403
    assert snapshot() == before


def test_staff_adds_and_removes_a_partner_accounts_membership(as_user, staff, member, partner):
    school = PartnerFactory(name="Konnerud skole")
    client = as_user(staff)
    response = client.post(
        membership_url("add"), {"user": member.pk, "partner": school.pk, "title": "Lærer"}
    )
    assert response.status_code == 302
    link = member.memberships.get(partner=school)
    assert client.post(membership_url("delete", link), {"post": "yes"}).status_code == 302
    assert member.partner_ids == {partner.pk}


def partner_page(client, partner):
    url = reverse("admin:partnerships_partner_change", args=[partner.pk])
    return url, page_data(client.get(url))


def test_partner_page_keeps_a_superusers_membership(as_user, staff, superuser, member, partner):
    client = as_user(staff)
    url, data = partner_page(client, partner)
    row = next(k for k, v in data.items() if k.endswith("-user") and v == str(superuser.pk))
    data[row.replace("-user", "-DELETE")] = "on"
    before = snapshot()

    response = client.post(url, data)

    assert response.status_code == 200
    assert "Bare en superbruker kan endre partnerne til admin" in response.text
    assert snapshot() == before


def test_partner_page_adds_a_partner_account_but_not_a_superuser(
    as_user, staff, member, other_superuser
):
    school = PartnerFactory(name="Konnerud skole")
    client = as_user(staff)
    url, data = partner_page(client, school)
    data.update({"memberships-0-user": other_superuser.pk, "memberships-0-title": "Rektor"})
    before = snapshot()
    assert client.post(url, data).status_code == 200
    assert snapshot() == before

    data["memberships-0-user"] = member.pk
    assert client.post(url, data).status_code == 302
    assert member.memberships.get(partner=school).title == "Rektor"


def test_member_autocomplete_offers_only_manageable_accounts(
    as_user, staff, member, colleague, superuser
):
    response = as_user(staff).get(
        reverse("admin:autocomplete"),
        {"app_label": "partnerships", "model_name": "partnermembership", "field_name": "user"},
    )
    assert response.status_code == 200
    offered = {row["id"] for row in response.json()["results"]}
    assert offered == {str(member.pk)}


# --- Groups and permissions -----------------------------------------------------------------------


def group_data(name: str, *permissions: str) -> dict:
    return {"name": name, "permissions": [permission(label).pk for label in permissions]}


def test_sports_council_staff_cannot_open_the_group_admin(as_user, staff, rich_group):
    council = Group.objects.get(name=SPORTS_COUNCIL_GROUP)
    client = as_user(staff)
    before = snapshot()
    for group in (council, rich_group):
        for view in ("change", "history", "delete"):
            assert client.get(group_url(view, group)).status_code == 403
        posted = group_data(group.name, "auth.change_permission", "partnerships.delete_user")
        assert client.post(group_url("change", group), posted).status_code == 403
        assert client.post(group_url("delete", group), {"post": "yes"}).status_code == 403
    assert client.get(group_url("changelist")).status_code == 403
    assert client.get(group_url("add")).status_code == 403
    posted = group_data("Ny", "auth.change_permission")
    assert client.post(group_url("add"), posted).status_code == 403
    assert snapshot() == before


@pytest.fixture
def group_manager(staff):
    """Sports council staff whom a superuser has also let manage groups."""
    managers = Group.objects.create(name="Gruppestyring")
    managers.permissions.set(
        [permission(f"auth.{action}_group") for action in ("view", "add", "change", "delete")]
    )
    staff.groups.add(managers)
    return User.objects.get(pk=staff.pk)


def test_group_manager_creates_groups_only_of_their_own_rights(as_user, group_manager):
    client = as_user(group_manager)
    offered = client.get(group_url("add")).context["adminform"].form.fields["permissions"]
    assert permission("measures.change_measure") in offered.queryset
    assert permission("auth.change_permission") not in offered.queryset
    assert permission("partnerships.delete_user") not in offered.queryset
    before = snapshot()

    for refused in ("auth.change_permission", "partnerships.delete_user"):
        response = client.post(group_url("add"), group_data("Ny", refused))
        assert response.status_code == 200
        assert snapshot() == before

    response = client.post(group_url("add"), group_data("Ny", "measures.change_measure"))
    assert response.status_code == 302
    assert list(Group.objects.get(name="Ny").permissions.all()) == [
        permission("measures.change_measure")
    ]


def test_group_manager_cannot_add_rights_to_a_group(as_user, group_manager):
    council = Group.objects.get(name=SPORTS_COUNCIL_GROUP)
    client = as_user(group_manager)
    data = page_data(client.get(group_url("change", council)))
    data["permissions"] = [*data["permissions"], str(permission("auth.change_permission").pk)]
    before = snapshot()

    response = client.post(group_url("change", council), data)

    assert response.status_code == 200
    assert snapshot() == before


def test_group_manager_cannot_change_or_delete_a_group_with_more_rights(
    as_user, group_manager, rich_group
):
    client = as_user(group_manager)
    assert client.get(group_url("change", rich_group)).status_code == 200  # read only
    before = snapshot()
    posted = group_data("Brukerstyring", "measures.change_measure")
    assert client.post(group_url("change", rich_group), posted).status_code == 403
    assert client.post(group_url("delete", rich_group), {"post": "yes"}).status_code == 403
    assert bulk_delete(client, group_url("changelist"), rich_group.pk).status_code == 403
    assert snapshot() == before


def test_permissions_have_no_admin_page(as_user, staff):
    assert Permission not in admin.site._registry
    assert as_user(staff).get("/admin/auth/permission/").status_code == 404


# --- Superusers keep everything -------------------------------------------------------------------


def test_superuser_gives_every_right(as_user, superuser, member, rich_group):
    client = as_user(superuser)
    data = page_data(client.get(user_url("change", member)))
    data.update(
        {
            "is_staff": "on",
            "is_superuser": "on",
            "user_permissions": [permission("auth.change_permission").pk],
            "groups": [rich_group.pk],
        }
    )
    assert client.post(user_url("change", member), data).status_code == 302
    member.refresh_from_db()
    assert member.is_staff and member.is_superuser
    assert member.has_perm("auth.change_permission")
    assert list(member.groups.all()) == [rich_group]


def test_superuser_manages_another_superuser(as_user, superuser, other_superuser):
    client = as_user(superuser)
    response = client.post(
        user_url("password", other_superuser), PASSWORD_POSTS["set a new password"]
    )
    assert response.status_code == 302
    data = page_data(client.get(user_url("change", other_superuser)))
    del data["is_active"]
    assert client.post(user_url("change", other_superuser), data).status_code == 302
    other_superuser.refresh_from_db()
    assert other_superuser.check_password(NEW_PASSWORD)
    assert not other_superuser.is_active


def test_superuser_manages_groups_and_memberships(as_user, superuser, rich_group):
    client = as_user(superuser)
    posted = group_data("Ny", "auth.change_permission")
    assert client.post(group_url("add"), posted).status_code == 302
    assert Group.objects.get(name="Ny").permissions.get() == permission("auth.change_permission")
    assert client.post(group_url("delete", rich_group), {"post": "yes"}).status_code == 302
    link = superuser.memberships.get()
    assert client.post(membership_url("delete", link), {"post": "yes"}).status_code == 302
    assert not superuser.memberships.exists()
