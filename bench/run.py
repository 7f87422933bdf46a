"""``make bench``: how fast the portal's pages are at county scale, and compared with what.

On PostgreSQL, with the data of ``generate_data`` (generated once per database and reused),
this starts gunicorn with DEBUG off and Redis as the shared cache, and measures each page with
wrk, logged in as a partner, against two ceilings: a minimal Django application served by the
same gunicorn (no database, two middlewares: the floor of what Django costs) and the portal's
bare view through its whole middleware stack (what the portal's own stack costs), and against
Django admin's measure changelist (what staff would otherwise use). It measures each
middleware's cost in process, times the 200,000-report CSV export against psql's ``\\copy`` of
the same rows and watches the server's memory, then prints the tables, the goals met or not,
and writes them to ``bench/results.md``.

Settings, from the environment (defaults in brackets): BENCH_DB [aktive_bench], BENCH_PG
[postgres://postgres@127.0.0.1:5432], BENCH_COMMUNITIES [50], BENCH_MEASURES [200 per
community], BENCH_REPORTS [20 per measure], BENCH_SECONDS [20 per page], BENCH_CONNECTIONS [8],
BENCH_WORKERS [2], BENCH_REDIS [redis://127.0.0.1:6379/0], BENCH_OUT [bench/results.md],
BENCH_NOTE [what else ran, for the record].
"""

from __future__ import annotations

import datetime
import http.client
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LUA = Path(__file__).with_name("report.lua")
MINIMAL_APP = "bench.minimal_wsgi"

DB_NAME = os.environ.get("BENCH_DB", "aktive_bench")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
COMMUNITIES = int(os.environ.get("BENCH_COMMUNITIES", 50))
MEASURES = int(os.environ.get("BENCH_MEASURES", 200))
REPORTS = int(os.environ.get("BENCH_REPORTS", 20))
SECONDS = int(os.environ.get("BENCH_SECONDS", 20))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 8))
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
OUT = Path(os.environ.get("BENCH_OUT", ROOT / "bench" / "results.md"))
NOTE = os.environ.get("BENCH_NOTE", "")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0")
CACHE_PREFIX = "aktive-bench"
EXPORT_RUNS = 3
MIDDLEWARE_REQUESTS = int(os.environ.get("BENCH_MIDDLEWARE_REQUESTS", 200))  # per round

# The server's environment: the production settings (DEBUG off), over plain HTTP on loopback.
# Every override the benchmark needs is here, in one place.
SERVER_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DATABASE_URL": f"{PG}/{DB_NAME}",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_HSTS_SECONDS": "0",
    "LOG_LEVEL": "WARNING",
    # Production's shared cache: sessions, users, pages (under a prefix of the benchmark's own).
    "CACHE_URL": REDIS,
    "CACHE_KEY_PREFIX": CACHE_PREFIX,
    "ENV_FILE": "/nonexistent",  # never a developer's .env
    # Production's settings with /bench/bare/ routed (bench/settings.py).
    "DJANGO_SETTINGS_MODULE": "bench.settings",
}

# Goals of the issue (ratios of requests/s unless said), checked against one run's numbers.
BARE_VS_MINIMAL = 0.40
LIST_VS_BARE = 0.25
LIST_VS_ADMIN = 5.0
CLOSED_EVALUATION_VS_BARE = 0.25
CURRENT_EVALUATION_VS_MEASURE = 0.5
EXPORT_VS_COPY = 1.5
EXPORT_MEMORY_MIB = 50
PUBLIC_CACHED_VS_MINIMAL = 0.5


@dataclass
class Page:
    name: str
    path: str
    as_staff: bool = False
    partner_page: bool = True
    anonymous: bool = False  # a resident on the public pages: no cookie
    uncached: bool = False  # every request misses the cache (its own query string)
    minimal: bool = False  # served by the minimal Django application, not the portal
    queries: int | None = None
    status: int | None = None
    result: dict = field(default_factory=dict)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", f"{PG}/{database}", "-v", "ON_ERROR_STOP=1", "-tAqc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)


# --- The database and its data ----------------------------------------------------------------


