"""No English on a page or an admin page a user can reach, when the language is Norwegian.

Every route of the URLconf (``tests.test_odd_input``'s routes, admin's included, with real ids)
is opened as a partner user, sports council staff and a superuser, together with the add and
change forms and filtered lists the pages link to. The text a person sees or hears (text,
``title``, ``aria-label``, ``placeholder``, ``alt``, button values) is compared with every
message of Django's, the installed apps' and the portal's own catalogues that has no Norwegian
translation (a message ``gettext`` gives back unchanged), and with English phrases that come
from no catalogue (model names Django builds, such as "Can add community"). An English leftover
that comes back fails the test with the page and the phrase.
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import django
import polib
import pytest
from django.apps import apps
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real

from tests.test_odd_input import dataset, identities, routes  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sdr]|\{\w*\}|%%")
# Text Django builds without a catalogue, and English that must not come back.
KNOWN_ENGLISH = [
    "Can add ",
    "Can change ",
    "Can delete ",
    "Can view ",
    "Start typing",
    "by selecting them",
    "Show counts",
    "Hide counts",
    "Reset password",
    "Password-based authentication",
    "MODEL NAME",
    "Model name",
    "ADD LINK",
    "Add link",
    "Legg til ny ",  # nb's "Add %s" does not agree with every noun's gender
    "Historical ",
]
# Whole words that are English only (a Norwegian page has none of them).
ENGLISH_WORDS = re.compile(
    r"\b(?:the|and|this|these|with|your|you|select|choose|please|click|enter|"
    r"which|when|there|their|should|would|could|been|being|have|has)\b",
    re.IGNORECASE,
)
VARIANTS = 4  # of one page: plain, filtered, sorted …; and with counts
VISIBLE_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "aria-description")
# Rendered but not shown: never text a person meets.
HIDDEN_TAGS = {"script", "style", "template", "noscript"}
# Text that is data, not interface: what the dataset and the demo named things.
NOT_INTERFACE = re.compile(r"(?s)<(?:textarea|pre)\b.*?</(?:textarea|pre)>")


class TextParser(HTMLParser):
    """The text a person sees or hears, and the links of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: set[str] = set()
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag in HIDDEN_TAGS:
            self._hidden += 1
        if tag == "a" and attrs.get("href"):
            self.links.add(attrs["href"])
        for name in VISIBLE_ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data)


def catalogue_files() -> list[Path]:
    """The English source catalogues of Django and the installed apps, and the portal's own."""
    found = sorted(Path(django.__file__).parent.glob("conf/locale/en/LC_MESSAGES/*.po"))
    for config in apps.get_app_configs():
        found += sorted(Path(config.path).glob("locale/en/LC_MESSAGES/*.po"))
    return [*dict.fromkeys(found), *sorted((ROOT / "locale").glob("nb/LC_MESSAGES/django.po"))]


def norwegian(domain: str):
    """The Norwegian catalogue Django uses for ``domain`` ("django" or "djangojs"), the
    portal's locale first."""
    if domain == "django":
        return trans_real.translation("nb")
    # As admin's JavaScriptCatalog builds it: the apps' catalogues under the portal's.
    apps_locales = [Path(config.path) / "locale" for config in apps.get_app_configs()]
    return trans_real.DjangoTranslation(
        "nb", domain=domain, localedirs=[str(p) for p in apps_locales if p.is_dir()]
    )


def untranslated_phrases() -> set[str]:
    """The literal parts (placeholders taken out) of every message left in English in nb."""
    phrases = set()
    with translation.override("nb"):
        for path in catalogue_files():
            catalog = norwegian(path.stem)
            for entry in polib.pofile(str(path)):
                if entry.obsolete:
                    continue
                key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
                # In the catalogue counts as translated, also where the words are the same
                # ("Aktive Lokalsamfunn", "Partner").
                if key in catalog._catalog or (key, 0) in catalog._catalog:
                    continue
                for part in PLACEHOLDER.split(entry.msgid):
                    part = part.strip(" .:,;–-()\"'“”")
                    # Two words or more: a single word ("Partner", "E-post") is also Norwegian.
                    if len(part.split()) >= 2 and len(part) >= 8:
                        phrases.add(part)
    return phrases


