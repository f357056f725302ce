"""The planting-feasibility layer in a real browser, with an accessibility check per page.

An agent imports the OpenStreetMap layers of central Helsinki, computes the layer with Lyon's
profile (a background job whose progress the page shows), changes the weight of the
underground networks and sees which cells change class, clicks a cell for its explanation,
draws an area on the map and gets a ranked list of planting sites, imports the field teams'
return file (the sites export filled in) and sees the counter move; an anonymous visitor sees
the public layer. Screenshots: plantabilite-*.png (see conftest.SCREENSHOTS).
"""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from territoria.plantabilite.demo import create_territory
from territoria.plantabilite.models import Computation
from tests.browser.support import check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_computes_explores_and_plans_then_the_public_sees_the_layer(
    page, live_server, agent, tmp_path
):
    territory = create_territory("Helsinki (centre)", "helsinki", "EPSG:3067", agent.organisation)
    page.set_default_timeout(60_000)
    log_in(page, live_server, agent.username)

    # Import the OpenStreetMap layers.
    page.goto(f"{live_server.url}/plantabilite/helsinki/couches/")
    expect(
        page.get_by_role("heading", name="Couches de facteurs — Helsinki (centre)")
    ).to_be_visible()
    page.get_by_role("button", name="Importer l'extrait OpenStreetMap d'Helsinki").click()
    expect(page.get_by_text("couches OpenStreetMap importées")).to_be_visible()
    expect(page.get_by_role("row", name="OSM – Bâtiments")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "plantabilite-1-couches")

    # Compute with Lyon's profile.
    page.goto(f"{live_server.url}/plantabilite/helsinki/calculs/")
    expect(page.get_by_label("Profil de poids")).to_have_value(str(territory.profiles.get().pk))
    check_accessibility(page)
    page.get_by_role("button", name="Calculer le calque").click()
    expect(page.get_by_text("Terminé", exact=True)).to_be_visible()
    computation = Computation.objects.get()
    assert computation.stats["cells"] > 70_000
    check_accessibility(page)
    screenshot(page, "plantabilite-2-calcul")

    # Sensitivity: the underground networks weigh 0 instead of −1…−3.
    page.get_by_label("Facteur").select_option("reseaux_enterres")
    page.get_by_label("Nouveau poids (−5 à +3)").fill("0")
    page.get_by_role("button", name="Comparer").click()
    result = page.locator("#resultat-sensibilite")
    expect(result).to_contain_text("changent de classe")
    assert int(re.sub(r"\D", "", result.locator("strong").inner_text())) > 100
    check_accessibility(page)
    screenshot(page, "plantabilite-3-sensibilite")

    # Explanation of one cell: click the map.
    page.goto(f"{live_server.url}/plantabilite/helsinki/")
    # The platform's map draws the layer as class bands, fitted to the district (not zoom 12).
    bands = page.locator("#carte-plantabilite path.leaflet-interactive")
    expect(bands.first).to_be_attached()
    boxes = [path.bounding_box() for path in bands.all()]
    largest = max(max(box["width"], box["height"]) for box in boxes)
    assert largest > 300, largest  # at zoom 12 the district would be about 60 px tall
    image = page.locator("#pl-carte")
    expect(image).to_be_visible()
    image.click(position={"x": 120, "y": 600})
    expect(page.locator("#maille caption")).to_contain_text("classe")
    check_accessibility(page)
    page.locator("#maille").scroll_into_view_if_needed()
    screenshot(page, "plantabilite-4-explication")

    # Draw an area on the map, get the ranked planting sites.
    page.goto(f"{live_server.url}/plantabilite/helsinki/sites/")
    box = page.locator("#pl-carte-sites").bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 10, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    expect(page.get_by_label("X min")).not_to_have_value("")
    screenshot(page, "plantabilite-5-zone")
    page.get_by_role("button", name="Chercher les sites").click()
    expect(page.get_by_role("table", name="Sites candidats classés")).to_be_visible()
    assert page.locator("#sites tbody tr").count() > 3
    check_accessibility(page)
    page.locator("#carte-sites").scroll_into_view_if_needed()
    screenshot(page, "plantabilite-6-sites")

    # The field teams fill in the sites export; the agent imports it back: the counter moves.
    rows = list(csv.DictReader(io.StringIO(page.request.get(page.url + "&format=csv").text())))
    rows[0].update(arbres_plantes="4", date_plantation="2026-11-30")
    rows[1].update(arbres_plantes="6", date_plantation="01/12/2026")
    returned = tmp_path / "retours-terrain.csv"
    with open(returned, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    page.get_by_label("Fichier des plantations (CSV ou GeoJSON)").set_input_files(returned)
    page.get_by_role("button", name="Importer les plantations").click()
    expect(page.locator(".messages")).to_contain_text("2 plantations enregistrées, 10 arbres.")
    expect(page.locator("#plantes ~ p").first).to_contain_text("10 arbres plantés enregistrés")
    check_accessibility(page)
    page.locator("#plantes").scroll_into_view_if_needed()
    screenshot(page, "plantabilite-13-plantations")

    # A planting zone drawn as a polygon, vertex by vertex: its classes and its sites.
    page.goto(f"{live_server.url}/plantabilite/helsinki/zones/")
    image = page.locator("#pl-carte-zone")
    box = image.bounding_box()
    for fx, fy in ((0.15, 0.45), (0.45, 0.40), (0.55, 0.75), (0.30, 0.90), (0.10, 0.70)):
        image.click(position={"x": box["width"] * fx, "y": box["height"] * fy})
    vertices = page.locator("#id_dessin-sommets")
    assert len(vertices.input_value().splitlines()) == 5
    expect(page.locator(".pl-polygon polygon")).to_have_attribute(
        "points", re.compile(r"(\S+ ){4}\S+")
    )
    page.locator("#id_dessin-nom").fill("Quartier ouest")
    check_accessibility(page)
    screenshot(page, "plantabilite-8-zone-dessin")
    page.get_by_role("button", name="Enregistrer la zone dessinée").click()
    expect(
        page.get_by_role("heading", name="Zone « Quartier ouest » — Helsinki (centre)")
    ).to_be_visible()
    table = page.get_by_role(
        "table", name="Répartition des mailles par classe : la zone et tout le territoire"
    )
    expect(table).to_be_visible()
    expect(page.locator("#resume-zone")).to_contain_text("mailles de 5 m dans la zone")
    check_accessibility(page)
    screenshot(page, "plantabilite-9-zone-classes")

    # The public sees the layer.
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(f"{live_server.url}/plantabilite/helsinki/")
    expect(
        page.get_by_role("heading", name="Calque de plantabilité — Helsinki (centre)")
    ).to_be_visible()
    expect(
        page.get_by_role("table", name="Nombre de mailles de 5 m par classe de plantabilité")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Profils de poids")).to_have_count(0)
    check_accessibility(page)
    page.locator("#carte-plantabilite").scroll_into_view_if_needed()
    screenshot(page, "plantabilite-7-public")
