"""Who may see and change grants, goals and context figures: decided here and nowhere else.

- A grant is seen by the users of the partner that applied and of the partners of the measures
  it funds, by the Evaluator group and by staff with the model permission. Others get a 404.
- A grant is changed by the users of the partner that applied, and by staff with the model
  permission. A user records a grant in a community where one of the user's partners is a
  partner, naming one of those partners as the applicant.
- Money per year and funder kind, summed (the community and evaluation pages), is shown to every
  logged-in user, as the reports' totals are: public money, no one's details.
- Goals and context figures of a community are kept by its partners and staff.
"""

from django.db.models import QuerySet

from funding.models import Grant
from partnerships.models import Community, Partner
from partnerships.permissions import is_active_user, is_partner_in_community


def can_read_all_grants(user) -> bool:
    return is_active_user(user) and (user.is_evaluator or user.has_perm("funding.view_grant"))


def visible_grants(user) -> QuerySet[Grant]:
    if not is_active_user(user):
        return Grant.objects.none()
    if can_read_all_grants(user):
        return Grant.objects.all()
    if not user.partner_ids:
        return Grant.objects.none()
    return Grant.objects.of_partners(user.partner_ids)


def can_edit_grant(user, grant: Grant) -> bool:
    if not is_active_user(user):
        return False
    return user.has_perm("funding.change_grant") or grant.applicant_id in user.partner_ids


def can_create_grant(user, community: Community) -> bool:
    if not is_active_user(user) or not community.is_active:
        return False
    return user.has_perm("funding.add_grant") or is_partner_in_community(user, community)


def applicants_for(user, community: Community) -> QuerySet[Partner]:
    """The partners the user may name as applicant: the user's own in the community (staff:
    all of the community's partners)."""
    partners = Partner.objects.filter(community_memberships__community=community)
    if user.has_perm("funding.add_grant") or user.has_perm("funding.change_grant"):
        return partners
    return partners.filter(pk__in=user.partner_ids)


def can_edit_goals(user, community: Community) -> bool:
    if not is_active_user(user):
        return False
    return user.has_perm("funding.change_goal") or is_partner_in_community(user, community)
