"""The record page says where the carrier is — a place in words and a map — not two raw
coordinates (issue 12); the numbers stay in the exports, the API and a fold of the
organisation's page."""

import re

from django.urls import reverse

from territoria.core.collectivites import place_of
from tests.registre.pages_helpers import published_project


def _visible_text(html: str) -> str:
    """The page without its scripts and JSON data (what a reader sees, roughly)."""
    return re.sub(r"<script.*?</script>", "", html, flags=re.DOTALL)


def test_place_of_a_commune_an_intercommunality_and_a_departement():
    assert place_of("21930051400011") == "Noisy-le-Grand (Seine-Saint-Denis)"
    assert place_of("24330031600011") == "28 communes autour de Bordeaux (Gironde)"
    assert place_of("22850001300000") == "Vendée (Pays de la Loire)"  # numbering before 2000
    assert place_of("80000000000000") == ""


def test_record_page_shows_the_place_and_a_map_not_coordinates(client, organisation):
    project = published_project(organisation)
    html = client.get(project.get_absolute_url()).content.decode()
    text = _visible_text(html)
    assert "Siège de l&#x27;organisation" in text
    assert "Noisy-le-Grand (Seine-Saint-Denis), Île-de-France" in text
    assert not re.search(r"48[.,]85|2[.,]56", text), "raw coordinates shown"
    assert "<dt>Latitude" not in text and "<dt>Longitude" not in text
    assert 'id="carte-siege"' in html
    data = re.search(r'<script id="carte-siege-donnees"[^>]*>(.*?)</script>', html).group(1)
    assert "[2.56, 48.85]" in data and "Noisy-le-Grand" in data


def test_record_page_without_coordinates_has_no_map(client, organisation):
    organisation.latitude = organisation.longitude = None
    organisation.save()
    html = client.get(published_project(organisation).get_absolute_url()).content.decode()
    assert 'id="carte-siege"' not in html
    assert "Noisy-le-Grand (Seine-Saint-Denis)" in html


def test_organisation_page_shows_the_place_and_keeps_coordinates_folded(client, organisation):
    html = client.get(reverse("registre:organisation", args=[organisation.pk])).content.decode()
    assert "Noisy-le-Grand (Seine-Saint-Denis)" in html
    assert re.search(r"<summary>Coordonnées GPS</summary>48,85 ; 2,56", html)
