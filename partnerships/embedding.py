"""Which other sites may show a community's "what's on" list in a frame (the embed).

Staff write one origin per line; the embed's response allows exactly those as CSP
``frame-ancestors`` and nothing else, so no other site can frame the portal.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# https://host or https://host:port, or https://*.host for every subdomain; no path.
ORIGIN = re.compile(
    r"^https://(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$"
)


def embed_origins(text: str) -> list[str]:
    """The origins in ``text``, one per line, lower-cased, without a trailing slash."""
    return [line.strip().rstrip("/").lower() for line in text.splitlines() if line.strip()]


def validate_embed_origins(text: str) -> None:
    bad = [origin for origin in embed_origins(text) if not ORIGIN.match(origin)]
    if bad:
        raise ValidationError(
            _(
                "Write one address per line as https://host, e.g. "
                "https://www.drammen.kommune.no (no path). Not valid: %(bad)s"
            ),
            params={"bad": ", ".join(bad)},
            code="invalid_origin",
        )
