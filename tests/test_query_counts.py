"""Every page's query count, asserted exactly at two data sizes: the one table of them.

The data comes from ``generate_data`` (measures with partners, target groups, reports and change
history), plus meetings with the partners present and a long history for one measure, first a
handful of rows and then a few hundred. A page runs the same number of queries at both sizes:
one that starts reading per row fails at the larger size, and one that saves a query fails too,
so that the table says what the pages do. The counts are the same on SQLite and PostgreSQL.

The session, the logged-in user (with partners and permissions), the measure list's filter
choices, the measure list's results and the evaluation page below its form come from the shared
cache once the first request has put them there (``measures/caching.py``,
``partnerships/user_cache.py``); the pages kept in the cache are also counted as they are made
anew after a change (``UNCACHED``). On PostgreSQL the reports CSV is one ``COPY``
(``COPY_SAVES``).

To change a count, edit its row in ``QUERY_COUNTS``. A failure names the page, the user, the
size and the URL; run pytest with ``-v`` to see the queries.
"""

import datetime
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction

from funding.models import Goal, Grant
from measures.caching import bump_all
from measures.models import Measure, Report
from measures.services import measure_update
from partnerships.models import (
    EVALUATOR_GROUP,
    SPORTS_COUNCIL_GROUP,
    Community,
    Meeting,
    Partner,
    User,
)
from partnerships.services import meeting_create
from tests.factories import UserFactory

FILTERED = "/measures/?community={community}&status={status}&target_group={group}&partner={partner}"
MEETING = "/communities/{community}/meetings/{meeting}/"

# Page: (URL, queries as partner, as evaluator, as staff); None where that user may not open the
# page. The URL is filled in from the data (``county["url"]`` below). "partner" belongs to the
# first community's sports club and edits its measures; "evaluator" is in the Evaluator group,
# with no partner; "staff" is sports council staff (the Idrettsråd group, staff status).
USERS = ("partner", "evaluator", "staff")
# fmt: off
QUERY_COUNTS = {
    "dashboard":               ("/",                                                20,   15,   16),
    "dashboard, more, by one": ("/?changes=3&changes_by={partner}",                 20,   15,   16),
    "measure list":            ("/measures/",                                        1,    1,    1),
    "measure list, filtered":  (FILTERED,                                            2,    2,    2),
    "measure list, searched":  ("/measures/?q=%C3%A5pen",                            1,    1,    1),
    "measure list, a year":    ("/measures/?year=2025&archived=include",             1,    1,    1),
    "measure list, last page": ("/measures/?page={last_page}",                       1,    1,    1),
    "measure page":            ("/measures/{measure}/",                             11,   10,   10),
    "measure history":         ("/measures/{measure}/history/",                      8,    8,    7),
    "new measure form":        ("/measures/new/?community={community}",              6, None,    5),
    "edit form":               ("/measures/{measure}/edit/",                         7, None,    7),
    "photo form":              ("/measures/{measure}/photo/",                        3, None,    3),
    "archive form":            ("/measures/{measure}/archive/",                      3, None,    3),
    "report form":             ("/measures/{measure}/reports/new/",                  3, None,    3),
    "report correction form":  ("/reports/{report}/edit/",                           4, None,    4),
    "report delete form":      ("/reports/{report}/delete/",                         4, None,    4),
    "community list":          ("/communities/",                                     2,    2,    2),
    "community page":          ("/communities/{community}/",                        15,   12,   12),
    "evaluation page":         ("/communities/{community}/evaluation/?year=2025",    1,    1,    1),
    "meeting list":            ("/communities/{community}/meetings/",                6,    5,    5),
    "meeting page":            (MEETING,                                             4,    3,    3),
    "new meeting form":        ("/communities/{community}/meetings/new/",            3,    2,    2),
    "meeting edit form":       (MEETING + "edit/",                                   5,    4,    4),
    "meeting delete form":     (MEETING + "delete/",                                 4,    3,    3),
    "times page":              ("/measures/{measure}/schedule/",                     8, None,    8),
    "time form":               ("/measures/{measure}/schedule/{slot}/edit/",         4, None,    4),
    "school holidays":         ("/communities/{community}/holidays/",                3,    2,    2),
    "public pages settings":   ("/communities/{community}/public/",                  4,    3,    3),
    "measures CSV":            ("/measures/export.csv?archived=include",             3,    3,    3),
    "measures XLSX":           ("/measures/export.xlsx?archived=include",            3,    3,    3),
    "reports CSV":             ("/reports/export.csv?archived=include",              2,    2,    2),
    "measures XLSX, a year":   ("/measures/export.xlsx?year=2025",                   3,    3,    3),
    "admin measures":          ("/admin/measures/measure/",                       None, None,    7),
    "admin reports":           ("/admin/measures/report/",                        None, None,    6),
    "admin communities":       ("/admin/partnerships/community/",                 None, None,    4),
    "admin new community":     ("/admin/partnerships/community/new/",             None, None,    0),
    "admin partners":          ("/admin/partnerships/partner/",                   None, None,    4),
    "admin users":             ("/admin/partnerships/user/",                      None, None,    5),
    "admin meetings":          ("/admin/partnerships/meeting/",                   None, None,    6),
    "profile":                 ("/accounts/profile/",                                1,    1,    1),
    "admin e-mails":           ("/admin/notifications/email/",                    None, None,    5),
    "admin reminders":         ("/admin/notifications/reminder/",                 None, None,    7),
    "grant list":              ("/grants/",                                          2,    2,    2),
    "grant list, community":   ("/grants/?community={community}",                    4,    3,    3),
    "grant page":              ("/grants/{grant}/",                                  2,    2,    2),
    "grant history":           ("/grants/{grant}/history/",                          5,    5,    5),
    "funder report":           ("/grants/{grant}/report/",                           9,    9,    9),
    "funder report CSV":       ("/grants/{grant}/report.csv",                        9,    9,    9),
    "funder report XLSX":      ("/grants/{grant}/report.xlsx",                       9,    9,    9),
    "new grant form":          ("/grants/new/?community={community}",                5, None,    4),
    "grant edit form":         ("/grants/{grant}/edit/",                             5, None,    5),
    "goals page":              ("/communities/{community}/goals/",                   5,    4,    4),
    "goal form":               ("/goals/{goal}/edit/",                               3, None,    2),
    "admin grants":            ("/admin/funding/grant/",                          None, None,    6),
    "admin goals":             ("/admin/funding/goal/",                           None, None,    4),
    "admin context figures":   ("/admin/funding/contextfigure/",                  None, None,    5),
}
# fmt: on
# Pages kept in the shared cache, counted as they are made anew after a change (every data
# version replaced): as partner, evaluator and staff.
# fmt: off
UNCACHED = {
    "evaluation page":         (18, 18, 18),
    "measure list":            (7, 7, 7),
    "measure list, filtered":  (8, 8, 8),
    "measure list, searched":  (7, 7, 7),
    "measure list, last page": (7, 7, 7),
}
# fmt: on
# On PostgreSQL the reports export is one COPY instead of a query for the partners and one for
# the reports.
COPY_SAVES = {"reports CSV": 1}

