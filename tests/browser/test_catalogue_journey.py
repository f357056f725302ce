"""The catalogue's journey in a real browser (issue 16's "done means"), with axe on each page.

An agent describes a need, the guide proposes three solutions; two evaluators score on the
grid; the comparison is exported (ODT); an experiment with two pilot communes is launched and
its evaluation report published; another collectivité replicates it in one click and the
solution page shows both. Screenshots: docs/screenshots/catalogue-*.png when
TERRITORIA_SCREENSHOTS_DIR=docs/screenshots.
"""

import pytest
from playwright.sync_api import expect

from territoria.catalogue import services
from territoria.catalogue.importer import load_demo
from territoria.catalogue.models import Experiment, IdeationSession, Solution
from territoria.core.models import Organisation, OrganisationType, Role, User
from tests.browser.support import check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-test-1"
NEED = (
    "Transcrire les enregistrements audio des séances du conseil municipal pour rédiger "
    "plus vite les comptes rendus."
)
EVIDENCE = "Documentation publique du projet"


def _step(page, name):
    check_accessibility(page)
    screenshot(page, f"catalogue-{name}")


def _score_in_browser(page, live_server, solution, score):
    page.goto(f"{live_server.url}/catalogue/solutions/{solution.pk}/evaluer/")
    for key in ("souverainete.hebergement", "souverainete.reversibilite", "adequation.besoin"):
        page.locator(f'[id="score-{key}"]').select_option(str(score))
        page.locator(f'[id="evidence-{key}"]').fill(EVIDENCE)
    page.get_by_label("Évaluation publique").check()
    return page


