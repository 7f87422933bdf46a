"""Money: kroner and øre, the way the portal stores, adds, splits and shows them.

Amounts are whole øre in a ``BigIntegerField`` (NOK 100 000 is 10 000 000 øre): the database
adds them exactly on PostgreSQL and SQLite alike, and no float ever holds money. People type
kroner ("100 000", "100 000,50", "kr 2 500 000"), and see them Norwegian style:
"kr 100 000,00". A grant split between measures is split in whole øre by the largest remainder,
so the parts always add up to the whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

ORE_PER_KRONE = 100
# NOK 10 billion: far above any grant, far below what a BIGINT holds.
MAX_ORE = 10_000_000_000 * ORE_PER_KRONE
NBSP = "\u00a0"
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")


def parse_kroner(text: str | int | Decimal) -> int:
    """Kroner as people type them, in øre. Raises ``ValidationError`` with a Norwegian message."""
    if isinstance(text, int):
        return text * ORE_PER_KRONE
    if isinstance(text, Decimal):
        if not text.is_finite() or abs(text) >= MAX_ORE:
            raise ValidationError(_("The amount is too large."), code="max_value")
        value = text
    else:
        cleaned = _SPACES.sub("", str(text)).lower().removeprefix("kr").removesuffix(",-")
        cleaned = cleaned.removesuffix("kr").removeprefix("nok")
        if cleaned.count(",") == 1 and "." in cleaned:
            cleaned = cleaned.replace(".", "")  # 100.000,50: the dot groups thousands
        cleaned = cleaned.replace(",", ".")
        if not re.fullmatch(r"-?\d+(\.\d{1,2})?", cleaned):
            raise ValidationError(
                _("Write an amount in kroner, e.g. 100 000 or 2 500,50."), code="invalid"
            )
        if len(cleaned.partition(".")[0].lstrip("-0")) > 12:
            raise ValidationError(_("The amount is too large."), code="max_value")
        try:
            value = Decimal(cleaned)
        except InvalidOperation as error:  # pragma: no cover - the pattern above rules it out
            raise ValidationError(_("Write an amount in kroner."), code="invalid") from error
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(_("Give at most two decimals (øre)."), code="invalid")
    return int(value * ORE_PER_KRONE)


def kroner(ore: int | None) -> Decimal | None:
    """Øre as a Decimal of kroner with two places (for exports)."""
    if ore is None:
        return None
    return (Decimal(ore) / ORE_PER_KRONE).quantize(Decimal("0.01"))


def format_kroner(ore: int | None, *, empty: str = "–") -> str:
    """ "kr 100 000,00": Norwegian style, with non-breaking spaces so it never wraps."""
    if ore is None:
        return empty
    sign = "-" if ore < 0 else ""
    whole, part = divmod(abs(ore), ORE_PER_KRONE)
    grouped = f"{whole:,}".replace(",", NBSP)
    return f"{sign}kr{NBSP}{grouped},{part:02d}"


def split(total: int, weights: Sequence[Decimal | int]) -> list[int]:
    """``total`` øre split by ``weights``, in whole øre that add up to ``total`` exactly.

    Each part is rounded down; the øre left over go one by one to the largest remainders
    (the first of equal ones), so 100 øre in three equal parts is 34 + 33 + 33.
    """
    if not weights:
        return []
    weight_sum = sum(Decimal(weight) for weight in weights)
    if weight_sum <= 0:
        raise ValueError("weights must add up to more than zero")
    exact = [Decimal(total) * Decimal(weight) / weight_sum for weight in weights]
    parts = [int(value) for value in exact]  # towards zero; amounts are not negative
    left = total - sum(parts)
    order = sorted(range(len(exact)), key=lambda index: (-(exact[index] - parts[index]), index))
    for index in order[:left]:
        parts[index] += 1
    return parts


def per_unit(ore: int | None, count: int | None) -> int | None:
    """Øre per unit (per participant), rounded to the nearest øre; None if either is unknown."""
    if not ore or not count:
        return None
    return int((Decimal(ore) / Decimal(count)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- Fields -----------------------------------------------------------------------------------


class MoneyFormField(forms.CharField):
    """Kroner typed Norwegian style; cleans to whole øre."""

    def __init__(self, *, min_value: int = 0, max_value: int = MAX_ORE, **kwargs):
        kwargs.pop("max_length", None)  # a length validator would meet the øre, an int
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "30")
        self.min_ore, self.max_ore = min_value, max_value
        self.widget.attrs.setdefault("inputmode", "decimal")

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            whole, part = divmod(value, ORE_PER_KRONE)
            return f"{whole:,}".replace(",", " ") + (f",{part:02d}" if part else "")
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if len(value) > 30:
            raise ValidationError(_("Write an amount in kroner."), code="invalid")
        return parse_kroner(value)

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if value < self.min_ore:
            raise ValidationError(_("The amount cannot be negative."), code="min_value")
        if value > self.max_ore:
            raise ValidationError(_("The amount is too large."), code="max_value")


class MoneyField(models.BigIntegerField):
    """An amount in whole øre, typed and shown in kroner."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [MinValueValidator(0), MaxValueValidator(MAX_ORE)])
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("validators", None)
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(
            **{**kwargs, "form_class": MoneyFormField, "min_value": 0, "max_value": MAX_ORE}
        )
