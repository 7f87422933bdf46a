"""How a grant is split between the measures it funds: the rule, stated once.

Each funded measure has a share (per cent), an amount, or neither:

- all shares: they must add up to 100 %;
- all amounts: they must add up to the grant's amount (granted, or applied for until decided);
- all empty: the grant is split equally;
- a mix of shares and amounts, or a share and an amount on one measure, is refused.

Whatever was given, each measure's part is computed in whole øre, and the parts add up to the
grant's amount exactly (``funding.money.split``). Forms, admin and services call
``validate_allocation``; pages and reports call ``allocate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from funding.money import format_kroner, split

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Part:
    """What one measure is given: ``share`` per cent or ``amount`` øre (or neither)."""

    share: Decimal | None = None
    amount: int | None = None


def validate_allocation(total: int, parts: Mapping[int, Part]) -> None:
    """Refuse parts that do not add up; the message says by how much (for the ``measures``
    field)."""
    if not parts:
        return
    if any(part.share is not None and part.amount is not None for part in parts.values()):
        raise ValidationError(
            {"measures": _("Give each measure a share or an amount, not both.")}, code="both"
        )
    shares = [part.share for part in parts.values() if part.share is not None]
    amounts = [part.amount for part in parts.values() if part.amount is not None]
    given = len(shares) + len(amounts)
    if shares and amounts:
        raise ValidationError(
            {"measures": _("Use shares for every measure or amounts for every measure, not both.")},
            code="mixed",
        )
    if given and given != len(parts):
        raise ValidationError(
            {
                "measures": _(
                    "Give every measure a share or an amount, or leave all empty to split the "
                    "grant equally."
                )
            },
            code="some_empty",
        )
    if shares and sum(shares) != HUNDRED:
        raise ValidationError(
            {
                "measures": _("The shares add up to %(sum)s %%; they must add up to 100 %%.")
                % {"sum": number_format(sum(shares), decimal_pos=2 if sum(shares) % 1 else 0)}
            },
            code="shares",
        )
    if amounts and sum(amounts) != total:
        raise ValidationError(
            {
                "measures": _(
                    "The amounts per measure add up to %(sum)s, not the grant's %(total)s."
                )
                % {"sum": format_kroner(sum(amounts)), "total": format_kroner(total)}
            },
            code="amounts",
        )


def allocate(total: int, parts: Mapping[int, Part]) -> dict[int, int]:
    """Each measure's part of ``total`` in øre, adding up to ``total`` exactly. ``parts`` must
    be valid (``validate_allocation``); keys keep their order."""
    keys = list(parts)
    if not keys:
        return {}
    if all(parts[key].amount is not None for key in keys):
        return {key: parts[key].amount for key in keys}
    if all(parts[key].share is not None for key in keys):
        weights = [parts[key].share for key in keys]
    else:
        weights = [1] * len(keys)
    return dict(zip(keys, split(total, weights), strict=True))
