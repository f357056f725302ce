"""The culture officer of the Métropole Rouen Normandie, in a real browser (headless Chromium,
axe-core checked on every page) — the module's one browser journey, the whole user path:

1. imports a social indicator (and sees a file of an older geography refused);
2. creates the observatory, reads access and priority areas on the map, chooses the indicator;
3. reads the IRIS table and the IRIS map (the collectivité's IRIS file is imported);
4. runs the 2016 evaluation of the municipal museums, reads it with its limits, publishes it;
5. builds a short survey for the territory; a resident answers it anonymously by its public
   link; the officer reads the themes of the open answers (the usual grid, then her own grid
   after a refused line), the « pas pour moi » agreement since the earlier waves, and the
   before/after estimate of the festival with the parallel-trends check over the waves;
6. publishes the observatory; an anonymous reader sees the public page and a museum's series.

Screenshots: docs/screenshots/culture-*.png (TERRITORIA_SCREENSHOTS_DIR=docs/screenshots).
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from territoria.culture import access, museums, surveys, territory
from territoria.culture.models import Action, CultureJob, Observatory, Question, Survey
from tests.browser.support import check_accessibility, jobs_runner, log_in, screenshot

from .conftest import ATTENDANCE, COMMUNES, INDICATORS, MUSEOFILE, OLD_GEOGRAPHY, ROUEN_METROPOLE
from .test_iris import IRIS_FILE
from .test_surveys import INTEREST, PRICE, TRANSPORT

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Earlier survey waves of the territory (answers per commune: agree, disagree with « la culture,
# ce n'est pas pour moi »), and the wave after the festival (Rouen = the festival's commune).
EARLIER_WAVES = (
    ("Un an avant", 730, {"76540": (29, 11), "76451": (52, 48)}),
    ("Avant le festival", 365, {"76540": (30, 10), "76451": (50, 50)}),
)
AFTER_WAVE = {"76540": (12, 28), "76451": (45, 55)}


def _answer_agreement(survey, counts, prefix):
    question = survey.questions.get(kind=Question.Kind.AGREE)
    number = 0
    for commune, (agree, disagree) in counts.items():
        for i in range(agree + disagree):
            value = "5" if i < agree else "2"
            surveys.record(survey, {question: value}, commune, "", f"{prefix}-{number}")
            number += 1


@pytest.fixture
def anonymous_page(page):
    """A second browser context without a session (a resident, an anonymous reader), with the
    same Content Security Policy check as the `page` fixture."""
    context = page.context.browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="fr-FR"
    )
    context.set_default_timeout(60_000)
    other = context.new_page()
    blocked = []
    other.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield other
    context.close()
    assert blocked == [], f"bloqué par la CSP : {blocked[:3]}"


def test_culture_officer_journey(page, anonymous_page, live_server, agent):
    territory.import_communes(COMMUNES)
    museums.import_museofile(MUSEOFILE)
    museums.import_attendance(ATTENDANCE)
    territory.import_iris(IRIS_FILE)
    page.set_default_timeout(60_000)  # the inline jobs (evaluation) run inside requests
    log_in(page, live_server, agent.username)

    # 1. Imports: a file of an older geography (refused), then the collectivité's indicator.
    page.goto(live_server.url + "/culture/import/")
    check_accessibility(page)
    page.locator("#id_kind").select_option("indicateurs")
    page.locator("#id_file").set_input_files(str(OLD_GEOGRAPHY))
    page.get_by_role("button", name="Importer le fichier").click()
    expect(page.get_by_role("alert")).to_contain_text("76191 (Cressy) a fusionné dans Val-de-Scie")
    check_accessibility(page)
    screenshot(page, "culture-import-refuse")
    page.goto(live_server.url + "/culture/import/")
    page.locator("#id_kind").select_option("indicateurs")
    page.locator("#id_file").set_input_files(str(INDICATORS))
    page.get_by_role("button", name="Importer le fichier").click()
    expect(page.locator(".message-success")).to_contain_text("Terminé")

    # 2. The observatory of the Métropole: map, ranking, priority areas.
    page.goto(live_server.url + "/culture/")
    page.locator("#id_name").fill("Métropole Rouen Normandie")
    page.locator("#id_epci_code").fill(ROUEN_METROPOLE)
    page.get_by_role("button", name="Créer l'observatoire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Accès à la culture : Métropole Rouen Normandie"
    )
    rouen = Observatory.objects.get()
    expect(page.locator("#carte path.leaflet-interactive")).to_have_count(71)  # core map, areas
    check_accessibility(page)
    page.evaluate("document.getElementById('carte-titre').scrollIntoView()")
    screenshot(page, "culture-observatoire")
    page.get_by_label("Indicateur social des zones prioritaires").select_option(
        "Taux de pauvreté (exemple inventé)"
    )
    page.get_by_role("button", name="Recalculer").click()
    expect(page.locator("#prioritaires + p")).to_contain_text("Taux de pauvreté")
    check_accessibility(page)
    page.evaluate("document.getElementById('prioritaires').scrollIntoView()")
    screenshot(page, "culture-prioritaires")

    # 3. The IRIS table of the observatory page, then the IRIS map.
    table = page.get_by_role("table", name="Distance à vol d'oiseau", exact=False)
    expect(table.get_by_role("row", name="Rouen ouest", exact=False)).to_be_visible()
    expect(page.get_by_text("5 IRIS importés", exact=False)).to_be_visible()
    page.get_by_role("heading", name="Par IRIS", exact=False).scroll_into_view_if_needed()
    screenshot(page, "culture-iris")
    page.goto(live_server.url + rouen.get_absolute_url())  # the map without the indicator
    codes = list(rouen.communes().values_list("code", flat=True))
    priority = sum(r.priority for r in access.iris_access(codes)["rows"])
    page.get_by_role("link", name="Carte des IRIS et indice composite par IRIS").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("par IRIS")
    # 5 IRIS outlines + one disc per priority IRIS (both drawn as interactive paths)
    expect(page.locator("#carte-iris path.leaflet-interactive")).to_have_count(5 + priority)
    expect(page.get_by_role("list", name="Légende", exact=False)).to_contain_text("20 km ou plus")
    expect(page.get_by_role("table", name="Indice composite d'accès par IRIS")).to_be_visible()
    check_accessibility(page)
    page.evaluate("document.getElementById('carte-iris-titre').scrollIntoView()")
    screenshot(page, "culture-iris-carte")

    # 4. The 2016 evaluation of Rouen's municipal museums.
    page.goto(live_server.url + "/culture/evaluations/")
    page.locator("#id_name").fill("Gratuité des collections permanentes (2016)")
    page.locator("#id_kind").select_option("gratuite")
    page.locator("#id_place").fill("Rouen, musées municipaux")
    page.locator("#id_public").fill("tous publics")
    page.locator("#id_treated").fill("7654005, 7654006, 7654010")
    page.locator("#id_start_year").fill("2016")
    page.locator("#id_first_year").fill("2008")
    page.locator("#id_last_year").fill("2018")
    page.get_by_role("button", name="Lancer l'évaluation").click()  # the job runs inline in tests
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Gratuité des collections permanentes (2016)"
    )
    job = CultureJob.objects.get(kind="evaluation")
    assert job.status == CultureJob.Status.DONE, (job.status, job.report, jobs_runner())
    expect(page.locator(".culture-reading")).to_contain_text("Intervalle de confiance à 95 %")
    expect(page.get_by_role("heading", name="Tendances parallèles")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "culture-evaluation")
    page.evaluate("document.getElementById('tendances').scrollIntoView()")
    screenshot(page, "culture-tendances")
    page.get_by_role("button", name="Publier sur l'observatoire").click()
    expect(page.get_by_role("button", name="Publier sur l'observatoire")).to_have_count(0)
    assert Action.objects.get().published

    # 5. A survey of the territory after the festival. Two earlier waves asked the same
    # statement (as if answered in earlier years).
    for title, days, counts in EARLIER_WAVES:
        wave = surveys.create_survey(title, "", surveys.DEFAULT_QUESTIONS, rouen)
        Survey.objects.filter(pk=wave.pk).update(created_at=timezone.now() - timedelta(days=days))
        _answer_agreement(wave, counts, title)
    page.goto(live_server.url + "/culture/enquetes/")
    page.locator("#id_title").fill("Après le festival")
    page.get_by_label("Territoire", exact=False).select_option(label=rouen.name)
    page.get_by_role("button", name="Créer l'enquête").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Après le festival")
    survey = Survey.objects.get(title="Après le festival")

    # A resident answers anonymously through the public link (no account).
    resident = anonymous_page
    resident.goto(live_server.url + survey.public_url())
    check_accessibility(resident)
    resident.get_by_label("Plutôt d'accord").check()
    resident.get_by_label("Non", exact=True).check()
    resident.get_by_label("Qu'est-ce qui vous empêche").fill("Il n'y a pas de bus le dimanche.")
    resident.get_by_label("Votre commune").select_option(label="Rouen")
    resident.get_by_label("Votre tranche d'âge").select_option("moins de 25 ans")
    screenshot(resident, "culture-enquete-reponse")
    resident.get_by_role("button", name="Envoyer ma réponse").click()
    expect(resident.get_by_role("status")).to_contain_text("votre réponse anonyme est enregistrée")

    # More answers, as if from other residents: open answers, and the agreement by commune.
    question = survey.questions.get(kind="ouverte")
    for number, text in enumerate(PRICE + TRANSPORT + INTEREST):
        surveys.record(survey, {question: text}, "", "", f"source-{number}")
    _answer_agreement(survey, AFTER_WAVE, "apres")

    # The results: the agreement over the waves of the territory.
    page.goto(live_server.url + survey.get_absolute_url())
    trend = page.get_by_role("table", name="Évolution", exact=False)
    expect(trend.get_by_role("row", name="Avant le festival", exact=False)).to_contain_text("57")
    expect(page.get_by_text("la part d'accord baisse de", exact=False)).to_be_visible()
    trend.scroll_into_view_if_needed()
    screenshot(page, "culture-enquete-evolution")
    # The default question on what keeps people away comes with the grid of usual barriers.
    grid_table = page.get_by_role("table", name="Réponses libres par thème de la grille")
    expect(grid_table).to_be_visible()
    expect(grid_table.get_by_role("row", name="Prix", exact=False)).to_be_visible()
    expect(page.get_by_role("heading", name="Groupe 1", exact=False)).to_be_visible()
    check_accessibility(page)
    page.get_by_role(
        "heading", name="Thèmes de la grille", exact=False
    ).scroll_into_view_if_needed()
    screenshot(page, "culture-enquete-themes")

    # The officer writes her own grid: a line without its description is refused and named.
    field = page.get_by_label("Grille de thèmes de cette question")
    field.fill("Coût : c'est trop cher ; je n'ai pas les moyens\nTransports")
    page.get_by_role("button", name="Enregistrer la grille").click()
    expect(page.get_by_role("alert")).to_contain_text("ligne 2 : « Transports » — attendu")
    check_accessibility(page)
    field = page.get_by_label("Grille de thèmes de cette question")
    field.fill(
        "Coût : c'est trop cher ; je n'ai pas les moyens\n"
        "Transports : c'est trop loin ; pas de bus ni de voiture\n"
        "Sentiment d'exclusion : ce n'est pas pour moi ; je ne me sens pas à ma place"
    )
    page.get_by_role("button", name="Enregistrer la grille").click()
    expect(page.get_by_role("status").first).to_contain_text("Grille de thèmes enregistrée")
    grid_table = page.get_by_role("table", name="Réponses libres par thème de la grille")
    expect(grid_table.get_by_role("row", name="Sentiment d'exclusion", exact=False)).to_be_visible()
    page.get_by_text("Les ", exact=False).filter(has_text="réponses de « Coût »").click()
    expect(page.get_by_role("table", name="Réponses rangées dans « Coût »")).to_be_visible()
    expect(page.get_by_text("Votre grille n'a pas été mesurée")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("heading", name="Coût (", exact=False).scroll_into_view_if_needed()
    screenshot(page, "culture-enquete-grille")

    # Before / after the festival in Rouen, against the territory's other communes.
    page.get_by_label("Vague d'enquête avant l'action").select_option(label="Avant le festival")
    page.get_by_label("Communes concernées par l'action", exact=False).select_option(label="Rouen")
    page.get_by_role("button", name="Estimer l'effet").click()
    expect(
        page.get_by_text("plus baissé dans les communes de l'action", exact=False)
    ).to_be_visible()
    effect = page.get_by_role("table", name="avant et après l'action", exact=False)
    after = effect.get_by_role("row", name="communes de l'action, après", exact=False)
    expect(after).to_contain_text("13")  # 12 answers agreeing in Rouen, and the resident's
    expect(after).to_contain_text("41")
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

    # 6. Publication, then the public page as an anonymous reader.
    page.goto(live_server.url + rouen.get_absolute_url())
    page.get_by_role("button", name="Publier l'observatoire").click()
    expect(page.get_by_role("button", name="Publier l'observatoire")).to_have_count(0)
    reader = anonymous_page
    reader.goto(live_server.url + rouen.get_absolute_url())
    expect(
        reader.get_by_role("link", name="Gratuité des collections permanentes (2016)")
    ).to_be_visible()
    expect(reader.get_by_text("Enregistrer ces poids")).to_have_count(0)
    expect(reader.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    check_accessibility(reader)
    reader.goto(live_server.url + "/culture/musees/7654006/")
    expect(reader.get_by_text("toutes les entrées comptées payantes").first).to_be_visible()
    check_accessibility(reader)
    screenshot(reader, "culture-musee")
