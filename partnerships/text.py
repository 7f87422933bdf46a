"""Helpers for Norwegian text."""

from django.utils.text import slugify

# Django admin's URLify (prepopulated slug fields) maps these the same way; Python's
# slugify alone would drop ø and æ, which have no ASCII decomposition.
NORWEGIAN_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})


def norwegian_slugify(value: str) -> str:
    """Slugify with æ→ae, ø→o, å→a ("Fargeløpet" → "fargelopet")."""
    return slugify(str(value).translate(NORWEGIAN_LETTERS))


def unique_slug(queryset, value: str, *, max_length: int = 50, exclude_pk=None) -> str:
    """A slug for ``value`` not yet used in ``queryset`` (adds -2, -3 … when taken)."""
    base = norwegian_slugify(value)[:max_length].strip("-") or "x"
    taken = set(
        queryset.exclude(pk=exclude_pk).filter(slug__startswith=base).values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug = f"{base[: max_length - len(suffix)]}{suffix}"
        n += 1
    return slug