# What a current generate_data makes besides measures and reports; data without one of these
# was made by an older version and is made anew (``(table, what it is)``).
GENERATED_EXTRAS = [
    ("partnerships_meeting", "meetings"),
    ("measures_timeslot", "time slots"),
]


def generated_counts() -> dict[str, str]:
    tables = [("measures_measure", "measures"), ("measures_report", "reports"), *GENERATED_EXTRAS]
    return {what: psql(f"SELECT count(*) FROM {table}", DB_NAME) for table, what in tables}


def prepare_database() -> None:
    """Create the database if needed; generate the data unless it is already there."""
    if not psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"):
        psql(f'CREATE DATABASE "{DB_NAME}"')
    manage("migrate", "--noinput", "--verbosity", "0")
    counts = generated_counts()
    wanted = {
        "measures": str(COMMUNITIES * MEASURES),
        "reports": str(COMMUNITIES * MEASURES * REPORTS),
    }
    empty = counts["reports"] == "0"
    stale = any(counts[what] == "0" for _table, what in GENERATED_EXTRAS)
    if not empty and (stale or any(counts[key] != value for key, value in wanted.items())):
        log(f"{DB_NAME} holds other data ({counts}; want {wanted}): making it anew")
        psql(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{DB_NAME}"')
        manage("migrate", "--noinput", "--verbosity", "0")
        empty = True
    if empty:
        log(f"generating {COMMUNITIES} × {MEASURES} × {REPORTS} (once; reused by later runs)")
        manage(
            "generate_data",
            f"--communities={COMMUNITIES}",
            f"--measures-per-community={MEASURES}",
            f"--reports-per-measure={REPORTS}",
            "--seed=1",
            "--demo-accounts",
        )
        psql("VACUUM ANALYZE", DB_NAME)
    else:
        log(f"reusing the data in {DB_NAME}")
    manage("collectstatic", "--noinput", "--verbosity", "0")


def setup_django():
    import django

    django.setup()


def accounts():
    """The partner user (the first community's sports club) and a sports council staff user."""
    from django.contrib.auth.models import Group

    from partnerships.models import SPORTS_COUNCIL_GROUP, Community, Partner, User

    club = Partner.objects.filter(
        kind=Partner.Kind.SPORTS_CLUB,
        community_memberships__community=Community.objects.order_by("pk").first(),
    ).first()
    partner_user = User.objects.filter(memberships__partner=club).order_by("pk").first()
    staff, _created = User.objects.get_or_create(
        username="bench-idrettsrad", defaults={"is_staff": True, "first_name": "Benchmark"}
    )
    staff.groups.add(Group.objects.get(name=SPORTS_COUNCIL_GROUP))
    return partner_user, staff


def pages_for(user) -> list[Page]:
    from measures.models import Measure, TargetGroup
    from partnerships.models import Community

    community = Community.objects.of_user(user).order_by("pk").first()
    mine = Measure.objects.of_user(user).filter(community=community)
    measure = mine.order_by("-version", "title").first()
    visible = Measure.objects.not_archived().count()
    last_page = max(1, -(-visible // 20))
    group = TargetGroup.objects.get(name="13–19 år")
    year = datetime.date.today().year
    evaluation = f"/communities/{community.slug}/evaluation/"
    return [
        Page(
            "minimal Django application (floor)",
            "/bench/bare/",
            partner_page=False,
            anonymous=True,
            minimal=True,
        ),
        Page("bare view, full stack (ceiling)", "/bench/bare/", partner_page=False),
        Page("dashboard", "/"),
        Page("measure list, first page", "/measures/"),
        Page(
            "measure list, filtered and searched",
            f"/measures/?q=%C3%A5pen&status=active&target_group={group.pk}",
        ),
        Page("measure list, deep page", f"/measures/?page={last_page}"),
        Page("measure page", f"/measures/{measure.pk}/"),
        Page("measure history", f"/measures/{measure.pk}/history/"),
        Page("community page", f"/communities/{community.slug}/"),
        Page(f"evaluation page, {year - 1} (closed)", f"{evaluation}?year={year - 1}"),
        Page(f"evaluation page, {year} (current)", f"{evaluation}?year={year}"),
        Page(
            "admin measure changelist (staff)",
            "/admin/measures/measure/",
            as_staff=True,
            partner_page=False,
        ),
        *public_pages(community),
    ]


def public_pages(community) -> list[Page]:
    """The public pages of the partner's community, as an anonymous resident sees them: from
    the portal's cache, and rendered anew on every request (each with its own query string)."""
    from measures.models import Measure

    if not community.is_public:
        raise SystemExit(f"{community.slug} has no public pages: generate_data makes the first")
    measure = Measure.objects.public().filter(community=community).order_by("pk").first()
    public = [
        ("public community page", f"/hva-skjer/{community.slug}/"),
        ("community calendar feed", f"/hva-skjer/{community.slug}/kalender.ics"),
    ]
    if measure is not None:
        public.insert(
            1, ("public measure page", f"/hva-skjer/{community.slug}/tiltak/{measure.slug}/")
        )
    pages = []
    for name, path in public:
        for uncached in (False, True):
            label = f"{name}, {'uncached' if uncached else 'cached'} (anonymous)"
            pages.append(Page(label, path, partner_page=False, anonymous=True, uncached=uncached))
    return pages


def session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def count_queries(pages: list[Page], partner_user, staff) -> None:
    """Each page's queries as the server runs them (the second request: caches warm)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {}
    for as_staff, user in ((False, partner_user), (True, staff)):
        clients[as_staff] = Client(HTTP_HOST="127.0.0.1")
        clients[as_staff].force_login(user)
    anonymous = Client(HTTP_HOST="127.0.0.1")
    for page in pages:
        if page.minimal:
            page.status, page.queries = 200, 0
            continue
        client = anonymous if page.anonymous else clients[page.as_staff]
        client.get(page.path)
        path = f"{page.path}?bench=count" if page.uncached else page.path
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        page.status, page.queries = response.status_code, len(queries)
        if response.status_code != 200:
            raise SystemExit(f"{page.path} answered {response.status_code}, not 200")
    connection.close()


# --- The server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log_path: Path, app: str = "aktive.wsgi") -> subprocess.Popen:
    """gunicorn serving ``app`` (the portal, or ``bench.minimal_wsgi`` for the floor)."""
    gunicorn = Path(PYTHON).with_name("gunicorn")
    env = os.environ.copy()
    if app != "aktive.wsgi":
        env["DJANGO_SETTINGS_MODULE"] = "bench.minimal_settings"
    server = subprocess.Popen(
        [
            str(gunicorn),
            app,
            f"--workers={WORKERS}",
            f"--bind=127.0.0.1:{port}",
            "--timeout=120",
            f"--error-logfile={log_path}",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200 and len(worker_pids(server.pid)) == WORKERS:
                    return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not start; see {log_path}")


def worker_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


def get(url: str, cookie: str, sink=None) -> tuple[int, int]:
    """GET ``url``; returns (status, bytes), reading the body in chunks as a client would."""
    host, port = url.split("/")[2].split(":")
    path = "/" + url.split("/", 3)[3]
    connection = http.client.HTTPConnection(host, int(port), timeout=300)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    size = 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
        if sink is not None:
            sink(chunk)
    connection.close()
    return response.status, size


def cookie_of(page: Page, cookies: dict) -> str:
    return "" if page.anonymous else cookies[page.as_staff]


def run_wrk(url: str, cookie: str, *, uncached: bool = False) -> dict:
    """``cookie`` empty: an anonymous visitor. ``uncached``: every request misses the cache."""
    header = [f"--header=Cookie: {cookie}"] if cookie else []
    env = {**os.environ, **({"BENCH_BUST": "1"} if uncached else {})}
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{SECONDS}s",
            "--timeout=10s",
            f"--script={LUA}",
            *header,
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    match = re.search(r"^BENCH (.*)$", output, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk printed no summary:\n{output}")
    values = {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", match.group(1))}
    return {
        "rps": values["requests"] / values["seconds"],
        "requests": int(values["requests"]),
        "p50": values["p50_us"] / 1000,
        "p95": values["p95_us"] / 1000,
        "p99": values["p99_us"] / 1000,
        "errors": int(values["non2xx"] + values["socket_errors"]),
    }


# --- The export -------------------------------------------------------------------------------

COPY_SQL = """
SELECT r.id, r.measure_id, m.title, c.name, p.partners, r.period_start, r.period_end,
       r.sessions, r.participants, r.girls, r.volunteers, r.volunteer_hours, r.note
FROM measures_report r
JOIN measures_measure m ON m.id = r.measure_id
JOIN partnerships_community c ON c.id = m.community_id
LEFT JOIN (
    SELECT mp.measure_id, string_agg(pa.name, ', ' ORDER BY pa.name) AS partners
    FROM measures_measurepartner mp JOIN partnerships_partner pa ON pa.id = mp.partner_id
    GROUP BY mp.measure_id
) p ON p.measure_id = m.id
ORDER BY c.name, m.title, m.id, r.period_start, r.id
"""


def time_copy() -> float:
    """psql's \\copy of the export's rows and columns to /dev/null: the floor for any export."""
    sql = " ".join(COPY_SQL.split())
    command = f"\\copy ({sql}) TO '/dev/null' WITH (FORMAT csv, DELIMITER ';', HEADER)"
    started = time.perf_counter()
    subprocess.run(["psql", f"{PG}/{DB_NAME}", "-qc", command], check=True)
    return time.perf_counter() - started


def time_export(url: str, cookie: str, master: int) -> dict:
    """Stream the export once; the workers' memory is sampled meanwhile."""
    workers = worker_pids(master)
    before = {pid: rss_kib(pid) for pid in workers}
    peak = dict(before)
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            for pid in workers:
                peak[pid] = max(peak[pid], rss_kib(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    lines = 0

    def count(chunk: bytes) -> None:
        nonlocal lines
        lines += chunk.count(b"\n")  # one per row: no generated note has a line break

    started = time.perf_counter()
    status, size = get(url, cookie, count)
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    if status != 200:
        raise SystemExit(f"the export answered {status}")
    growth = max(peak[pid] - before[pid] for pid in workers) / 1024
    return {"seconds": seconds, "rows": lines - 1, "mib": size / 1024 / 1024, "growth": growth}


# --- The record -------------------------------------------------------------------------------


def redis_version() -> str:
    import redis

    return redis.Redis.from_url(REDIS).info("server").get("redis_version", "?")


def forget_cache() -> None:
    """Remove what an earlier run left in Redis under the benchmark's prefix."""
    import redis

    client = redis.Redis.from_url(REDIS)
    try:
        keys = list(client.scan_iter(f"{CACHE_PREFIX}:*", count=1000))
    except redis.ConnectionError:
        raise SystemExit(f"Redis is not running at {REDIS} (make bench starts it)") from None
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


def machine() -> dict:
    import django

    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.MULTILINE)
    memory = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split()
    gunicorn = subprocess.run(
        [str(Path(PYTHON).with_name("gunicorn")), "--version"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": model.group(1) if model else platform.processor(),
        "cores": os.cpu_count(),
        "memory": f"{int(memory.group(1)) / 1024 / 1024:.0f} GiB" if memory else "?",
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": psql("SHOW server_version", DB_NAME),
        "gunicorn": gunicorn.replace("gunicorn (version ", "").rstrip(")"),
        "wrk": wrk[1] if len(wrk) > 1 else "?",
        "load before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "redis": redis_version(),
    }


def data_sizes() -> dict:
    from measures.models import Measure, Report
    from partnerships.models import Community, Partner, User

    return {
        "communities": Community.objects.count(),
        "partners": Partner.objects.count(),
        "users": User.objects.count(),
        "measures": Measure.objects.count(),
        "reports": Report.objects.count(),
        "measure history rows": Measure.history.count(),
        "report history rows": Report.history.count(),
    }


def per(part: float, whole: float) -> float:
    """A ratio; "nan" when a page answered nothing in its time (a loaded machine, a short run)."""
    return part / whole if whole else float("nan")


def targets(pages: list[Page], export: dict, copy_seconds: float) -> list[tuple]:
    """The issue's goals: (measure, measured, goal, met)."""
    rps = {page.name: page.result["rps"] for page in pages}
    minimal = rps["minimal Django application (floor)"]
    bare = rps["bare view, full stack (ceiling)"]
    admin = rps["admin measure changelist (staff)"]
    first_list = rps["measure list, first page"]
    closed = next(p for p in pages if p.name.endswith("(closed)")).result["rps"]
    current = next(p for p in pages if p.name.endswith("(current)")).result["rps"]
    measure = rps["measure page"]
    public = [p for p in pages if p.anonymous and not p.uncached and not p.minimal]
    slowest_public = min(public, key=lambda p: p.result["rps"])
    ratio = export["seconds"] / copy_seconds
    rows = [
        ("full-stack bare view / minimal Django", per(bare, minimal), BARE_VS_MINIMAL),
        ("measure list / full-stack bare view", per(first_list, bare), LIST_VS_BARE),
        ("measure list / admin changelist", per(first_list, admin), LIST_VS_ADMIN),
        (
            "evaluation page, closed period / full-stack bare",
            per(closed, bare),
            CLOSED_EVALUATION_VS_BARE,
        ),
        (
            "evaluation page, current period / measure page",
            per(current, measure),
            CURRENT_EVALUATION_VS_MEASURE,
        ),
    ]
    result = [
        (
            name,
            f"{value:.2f}" if goal < 1 else f"{value:.1f}×",
            f"≥ {goal:g}" if goal < 1 else f"≥ {goal:g}×",
            value >= goal,
        )
        for name, value, goal in rows
    ]
    result += [
        (
            "reports export / `psql \\copy`",
            f"{ratio:.2f}×",
            f"≤ {EXPORT_VS_COPY:g}×",
            ratio <= EXPORT_VS_COPY,
        ),
        (
            "server memory growth during the export",
            f"{export['growth']:.1f} MiB",
            f"< {EXPORT_MEMORY_MIB} MB",
            export["growth"] < EXPORT_MEMORY_MIB,
        ),
        (
            "public pages, anonymous, cached / minimal Django",
            f"{per(slowest_public.result['rps'], minimal):.2f} (slowest: {slowest_public.name})",
            f"≥ {PUBLIC_CACHED_VS_MINIMAL:g}",
            per(slowest_public.result["rps"], minimal) >= PUBLIC_CACHED_VS_MINIMAL,
        ),
    ]
    return result


def render(pages, export, copy_seconds, info, sizes, user, costs) -> str:
    rps = {page.name: page.result["rps"] for page in pages}
    minimal = rps["minimal Django application (floor)"]
    bare = rps["bare view, full stack (ceiling)"]
    admin = rps["admin measure changelist (staff)"]
    lines = [
        "# Benchmark results",
        "",
        f"`make bench` on {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}. "
        f"wrk, 2 threads, {CONNECTIONS} connections, {SECONDS} s per page, logged in as "
        f"`{user.username}` (a partner user; the admin changelist as a sports council staff "
        f"user); gunicorn with {WORKERS} sync workers, DEBUG off, Redis as the shared cache, "
        "PostgreSQL and Redis on the same machine. The minimal Django application "
        "(`bench/minimal_settings.py`: no database, two middlewares) is served by the same "
        "gunicorn beside the portal.",
        "",
        "Data: " + ", ".join(f"{count:,} {name}" for name, count in sizes.items()) + ".",
        "",
        "| page | queries | requests/s | p50 ms | p95 ms | vs minimal Django | vs bare view "
        "| errors |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for page in pages:
        r = page.result
        lines.append(
            f"| {page.name} `{page.path}` | {page.queries} | {r['rps']:,.0f} | {r['p50']:.1f} "
            f"| {r['p95']:.1f} | {per(r['rps'], minimal):.1%} | {per(r['rps'], bare):.1%} "
            f"| {r['errors']} |"
        )
    lines += ["", "Measure list vs the admin changelist (requests/s):", ""]
    for page in pages:
        if page.name.startswith("measure list"):
            lines.append(f"- {page.name}: {per(page.result['rps'], admin):.1f}×")
    whole, middleware = costs
    lines += [
        "",
        "## What the stack costs, in process",
        "",
        "The bare view through Django's WSGI handler without a server (`bench/middleware_cost.py`),"
        " logged in as the same partner user: first with no middleware, then adding the "
        "portal's middleware one at a time in its order; each row is what that one added "
        "(the fastest of several rounds, the configurations taking turns; a few microseconds "
        "either way is noise).",
        "",
        "| middleware | µs per request |",
        "|---|--:|",
    ]
    lines += [f"| `{name}` | {cost:.0f} |" for name, cost in middleware]
    lines += [
        f"| **whole stack** | **{whole:.0f}** |",
        f"| minimal Django application, the same way | {info.pop('minimal_us'):.0f} |",
    ]
    ratio = export["seconds"] / copy_seconds
    lines += [
        "",
        "## Reports export",
        "",
        "| | rows | seconds | MiB | server memory growth |",
        "|---|--:|--:|--:|--:|",
        f"| `/reports/export.csv?archived=include` (median of {EXPORT_RUNS}) | "
        f"{export['rows']:,} | {export['seconds']:.2f} | {export['mib']:.1f} | "
        f"{export['growth']:.1f} MiB (largest of any worker's RSS peak over its start) |",
        f"| `psql \\copy` of the same rows and columns (median of {EXPORT_RUNS}) | "
        f"{export['rows']:,} | {copy_seconds:.2f} | | |",
        "",
        f"The export takes {ratio:.2f}× as long as `\\copy`.",
        "",
        "## Goals",
        "",
        "| measure | this run | goal | met |",
        "|---|--:|--:|---|",
    ]
    for name, measured, goal, met in targets(pages, export, copy_seconds):
        lines.append(f"| {name} | {measured} | {goal} | {'met' if met else '**not met**'} |")
    lines += ["", "## Machine", ""]
    lines += [f"- {name}: {value}" for name, value in info.items()]
    if NOTE:
        lines.append(f"- note: {NOTE}")
    return "\n".join(lines) + "\n"


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench does it)")
    os.environ.update(SERVER_ENV)
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    forget_cache()
    prepare_database()
    setup_django()
    partner_user, staff = accounts()
    pages = pages_for(partner_user)
    count_queries(pages, partner_user, staff)
    cookies = {False: session_cookie(partner_user), True: session_cookie(staff)}
    sizes = data_sizes()
    info = machine()
    log("each middleware's cost, in process")
    from bench.middleware_cost import middleware_costs

    costs = middleware_costs(cookies[False], MIDDLEWARE_REQUESTS)
    info["minimal_us"] = float(
        subprocess.run(
            [PYTHON, "-m", "bench.minimal_wsgi"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    from django.db import connection

    connection.close()

    port, minimal_port = free_port(), free_port()
    server = start_server(port, ROOT / "bench" / "gunicorn.log")
    minimal = start_server(minimal_port, ROOT / "bench" / "gunicorn-minimal.log", MINIMAL_APP)
    bases = {False: f"http://127.0.0.1:{port}", True: f"http://127.0.0.1:{minimal_port}"}
    base = bases[False]
    try:
        for page in pages:  # warm both workers
            for _ in range(2 * WORKERS):
                get(bases[page.minimal] + page.path, cookie_of(page, cookies))
        for page in pages:
            log(f"{page.name}: {SECONDS} s")
            page.result = run_wrk(
                bases[page.minimal] + page.path, cookie_of(page, cookies), uncached=page.uncached
            )
            log(
                f"  {page.result['rps']:,.0f} requests/s, p50 {page.result['p50']:.1f} ms, "
                f"p95 {page.result['p95']:.1f} ms, {page.queries} queries"
            )
        log("reports export and psql \\copy")
        url = f"{base}/reports/export.csv?archived=include"
        exports = [time_export(url, cookies[False], server.pid) for _ in range(EXPORT_RUNS)]
    finally:
        for process in (server, minimal):
            process.terminate()
            process.wait(timeout=30)
    copies = [time_copy() for _ in range(EXPORT_RUNS)]
    export = {
        "seconds": statistics.median(e["seconds"] for e in exports),
        "rows": exports[0]["rows"],
        "mib": exports[0]["mib"],
        "growth": max(e["growth"] for e in exports),
    }
    info["load after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = render(pages, export, statistics.median(copies), info, sizes, partner_user, costs)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(text)
    log(f"wrote {OUT} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