def test_catalogue_journey(page, live_server, organisation, other_organisation):
    load_demo()
    first = User.objects.create_user(
        "camille",
        password=PASSWORD,
        role=Role.AGENT,
        organisation=organisation,
        first_name="Camille",
    )
    second = User.objects.create_user(
        "dominique",
        password=PASSWORD,
        role=Role.AGENT,
        organisation=organisation,
        first_name="Dominique",
    )
    other = User.objects.create_user(
        "bordeaux", password=PASSWORD, role=Role.AGENT, organisation=other_organisation
    )
    pilot = Organisation.objects.create(
        name="Commune pilote de Saint-Essai", siret="21380000670001", type=OrganisationType.COMMUNE
    )

    # 1. The catalogue, public.
    page.goto(live_server.url + "/catalogue/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue des solutions d'IA")
    _step(page, "1-catalogue")

    # 2. An agent describes a need; the guide proposes three solutions and says why.
    log_in(page, live_server, "camille")
    page.goto(live_server.url + "/catalogue/guide/")
    page.get_by_label("Décrivez votre besoin").fill(NEED)
    page.get_by_label("Domaine").select_option(label="Gestion des assemblées")
    page.get_by_label("Sensibilité des données").select_option("personnelles")
    page.get_by_label("Budget").select_option("nul")
    page.get_by_role("button", name="Proposer des solutions").click()
    proposals = page.locator("ol.proposals > li h3 a")
    expect(proposals).to_have_count(3)
    expect(page.get_by_text("répond à : Transcription de la parole").first).to_be_visible()
    _step(page, "2-guide")
    names = proposals.all_inner_texts()
    chosen = [Solution.objects.get(name=name) for name in names]

    # 3. Two evaluators score the proposals on the grid (the first one in the browser).
    _score_in_browser(page, live_server, chosen[0], 3)
    _step(page, "3-grille")
    page.get_by_role("button", name="Enregistrer l'évaluation").click()
    expect(page.get_by_text("Votre évaluation est enregistrée.")).to_be_visible()
    answers = {
        "souverainete.hebergement": (4, EVIDENCE),
        "adequation.besoin": (2, ""),
        "environnement.sobriete": (3, EVIDENCE),
    }
    for solution in chosen[1:]:
        services.save_evaluation(solution, first, answers, public=True)
    for solution in chosen:
        services.save_evaluation(solution, second, answers, public=True)

    # 4. The comparison of the three: table + radar, exported for the procurement file.
    page.goto(live_server.url + "/catalogue/comparer/?" + "&".join(f"ids={s.pk}" for s in chosen))
    expect(
        page.get_by_role("table", name="Comparaison critère par critère (0 à 4)")
    ).to_be_visible()
    _step(page, "4-comparaison")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger en ODT").click()
    assert download.value.suggested_filename == "comparaison-solutions-ia.odt"

    # 5. An experiment with two pilot communes, indicators decided before.
    page.goto(f"{live_server.url}/catalogue/experimentations/nouvelle/?solution={chosen[0].pk}")
    page.get_by_label("Titre").fill("Comptes rendus des conseils municipaux")
    page.get_by_label("Besoin").fill(NEED)
    page.get_by_label("Commune pilote de Saint-Essai").first.check()
    page.get_by_label("Bordeaux Métropole").first.check()
    page.get_by_label("Hypothèses").fill("La transcription divise par trois le temps de rédaction.")
    page.get_by_label("Durée (semaines)").fill("12")
    page.get_by_label("Indicateurs de réussite").fill(
        "Temps de rédaction d'un compte rendu ; heures ; 6 ; 2"
    )
    _step(page, "5-experimentation")
    page.get_by_role("button", name="Lancer l'expérimentation").click()
    expect(page.get_by_text("L'expérimentation est lancée.")).to_be_visible()
    experiment = Experiment.objects.get()
    assert experiment.pilots.count() == 2 and pilot in experiment.pilots.all()

    # 6. Its evaluation report, published.
    page.get_by_role("link", name="Rédiger le rapport d'évaluation").click()
    page.get_by_label("Temps de rédaction d'un compte rendu : valeur mesurée").fill("1.5")
    page.get_by_label("Enseignements").fill("Relire les noms propres avant publication.")
    page.get_by_label("Décision").select_option("deployer")
    page.get_by_label("Publier ce rapport d'évaluation").check()
    page.get_by_role("button", name="Enregistrer le rapport").click()
    expect(page.get_by_text("Relire les noms propres avant publication.")).to_be_visible()
    page.get_by_role("heading", name="Rapport d'évaluation").scroll_into_view_if_needed()
    _step(page, "6-rapport")

    # Ideation: a session with its participants, an idea voted, triaged in one go by the host.
    page.goto(live_server.url + "/catalogue/idees/sessions/nouvelle/")
    page.get_by_label("Titre").fill("Atelier des comptes rendus")
    page.get_by_label("Date").fill("2026-03-12")
    page.get_by_role("button", name="Créer la session").click()
    expect(page.get_by_text("La session est créée")).to_be_visible()
    page.get_by_label("Besoin").fill("Résumer les délibérations pour le site de la commune")
    page.get_by_label("Service concerné").fill("Assemblées")
    page.get_by_label("Bénéfice attendu").fill("Des délibérations lisibles par tous")
    page.get_by_role("button", name="Proposer").click()
    expect(page.get_by_text("Votre idée est enregistrée.")).to_be_visible()
    session = IdeationSession.objects.get()
    services.join_session(session, second)
    services.toggle_vote(session.ideas.get(), second)
    page.reload()
    page.get_by_label("Nouvel état de « Résumer les délibérations").select_option("qualifiee")
    page.get_by_role("button", name="Enregistrer le tri").click()
    expect(page.get_by_text("Tri enregistré : 1 idée.")).to_be_visible()
    assert session.ideas.get().status == "qualifiee"
    page.get_by_role("heading", name="2 participants").evaluate("e => e.scrollIntoView()")
    _step(page, "12-session")

    # The collectivité's competences in its territory (water transferred to its EPCI).
    page.goto(live_server.url + "/catalogue/competences/")
    page.get_by_label("Chez vous : Gestion de l'eau").select_option("transferee")
    page.get_by_label("Exercée par, pour Gestion de l'eau").fill("Grand Testville Agglomération")
    page.get_by_role("button", name="Enregistrer").click()
    expect(
        page.get_by_text("Les compétences de votre collectivité sont enregistrées.")
    ).to_be_visible()
    page.get_by_label("Chez vous : Gestion de l'eau").evaluate(
        "e => e.scrollIntoView({block: 'center'})"
    )
    _step(page, "13-competences")

    # The other pages of an agent pass axe too.
    for path in ("/catalogue/experimentations/", "/catalogue/idees/", "/catalogue/poids/"):
        page.goto(live_server.url + path)
        check_accessibility(page)
    page.goto(live_server.url + experiment.get_absolute_url())

    # 7. Another collectivité replicates it in one click.
    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, live_server, "bordeaux")
    page.goto(live_server.url + experiment.get_absolute_url())
    page.get_by_role("button", name="Reproduire ce projet dans ma collectivité").click()
    expect(page.get_by_text("Réplication de")).to_be_visible()
    _step(page, "7-replication")
    copy = Experiment.objects.exclude(pk=experiment.pk).get()
    assert copy.replicated_from == experiment and copy.carrier == other_organisation

    # 8. The solution page shows both, with the reconciled grid.
    page.goto(live_server.url + chosen[0].get_absolute_url())
    expect(
        page.get_by_text("2 expérimentations, dont 1 réplication, par 2 collectivités.")
    ).to_be_visible()
    expect(page.get_by_role("link", name=copy.title)).to_be_visible()
    page.get_by_role("heading", name="Grille de sélection").scroll_into_view_if_needed()
    _step(page, "8-solution")
    assert other.organisation == other_organisation
