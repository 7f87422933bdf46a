"""Every kind of page works under the strict Content-Security-Policy: no console errors."""

import re

import pytest

from measures.models import Measure
from tests.e2e.conftest import DESKTOP, log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_partner_pages_and_admin_run_under_the_policy(demo, open_page):
    page = open_page(DESKTOP)
    log_in(page, "idrettsrad")
    measure = Measure.objects.get(title="Åpen hall")
    urls = [
        "/",
        "/measures/",
        f"/measures/{measure.pk}/",
        f"/measures/{measure.pk}/edit/",
        f"/measures/{measure.pk}/history/",
        f"/measures/{measure.pk}/photo/",
        "/communities/konnerud/",
        "/communities/konnerud/evaluation/",
        "/admin/",
        "/admin/measures/measure/",
        f"/admin/measures/measure/{measure.pk}/change/",
        f"/admin/measures/measure/{measure.pk}/history/",
        "/admin/partnerships/partner/",
        "/finnes-ikke/",
    ]
    for url in urls:
        response = page.goto(url)
        policy = response.headers["content-security-policy"]
        assert "unsafe-inline" not in policy and "default-src 'self'" in policy, url
    # Admin's own scripts (prepopulated slug, filter_horizontal, inlines) run under the policy.
    page.goto(f"/admin/measures/measure/{measure.pk}/change/")
    assert page.locator("#id_target_groups_from").count() == 1  # built by SelectFilter2.js
    page.goto("/admin/measures/measure/add/")
    page.locator("#id_title").press_sequentially("Fargeløpet for alle")
    assert re.fullmatch(r"fargelopet-for-alle", page.locator("#id_slug").input_value())
    shot(page, "admin-measure-add-desktop")
    # open_page's teardown fails the test on any console error or failed file.
