"""htmx is loaded once, by the base layout, for every page; no app template loads its own copy."""

from pathlib import Path

import pytest
from django.urls import reverse

import territoria

PACKAGE = Path(territoria.__file__).resolve().parent
HTMX = "vendor/htmx/htmx.min.js"


def test_only_the_base_layout_names_the_htmx_script():
    loaders = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.glob("**/templates/**/*.html")
        if HTMX in path.read_text(encoding="utf-8")
    )
    assert loaders == ["core/templates/base.html"]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["home", "registre:list", "opendata:catalog"])
def test_each_page_loads_htmx_exactly_once(client, url_name):
    html = client.get(reverse(url_name)).content.decode()
    assert html.count(HTMX) == 1
