"""The one rule that spans tables: a measure's or a meeting's partners are its community's.

It cannot be a database check constraint, so the forms, the admin (including its inline
formsets) and the services all call this function.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from partnerships.models import Community, CommunityPartner, Partner, User


def validate_partners_in_community(
    *,
    community: Community,
    partners: Iterable[Partner],
    lead_partner: Partner | None = None,
    field: str = "partners",
) -> None:
    """Raise ``ValidationError`` unless every partner (and the lead) belongs to ``community``.

    With ``lead_partner`` given, the lead partner must also be among ``partners``.
    """
    partners = list(partners)
    candidates = {p.pk: p for p in partners}
    if lead_partner is not None:
        candidates[lead_partner.pk] = lead_partner
    allowed = set(
        CommunityPartner.objects.filter(
            community=community, partner_id__in=list(candidates)
        ).values_list("partner_id", flat=True)
    )
    errors = {}
    outsiders = sorted(str(p) for pk, p in candidates.items() if pk not in allowed)
    if outsiders:
        message = _("Not a partner of %(community)s: %(partners)s.") % {
            "community": community,
            "partners": ", ".join(outsiders),
        }
        if lead_partner is not None and lead_partner.pk not in allowed:
            errors["lead_partner"] = [message]
        if any(p.pk not in allowed for p in partners):
            errors[field] = [message]
    if lead_partner is not None and lead_partner.pk not in {p.pk for p in partners}:
        errors.setdefault(field, []).append(
            _("The lead partner (%(partner)s) must also be one of the partners.")
            % {"partner": lead_partner}
        )
    if errors:
        raise ValidationError(errors)


def validate_partner_removable(*, community: Community, partner: Partner) -> None:
    """A partner cannot leave a community while it is on one of the community's measures."""
    # Through the reverse relation: measures depends on partnerships, never the reverse.
    titles = list(
        partner.measure_links.filter(measure__community=community)
        .order_by("measure__title")
        .values_list("measure__title", flat=True)[:5]
    )
    if titles:
        raise ValidationError(
            _(
                "%(partner)s cannot be removed from %(community)s while it is a partner of "
                "these measures: %(measures)s."
            )
            % {"partner": partner, "community": community, "measures": ", ".join(titles)}
        )


def validate_email_free(email: str, *, account: User | None = None) -> None:
    """An e-mail address belongs to one account (``account`` may keep its own): invitations,
    new passwords and the new community's users log in by it."""
    others = User.objects.filter(email__iexact=email)
    if account is not None and account.pk is not None:
        others = others.exclude(pk=account.pk)
    if others.exists():
        raise ValidationError(_("Another account has this e-mail address."), code="email_taken")
