"""The culture officer reads the IRIS table of the Métropole's observatory (distance to the
nearest venue of each type, from the IRIS file the collectivité imported), then estimates the
effect of an action on the « pas pour moi » agreement between survey waves, with the
parallel-trends check of the earliest wave, in a real browser (headless Chromium, axe-core
checked). Screenshots: docs/screenshots/culture-iris.png, culture-enquete-avant-apres.png,
culture-enquete-tendances.png."""

import pytest
from playwright.sync_api import expect

from territoria.culture import access, museums, surveys, territory
from territoria.culture.models import Observatory, Question
from tests.browser.support import check_accessibility, log_in, screenshot

from .conftest import COMMUNES, MUSEOFILE, ROUEN_METROPOLE
from .test_iris import IRIS_FILE

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_iris_table_and_before_after_on_a_survey(page, live_server, agent):
    territory.import_communes(COMMUNES)
    museums.import_museofile(MUSEOFILE)
    territory.import_iris(IRIS_FILE)
    rouen = Observatory.objects.create(
        slug="metropole-rouen", name="Métropole Rouen Normandie", epci_code=ROUEN_METROPOLE
    )
    waves = []
    for title, counts in (
        ("Un an avant", {"76540": (29, 11), "76451": (52, 48)}),  # a third wave: pre-trends
        ("Avant le festival", {"76540": (30, 10), "76451": (50, 50)}),
        ("Après le festival", {"76540": (12, 28), "76451": (45, 55)}),
    ):
        survey = surveys.create_survey(title, "", surveys.DEFAULT_QUESTIONS, rouen)
        question = survey.questions.get(kind=Question.Kind.AGREE)
        number = 0
        for commune, (agree, disagree) in counts.items():
            for i in range(agree + disagree):
                value = "5" if i < agree else "2"
                surveys.record(survey, {question: value}, commune, "", f"{title}-{number}")
                number += 1
        waves.append(survey)
    page.set_default_timeout(60_000)
    log_in(page, live_server, agent.username)

    page.goto(live_server.url + rouen.get_absolute_url())
    table = page.get_by_role("table", name="Distance à vol d'oiseau", exact=False)
    expect(table.get_by_role("row", name="Rouen ouest", exact=False)).to_be_visible()
    expect(page.get_by_text("5 IRIS importés", exact=False)).to_be_visible()
    check_accessibility(page)
    page.get_by_role("heading", name="Par IRIS", exact=False).scroll_into_view_if_needed()
    screenshot(page, "culture-iris")

    # The IRIS on the platform's map, coloured by distance class, priority IRIS marked.
    priority = sum(
        r.priority
        for r in access.iris_access(list(rouen.communes().values_list("code", flat=True)))["rows"]
    )
    page.get_by_role("link", name="Carte des IRIS et indice composite par IRIS").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("par IRIS")
    # 5 IRIS outlines + one disc per priority IRIS (both drawn as interactive paths)
    expect(page.locator("#carte-iris path.leaflet-interactive")).to_have_count(5 + priority)
    expect(page.get_by_role("list", name="Légende", exact=False)).to_contain_text("20 km ou plus")
    expect(page.get_by_role("table", name="Indice composite d'accès par IRIS")).to_be_visible()
    check_accessibility(page)
    page.evaluate("document.getElementById('carte-iris-titre').scrollIntoView()")
    screenshot(page, "culture-iris-carte")

    page.goto(live_server.url + waves[2].get_absolute_url())
    page.get_by_label("Vague d'enquête avant l'action").select_option(label="Avant le festival")
    page.get_by_label("Communes concernées par l'action", exact=False).select_option(label="Rouen")
    page.get_by_role("button", name="Estimer l'effet").click()
    expect(
        page.get_by_text("plus baissé dans les communes de l'action", exact=False)
    ).to_be_visible()
    effect = page.get_by_role("table", name="avant et après l'action", exact=False)
    expect(
        effect.get_by_role("row", name="communes de l'action, après", exact=False)
    ).to_contain_text("30")
    check_accessibility(page)
    page.get_by_role(
        "heading", name="Avant / après une action", exact=False
    ).scroll_into_view_if_needed()
    screenshot(page, "culture-enquete-avant-apres")

    # Three waves: the gap wave by wave, the earliest one testing the parallel trends.
    expect(page.locator("p", has_text="Tendances parallèles vérifiées sur 1 vague")).to_be_visible()
    waves_table = page.get_by_role("table", name="Part d'accord par vague", exact=False)
    expect(waves_table.get_by_role("row", name="Un an avant", exact=False)).to_contain_text("avant")
    page.get_by_role("heading", name="Tendances parallèles : l'écart vague par vague").evaluate(
        "heading => heading.scrollIntoView()"
    )  # heading at the top: chart and table below
    screenshot(page, "culture-enquete-tendances")
