"""What the pages show of money and goals, from rows the database has summed.

- **Funding per year** by funder kind: money granted, in the year the grant's period starts
  (``GrantQuerySet.per_year_and_kind``), as a chart with its table (``measures.charts.Chart``).
- **Cost per participant**: money granted in a year (or period) divided by the participants
  (attendances, ``ReportQuerySet``'s rule) in the same year, only where both are known.
- **Goals**: each goal's value now, counted from the reports of the period (its measure's, or
  the community's): participants per session = participants ÷ sessions; share of girls = girls ÷
  participants of the reports that gave girls, in per cent; sessions held and volunteers are the
  sums. A goal entered by hand shows the value typed. Progress is how far the value has come
  from the baseline towards the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding.allocation import Part, allocate
from funding.models import FunderKind, Goal, Grant, GrantMeasure, Indicator
from funding.money import kroner, per_unit
from measures.charts import Chart, Series
from measures.models import Measure, Report
from measures.periods import Period
from measures.schedules import HolidayCalendar, planned_per_measure, slots_of
from partnerships.models import Community


def funding_chart(community: Community, *, id: str, years: range | None = None) -> Chart | None:
    """Money granted per year by funder kind, with the participants and the cost per
    participant that year (two queries); None when nothing was granted. ``years`` limits it."""
    grants = Grant.objects.filter(community=community)
    if years is not None:
        grants = grants.filter(period_start__year__gte=years[0], period_start__year__lte=years[-1])
    rows = grants.per_year_and_kind()
    if not rows:
        return None
    found = [row["year"] for row in rows]
    shown = list(range(min(found), max(found) + 1))
    kinds = [kind for kind in FunderKind if any(r["funder_kind"] == kind for r in rows)]
    amounts = {(r["year"], r["funder_kind"]): r["amount"] for r in rows}
    participants = dict(
        Report.objects.of_community(community)
        .filter(period_start__year__gte=shown[0], period_start__year__lte=shown[-1])
        .order_by()
        .values_list("period_start__year")
        .annotate(Sum("participants"))
    )
    chart = Chart(
        id=id,
        caption=_("Money granted per year, by kind of funder"),
        summary=_(
            "Stacked bar chart: money granted per year in kroner, one colour per kind of "
            "funder. The table below has the numbers."
        ),
        labels=[str(year) for year in shown],
        row_label=_("Year"),
        series=[
            Series(kind.label, [kroner(amounts.get((year, kind.value), 0)) for year in shown])
            for kind in kinds
        ],
        stacked=True,
        total=True,
    )
    table = []
    for year in shown:
        row = [amounts.get((year, kind.value), 0) for kind in kinds]
        total = sum(row)
        table.append(
            {
                "year": year,
                "amounts": row,
                "total": total,
                "participants": participants.get(year),
                "per_participant": per_unit(total, participants.get(year)),
            }
        )
    chart.table = table
    chart.column_sums = [sum(row["amounts"][i] for row in table) for i in range(len(kinds))]
    chart.sum_total = sum(row["total"] for row in table)
    return chart


@dataclass
class PeriodFunding:
    """Money granted for a community's grants starting in a period, and what it bought."""

    amount: int
    participants: int
    per_participant: int | None


def period_funding(community: Community, period: Period, participants: int) -> PeriodFunding:
    amount = (
        Grant.objects.filter(community=community, period_start__range=(period.start, period.end))
        .awarded()
        .aggregate(total=Coalesce(Sum("amount_granted"), 0))["total"]
    )
    return PeriodFunding(amount, participants, per_unit(amount, participants))


def measure_funding(grants: list[Grant], measure_id: int) -> list[dict]:
    """Each grant's part for one measure; ``grants`` with ``measure_links`` prefetched."""
    rows = []
    for grant in grants:
        links = list(grant.measure_links.all())
        parts = allocate(
            grant.amount, {link.measure_id: Part(link.share, link.amount) for link in links}
        )
        rows.append({"grant": grant, "part": parts.get(measure_id), "links": len(links)})
    return rows


def grant_parts(grant: Grant) -> list[dict]:
    """The grant's measures with their share or amount and their part in øre (one query)."""
    links = list(
        GrantMeasure.objects.filter(grant=grant)
        .select_related("measure")
        .order_by("measure__title", "pk")
    )
    parts = allocate(
        grant.amount, {link.measure_id: Part(link.share, link.amount) for link in links}
    )
    return [
        {"link": link, "measure": link.measure, "part": parts[link.measure_id]} for link in links
    ]


# --- Goals ----------------------------------------------------------------------------------------


@dataclass
class Progress:
    goal: Goal
    value: Decimal | None
    percent: int | None  # of the way from baseline to target, 0–100 (may pass 100)

    @property
    def reached(self) -> bool:
        return self.percent is not None and self.percent >= 100


