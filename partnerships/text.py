"""Helpers for Norwegian text."""

import unicodedata

from django.utils.text import slugify

# Django admin's URLify (prepopulated slug fields) maps these the same way; Python's
# slugify alone would drop ø and æ, which have no ASCII decomposition.
NORWEGIAN_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})


# After casefolding: the letters with no decomposition that a Norwegian types without.
FOLDED_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ł": "l"})


def fold(text: str) -> str:
    """Text as search compares it: casefolded and without accents, whitespace collapsed.

    "Åpen HALL" → "apen hall", "Fargeløpet" → "fargelopet", "Kafé" → "kafe": so "apen"
    finds "Åpen" and "åpen" finds "Apen", on any database (it is stored, not computed there).
    """
    text = unicodedata.normalize("NFKD", str(text).casefold().translate(FOLDED_LETTERS))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.split())


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