def crawl(client: Client, start: list[str], limit: int = 600) -> dict[str, list[str]]:
    """GET the start pages and the pages they link to within admin (lists filtered, forms)."""
    seen, queue, pages, variants = set(), list(start), {}, Counter()
    while queue and len(pages) < limit:
        url = queue.pop(0)
        # One of each kind (a list sorted by another column is the same page), and a few
        # kinds of a page: its filters combined show the same words again.
        parts = urlsplit(url)
        kind = (parts.path, tuple(sorted(name for name, _ in parse_qsl(parts.query))))
        counts = parts.query == "_facets=True"  # admin's list with counts says other things
        if kind in seen or (variants[parts.path] >= VARIANTS and not counts):
            continue
        seen.add(kind)
        variants[parts.path] += 1
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = NOT_INTERFACE.sub("", response.content.decode())
        parser = TextParser()
        parser.feed(html)
        pages[url] = [" ".join(text.split()) for text in parser.texts]
        for link in parser.links:
            target = urlsplit(urljoin(url, link))
            if target.netloc or not target.path.startswith("/admin/"):
                continue
            if any(word in target.path for word in ("/logout", "/delete/", "/history/")):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return pages


def test_every_admin_script_text_is_norwegian():
    """What admin's scripts write (the two-box selector's "Choose … by selecting them", the
    calendar's weekdays) comes from the JavaScript catalogue, which no page's HTML shows."""
    catalog = norwegian("djangojs")
    missing = []
    for path in catalogue_files():
        if path.stem != "djangojs":
            continue
        for entry in polib.pofile(str(path)):
            key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            if key not in catalog._catalog and (key, 0) not in catalog._catalog:
                missing.append(entry.msgid)
    assert not missing


@pytest.mark.django_db
def test_no_page_shows_english_under_the_norwegian_locale(dataset, identities):  # noqa: F811
    route_list, _unbuilt = routes(dataset)
    start = [route.path for route in route_list if "%" not in route.path]
    phrases = sorted(untranslated_phrases(), key=len, reverse=True)
    found: dict[str, set[str]] = {}
    visited = {}
    for identity in ("partner", "staff", "superuser"):
        visited[identity] = crawl(identities[identity], start)
        for url, texts in visited[identity].items():
            text = " | ".join(texts)
            hits = {p for p in phrases if p in text}
            hits |= {p.strip() for p in KNOWN_ENGLISH if p in text}
            hits |= {m.group(0).lower() for m in ENGLISH_WORDS.finditer(text)}
            if hits:
                found[f"{identity} {url}"] = hits
    import collections

    counter = collections.Counter(h for hits in found.values() for h in hits)
    for hit, n in counter.most_common():
        example = next(page for page, hits in found.items() if hit in hits)
        print(f"{n:4d} {hit!r}  e.g. {example}")
    # The pages where the leftovers were: admin's lists, forms, history and the password form.
    user = dataset.partner_user.pk
    for identity, url in [
        ("partner", "/measures/"),
        ("partner", "/accounts/password_change/"),
        ("staff", "/admin/"),
        ("staff", "/admin/partnerships/community/"),
        ("staff", "/admin/partnerships/community/new/"),
        ("staff", f"/admin/partnerships/user/{user}/change/"),
        ("staff", "/admin/partnerships/partner/?_facets=True"),
        ("superuser", "/admin/auth/group/add/"),
        ("superuser", f"/admin/partnerships/user/{user}/password/"),
    ]:
        assert url in visited[identity], f"{identity} never reached {url}"
    assert not found, "\n".join(f"{page}: {sorted(hits)}" for page, hits in sorted(found.items()))


