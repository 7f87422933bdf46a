"""The window of dates a person may type for a report, a meeting or a measure.

Activity in the portal happens from 2000 on and plans reach a few years ahead; anything outside
is a typing mistake (a report dated 0202 drew a chart bar for every year since). The models'
date fields carry this validator, so forms, admin and the services' ``full_clean`` all use it.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(2000, 1, 1)
YEARS_AHEAD = 5


def latest_date() -> datetime.date:
    return datetime.date(timezone.localdate().year + YEARS_AHEAD, 12, 31)


def validate_activity_date(value: datetime.date) -> None:
    latest = latest_date()
    if not EARLIEST_DATE <= value <= latest:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s."),
            code="date_out_of_range",
            params={
                "first": date_format(EARLIEST_DATE, "SHORT_DATE_FORMAT"),
                "last": date_format(latest, "SHORT_DATE_FORMAT"),
            },
        )