# The public pages (measures/public.py), for everyone without logging in, counted as an anonymous
# visitor: the first visit after a change renders the page ("uncached"); the next one is served
# from the cache under the same stamp of the data, which is read from the cache too ("cached").
# The first generated community has public pages; "public measure" is a public measure of it.
# fmt: off
PUBLIC = "/hva-skjer/{community}/"
PUBLIC_MEASURE = PUBLIC + "tiltak/{public_measure}/"
PUBLIC_QUERY_COUNTS = {
    "public index":               ("/hva-skjer/",                                   1, 0),
    "public community page":      (PUBLIC,                                          7, 0),
    "public community, filtered": (PUBLIC + "?malgruppe={group}&dag=5",             8, 0),
    "public week":                (PUBLIC + "kalender/?uke={next_week}",            5, 0),
    "public measure page":        (PUBLIC_MEASURE,                                  7, 0),
    "community feed":             (PUBLIC + "kalender.ics",                         4, 0),
    "filtered feed":              (PUBLIC + "kalender.ics?dag=5",                   4, 0),
    "measure feed":               (PUBLIC_MEASURE + "kalender.ics",                 5, 0),
    "embed":                      (PUBLIC + "innebygd/",                            4, 0),
}
# fmt: on

# generate_data's communities, measures per community and reports per measure; then meetings
# per community and extra edits of the partner's measure (its history runs to a second page).
# The handful is big enough that every list is filled (the dashboard shows twelve measures).
SIZES = {"a handful": (1, 30, 2, 2, 0), "a few hundred": (2, 150, 2, 30, 25)}