# --- The leftovers one by one, as a person met them -------------------------------------------


def field_row(page: str, name: str) -> str:
    """The HTML from the field's label (or the field) up to the next field."""
    start = page.index(f'name="{name}"')
    end = page.find("<label", start)
    return page[max(page.rfind("<label", 0, start), 0) : end if end > 0 else None]


def test_a_too_short_new_password_is_said_under_the_new_password(as_user, partner_user):
    response = as_user(partner_user).post(
        "/accounts/password_change/",
        {"old_password": "lokalsamfunn", "new_password1": "kort", "new_password2": "kort"},
    )
    page = response.content.decode()
    assert "for kort" in field_row(page, "new_password1")
    assert "for kort" not in field_row(page, "new_password2")


def test_two_different_new_passwords_are_said_under_the_confirmation(as_user, partner_user):
    response = as_user(partner_user).post(
        "/accounts/password_change/",
        {
            "old_password": "lokalsamfunn",
            "new_password1": "Et langt og godt passord 1",
            "new_password2": "Et langt og godt passord 2",
        },
    )
    page = response.content.decode()
    assert "ikke like" in field_row(page, "new_password2")
    assert "ikke like" not in field_row(page, "new_password1")


def test_admin_password_form_says_too_short_under_the_password(as_user, roles):
    from tests.factories import UserFactory

    admin_user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    person = UserFactory(username="person")
    response = as_user(admin_user).post(
        f"/admin/partnerships/user/{person.pk}/password/",
        {"set_usable_password": "true", "password1": "kort", "password2": "kort"},
    )
    rows = response.content.decode().split('class="form-row')  # admin's errors come first
    row = {
        name: next(r for r in rows if f'name="{name}"' in r) for name in ("password1", "password2")
    }
    assert "for kort" in row["password1"]
    assert "for kort" not in row["password2"]


def test_the_measure_filters_offer_all_communities_and_all_partners_once(
    as_user, partner_user, other_partner_user
):
    page = as_user(partner_user).get("/measures/").content.decode()
    assert page.count(">Alle lokalsamfunn</option>") == 1
    assert page.count(">Alle partnere</option>") == 1


def test_admin_says_endre_and_years_without_a_space(as_user, staff, community):
    community.partnership_since = 2014
    community.save()
    index = as_user(staff).get("/admin/").content.decode()
    assert ">Endre</a>" in index
    assert ">Bytt</a>" not in index
    changelist = as_user(staff).get("/admin/partnerships/community/").content.decode()
    assert ">2014</td>" in changelist
    assert "2\xa0014" not in changelist and "2 014" not in changelist


def test_admin_adds_a_community_and_a_partner_in_plain_norwegian(as_user, staff):
    page = as_user(staff).get("/admin/partnerships/community/add/").content.decode()
    assert "<h1>Legg til lokalsamfunn</h1>" in page
    page = as_user(staff).get("/admin/partnerships/partner/").content.decode()
    assert "Legg til partner" in page
    assert "Legg til ny" not in page


def test_permissions_are_named_in_norwegian(as_user, roles):
    from tests.factories import UserFactory

    admin_user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    page = as_user(admin_user).get("/admin/auth/group/add/").content.decode()
    assert "Kan legge til lokalsamfunn" in page
    assert "Can add" not in page


def test_one_meeting_is_one_meeting(as_user, partner_user, community):
    from tests.factories import MeetingFactory

    MeetingFactory(community=community)
    page = as_user(partner_user).get(f"/communities/{community.slug}/").content.decode()
    assert "møte nylig" in page
    assert "møter nylig" not in page


def test_the_language_is_chosen_in_the_user_menu_and_in_the_footer(as_user, partner_user):
    page = as_user(partner_user).get("/").content.decode()
    menu = page[page.index('class="dropdown-menu') : page.index("</header>")]
    assert 'name="language" value="en"' in menu
    assert 'id="language"' in page[page.index("<footer") :]
