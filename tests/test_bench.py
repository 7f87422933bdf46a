"""The benchmark's pieces: the bare view is routed only by the benchmark's URLconf, and
``make bench`` runs end to end (a smoke run with tiny data, one second per page; the real
numbers are not a test)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import Resolver404, resolve

from aktive import settings as production_settings
from bench.views import bare
from tests.test_caching import redis_or_skip

ROOT = Path(__file__).resolve().parent.parent


def test_the_bare_view_is_not_routed_in_production():
    assert not [name for name in dir(production_settings) if "BENCH" in name]
    with pytest.raises(Resolver404):
        resolve("/bench/bare/")


@pytest.mark.django_db
def test_the_bare_view_is_a_404_for_a_logged_in_user(client, partner_user):
    client.force_login(partner_user)
    assert client.get("/bench/bare/").status_code == 404


def test_the_benchmark_urlconf_routes_the_portal_and_the_bare_view():
    assert resolve("/bench/bare/", urlconf="bench.urls").func is bare
    assert resolve("/measures/", urlconf="bench.urls").url_name == "list"


def test_the_bare_view_returns_a_few_bytes():
    response = bare(RequestFactory().get("/bench/bare/"))
    assert response.status_code == 200 and response.content == b"ok\n"


def test_bench_smoke_run_writes_the_table(tmp_path):
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        pytest.skip("make bench runs on PostgreSQL (set DATABASE_URL to a PostgreSQL database)")
    if not shutil.which("wrk"):
        pytest.skip("make bench needs wrk (apt-get install wrk)")
    redis_or_skip()
    server, database = database_url.rsplit("/", 1)
    out = tmp_path / "results.md"
    env = {
        **os.environ,
        "BENCH_PG": server,
        # Beside this run's own database, so that runs on other databases do not meet.
        "BENCH_DB": f"{database.split('?')[0]}_bench_smoke",
        "BENCH_COMMUNITIES": "2",
        "BENCH_MEASURES": "10",
        "BENCH_REPORTS": "5",
        "BENCH_SECONDS": "1",
        "BENCH_OUT": str(out),
        "BENCH_MIDDLEWARE_REQUESTS": "10",
    }
    result = subprocess.run(
        [sys.executable, "bench/run.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table = out.read_text()
    for page in (
        "minimal Django application (floor)",
        "bare view, full stack (ceiling)",
        "dashboard",
        "measure list, first page",
        "measure list, filtered and searched",
        "measure list, deep page",
        "measure page",
        "measure history",
        "community page",
        "(closed)",
        "(current)",
        "public community page, cached (anonymous)",
        "public community page, uncached (anonymous)",
        "community calendar feed, cached (anonymous)",
        "admin measure changelist",
        "psql \\copy",
        "## What the stack costs, in process",
        "`django.contrib.sessions.middleware.SessionMiddleware`",
        "## Goals",
        "| full-stack bare view / minimal Django |",
        "| public pages, anonymous, cached / minimal Django |",
        "## Machine",
    ):
        assert page in table
    # Every report exported, and as many rows from \copy: 2 × 10 × 5.
    assert table.count("(median of 3) | 100 |") == 2