@pytest.fixture(scope="module", params=list(SIZES))
def county(request, django_db_setup, django_db_blocker):
    """The data, made once per size for every page of this module, and rolled back after it."""
    communities, measures, reports, meetings, edits = SIZES[request.param]
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("setup_roles", verbosity=0)
        call_command(
            "generate_data",
            communities=communities,
            measures_per_community=measures,
            reports_per_measure=reports,
            seed=3,
            until=datetime.date(2026, 6, 30),
            demo_accounts=True,
            no_progress=True,
            stdout=io.StringIO(),
        )
        if not Meeting.objects.exists():
            for community in Community.objects.order_by("pk"):
                present = list(community.partners.order_by("pk"))
                for number in range(meetings):
                    meeting_create(
                        community=community,
                        user=None,
                        data={
                            "kind": Meeting.Kind.PARTNER_MEETING,
                            "title": f"Partnermøte {number + 1}",
                            "date": datetime.date(2025 + number % 2, 1 + number % 12, 10),
                            "venue": "Klubbhuset",
                        },
                        partners_present=present[: 2 + number % 3],
                    )
        community = Community.objects.order_by("pk").first()
        club = Partner.objects.get(kind=Partner.Kind.SPORTS_CLUB, communities=community)
        partner = User.objects.filter(memberships__partner=club).order_by("pk").first()
        measure = Measure.objects.of_user(partner).order_by("-version", "title").first()
        for _ in range(edits):
            measure = measure_update(
                measure=measure,
                user=partner,
                version=measure.version,
                data={"schedule": f"Uke {measure.version}"},
            )
        yield {
            "size": request.param,
            "users": {
                "partner": partner,
                "evaluator": UserFactory(username="forsker", groups=[EVALUATOR_GROUP]),
                "staff": UserFactory(
                    username="idrettsrad", is_staff=True, groups=[SPORTS_COUNCIL_GROUP]
                ),
            },
            "url": {
                "measure": measure.pk,
                "report": Report.objects.filter(measure=measure).order_by("pk").first().pk,
                "slot": measure.slots.order_by("pk").first().pk,
                "community": community.slug,
                "meeting": community.meetings.order_by("pk").first().pk,
                "status": measure.status,
                "grant": Grant.objects.filter(community=community, applicant=club)
                .order_by("pk")
                .first()
                .pk,
                "goal": Goal.objects.filter(community=community).order_by("pk").first().pk,
                "group": measure.target_groups.order_by("pk").first().pk,
                "partner": club.slug,
                "last_page": -(-Measure.objects.not_archived().count() // 20),
                "next_week": f"{datetime.date.today() + datetime.timedelta(weeks=1):%G-W%V}",
                "public_measure": Measure.objects.public()
                .filter(community=community)
                .order_by("pk")
                .first()
                .slug,
            },
        }
        transaction.set_rollback(True)


def get(client, url: str):
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


CASES = [
    pytest.param(page, user, queries, id=f"{page}, {user}")
    for page, (_, *counts) in QUERY_COUNTS.items()
    for user, queries in zip(USERS, counts, strict=True)
    if queries is not None
]


@pytest.mark.parametrize(("page", "user", "queries"), CASES)
def test_query_count(county, client, db, django_assert_num_queries, page, user, queries):
    url = QUERY_COUNTS[page][0].format(**county["url"])
    client.force_login(county["users"][user])
    get(client, url)  # the session's first save, and per-process caches, out of the way
    if connection.vendor == "postgresql":
        queries -= COPY_SAVES.get(page, 0)
    with django_assert_num_queries(queries, info=f"{page} as {user}, {county['size']}: {url}"):
        response = get(client, url)
    assert response.status_code == 200
    if response.context and "object_list" in response.context:
        assert response.context["object_list"], "an empty list would not count reading its rows"


UNCACHED_CASES = [
    pytest.param(page, user, queries, id=f"{page}, {user}")
    for page, counts in UNCACHED.items()
    for user, queries in zip(USERS, counts, strict=True)
]


@pytest.mark.parametrize(("page", "user", "queries"), UNCACHED_CASES)
def test_query_count_made_anew(county, client, db, django_assert_num_queries, page, user, queries):
    url = QUERY_COUNTS[page][0].format(**county["url"])
    client.force_login(county["users"][user])
    get(client, url)
    bump_all()
    with django_assert_num_queries(queries, info=f"{page} as {user}, anew: {url}"):
        response = get(client, url)
    assert response.status_code == 200


PUBLIC_CASES = [
    pytest.param(page, uncached, cached, id=page)
    for page, (_, uncached, cached) in PUBLIC_QUERY_COUNTS.items()
]


@pytest.mark.parametrize(("page", "uncached", "cached"), PUBLIC_CASES)
def test_public_query_count(county, client, db, django_assert_num_queries, page, uncached, cached):
    url = PUBLIC_QUERY_COUNTS[page][0].format(**county["url"])
    cache.clear()
    where = f"{page}, {county['size']}: {url}"
    with django_assert_num_queries(uncached, info=f"{where}, uncached"):
        response = client.get(url)
    assert response.status_code == 200
    with django_assert_num_queries(cached, info=f"{where}, cached"):
        again = client.get(url)
    assert again.content == response.content