# Named apart from the report's own fields, which an annotation may not shadow.
TOTALS = {
    "sessions_sum": Coalesce(Sum("sessions"), 0),
    "participants_sum": Coalesce(Sum("participants"), 0),
    "girls_sum": Coalesce(Sum("girls"), 0),
    "participants_with_girls": Coalesce(Sum("participants", filter=Q(girls__isnull=False)), 0),
    "volunteers_sum": Coalesce(Sum("volunteers"), 0),
    "reports": Count("pk"),
}


def indicator_value(indicator: str, totals: dict | None) -> Decimal | None:
    if not totals or not totals.get("reports"):
        return None
    if indicator == Indicator.PARTICIPANTS_PER_SESSION:
        return _ratio(totals["participants_sum"], totals["sessions_sum"])
    if indicator == Indicator.GIRLS_SHARE:
        return _ratio(totals["girls_sum"] * 100, totals["participants_with_girls"])
    if indicator == Indicator.SESSIONS:
        return Decimal(totals["sessions_sum"])
    if indicator == Indicator.VOLUNTEERS:
        return Decimal(totals["volunteers_sum"])
    return None


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def goal_progress(goals: list[Goal], community: Community, period: Period) -> list[Progress]:
    """Each goal's value in ``period`` and its progress (one query for all goals' totals)."""
    if not goals:
        return []
    reports = Report.objects.of_community(community).starting_in(period).order_by()
    per_measure = {
        row.pop("measure_id"): row for row in reports.values("measure_id").annotate(**TOTALS)
    }
    whole: dict = {}
    for row in per_measure.values():
        for key, value in row.items():
            whole[key] = whole.get(key, 0) + value
    result = []
    for goal in goals:
        if goal.indicator == Indicator.MANUAL:
            value = goal.manual_value
        else:
            totals = per_measure.get(goal.measure_id) if goal.measure_id else whole
            value = indicator_value(goal.indicator, totals)
        result.append(Progress(goal, value, _percent(goal, value)))
    return result


def _percent(goal: Goal, value: Decimal | None) -> int | None:
    if value is None or goal.target == goal.baseline:
        return None
    share = (value - goal.baseline) / (goal.target - goal.baseline) * 100
    return max(0, int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


# --- The funder's report --------------------------------------------------------------------------

METHOD_NOTE = gettext_lazy(
    "How the numbers are counted: from the activity reports the partners log after each session "
    "or month, counts only and never names. A report counts in the period it starts in. "
    "Participants are attendances, not unique persons: a child who came to eight sessions counts "
    "eight times. “Of which girls” sums the reports that gave a number. Volunteers are counted "
    "per report; volunteer hours are summed. Planned sessions come from the measures' weekly "
    "times, without public and school holidays and cancelled days, up to today."
)


@dataclass
class FunderReport:
    grant: Grant
    period: Period
    parts: list[dict]
    measures: list
    totals: dict
    goals: list[Progress]
    photos: list
    method_note: str


def funder_report(grant: Grant, *, today) -> FunderReport:
    """What a funder's report says of ``grant``: its period, the funded measures' planned and
    reported activity (the evaluation page's numbers for the same period), goals against
    results, and photos with recorded consent."""
    period = Period(grant.period_start, grant.period_end)
    parts = grant_parts(grant)
    ids = [row["measure"].pk for row in parts]
    part_of = {row["measure"].pk: row["part"] for row in parts}
    measures = list(
        Measure.objects.filter(pk__in=ids).with_report_totals(period).order_by("title", "pk")
    )
    planned = planned_per_measure(
        slots_of(Measure.objects.filter(pk__in=ids)),
        period,
        HolidayCalendar.for_community(grant.community),
        until=today,
    )
    for measure in measures:
        measure.planned_total = planned.get(measure.pk)
        measure.part = part_of.get(measure.pk)
        measure.per_participant = per_unit(measure.part, measure.participants_total)
    totals = Report.objects.filter(measure_id__in=ids).starting_in(period).totals()
    totals["planned_total"] = sum(planned.values())
    totals["per_participant"] = per_unit(grant.amount, totals["participants_total"])
    goals = list(
        Goal.objects.filter(community=grant.community)
        .filter(Q(measure__isnull=True) | Q(measure_id__in=ids))
        .select_related("measure")
    )
    photos = [m for m in measures if m.image and m.image_consent]
    return FunderReport(
        grant=grant,
        period=period,
        parts=parts,
        measures=measures,
        totals=totals,
        goals=goal_progress(goals, grant.community, period),
        photos=photos,
        method_note=str(METHOD_NOTE),
    )
