"""Every page a partner uses, at two data sizes: its query count must not grow with the data.

The data comes from ``generate_data`` (measures with partners, target groups, reports, meetings
and change history), a handful of rows and then a few hundred. The limits are the counts the
pages run today; a page that starts reading per row fails at the larger size.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from measures.models import Measure, Report, TargetGroup
from partnerships.models import Community, Partner, User

UNTIL = datetime.date(2026, 6, 30)

# (name, URL builder, most queries): the same limit at both sizes.
PAGES = [
    ("dashboard", lambda d: "/", 13),
    ("measure list", lambda d: reverse("measures:list"), 15),
    (
        "measure list, filtered and searched",
        lambda d: (
            f"{reverse('measures:list')}?q=%C3%A5pen&status=active"
            f"&target_group={d['group'].pk}&community={d['community'].slug}"
        ),
        17,
    ),
    ("measure list, last page", lambda d: f"{reverse('measures:list')}?page={d['last_page']}", 15),
    ("measure page", lambda d: d["measure"].get_absolute_url(), 15),
    ("measure history", lambda d: reverse("measures:history", args=[d["measure"].pk]), 16),
    ("community page", lambda d: d["community"].get_absolute_url(), 19),
    (
        "evaluation page",
        lambda d: (
            reverse("partnerships:community_evaluation", args=[d["community"].slug]) + "?year=2025"
        ),
        13,
    ),
    ("measures CSV", lambda d: reverse("measures:export_csv") + "?archived=include", 11),
    ("measures XLSX", lambda d: reverse("measures:export_xlsx") + "?archived=include", 11),
    ("reports CSV", lambda d: reverse("measures:reports_export_csv") + "?archived=include", 9),
]


@pytest.fixture(params=[(1, 4, 3), (2, 150, 2)], ids=["a handful", "a few hundred"])
def county(request, db):
    communities, measures, reports = request.param
    call_command(
        "generate_data",
        communities=communities,
        measures_per_community=measures,
        reports_per_measure=reports,
        seed=3,
        until=UNTIL,
        demo_accounts=True,
        no_progress=True,
        stdout=io.StringIO(),
    )
    community = Community.objects.order_by("pk").first()
    club = Partner.objects.get(kind=Partner.Kind.SPORTS_CLUB, communities=community)
    user = User.objects.filter(memberships__partner=club).order_by("pk").first()
    measure = Measure.objects.of_user(user).order_by("-version", "title").first()
    visible = Measure.objects.not_archived().count()
    return {
        "size": Measure.objects.count(),
        "reports": Report.objects.count(),
        "user": user,
        "community": community,
        "measure": measure,
        "group": TargetGroup.objects.get(name="13–19 år"),
        "last_page": max(1, -(-visible // 20)),
    }


@pytest.mark.parametrize(("name", "url", "most"), PAGES, ids=[page[0] for page in PAGES])
def test_query_count_does_not_grow_with_the_data(
    as_user, county, django_assert_max_num_queries, name, url, most
):
    client = as_user(county["user"])
    client.get("/")  # the session's first save, and caches, out of the way
    with django_assert_max_num_queries(most):
        response = client.get(url(county))
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
