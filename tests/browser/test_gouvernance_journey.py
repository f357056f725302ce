"""The governance journey on the demo's real records, in a real browser, with axe on each page.

An agent classifies the booklet's callbot (suggested answers, then confirmed), a moderator
classifies a video-analysis project and a leak-detection tool; a reviewer validates; the agent
fills the trust self-assessment, the frugality gates and the CRPA notice; an élu declares the
committee and records its opinion; a citizen asks a question that the agent answers; the
organisation's observatory shows it all. Screenshots: docs/screenshots/gouvernance-*.png
(TERRITORIA_SCREENSHOTS_DIR=docs/screenshots).
"""

import time

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from territoria.core.models import Role, User
from territoria.gouvernance.models import Classification
from territoria.registre.models import Project
from tests.browser.support import check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "motdepasse-test-1"


def _log_out(page):
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()


def _classify_with_suggestion(page, base, project) -> None:
    page.goto(f"{base}/gouvernance/projets/{project.pk}/classification/?suggestion=1")
    check_accessibility(page)
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("button", name="Proposer pour relecture").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Classification v1")


def _trust_and_frugality(page, base, project, weak: dict, alternative: str, runtime: str) -> None:
    """The trust self-assessment (all « oui » but `weak`) and the frugality gates of a record."""
    page.goto(f"{base}/gouvernance/projets/{project.pk}/confiance/")
    for radio in page.locator("input[type=radio][value=oui]").all():
        radio.check()
    for item, answer in weak.items():
        page.locator(f"input[name='{item}-answer'][value='{answer}']").check()
    page.get_by_role("button", name="Enregistrer l'auto-évaluation").click()
    expect(page.get_by_text("Auto-évaluation enregistrée.")).to_be_visible()
    page.goto(f"{base}/gouvernance/projets/{project.pk}/frugalite/")
    page.get_by_label("Une solution sans IA a-t-elle été étudiée ?").select_option("oui")
    page.get_by_label("Pourquoi elle ne suffisait pas").fill(alternative)
    for label in ("Le plus petit modèle", "Un modèle existant", "Les résultats déjà calculés"):
        page.get_by_label(label).check()
    page.get_by_label("Les besoins restent-ils maîtrisés ?").select_option("oui")
    page.get_by_label("Durée de calcul par usage (heures)").fill(runtime)
    page.get_by_label("Usages par an").fill("5000")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Évaluation de frugalité enregistrée.")).to_be_visible()


def test_a_collectivite_governs_its_ai_systems_and_shows_citizens(page, live_server):
    call_command("load_demo", "--no-accounts", verbosity=0)
    base = live_server.url
    callbot = Project.objects.get(nom_projet__startswith="Callbot")
    video = Project.objects.get(nom_projet="ViPARE")
    leaks = Project.objects.get(nom_projet="Mission 90+")
    amp = callbot.organisation
    User.objects.create_user("agent.amp", password=PASSWORD, role=Role.AGENT, organisation=amp)
    User.objects.create_user("elu.amp", password=PASSWORD, role=Role.ELU, organisation=amp)
    User.objects.create_user("moderatrice", password=PASSWORD, role=Role.MODERATOR)
    User.objects.create_user("relecteur", password=PASSWORD, role=Role.MODERATOR)

    # 1. The agent classifies the callbot from suggested answers, confirmed step by step.
    log_in(page, live_server, "agent.amp")
    page.goto(f"{base}/gouvernance/projets/{callbot.pk}/classification/?suggestion=1")
    expect(page.get_by_text("Réponses suggérées")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "gouvernance-questionnaire")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_text("Risque limité (obligations de transparence)").first).to_be_visible()
    page.get_by_role("button", name="Proposer pour relecture").click()
    check_accessibility(page)
    _log_out(page)

    # 2. A moderator classifies a video-analysis project and a leak-detection tool.
    log_in(page, live_server, "moderatrice")
    _classify_with_suggestion(page, base, video)
    # Video of litter, no person identified: no Annex III use (biometrics answered « none »).
    expect(page.get_by_text("Risque minimal").first).to_be_visible()
    _classify_with_suggestion(page, base, leaks)
    # A leak-detection tool is not a safety component of the water network: minimal.
    expect(page.get_by_text("Risque minimal").first).to_be_visible()
    # ... and fills their trust self-assessment and frugality gates.
    _trust_and_frugality(
        page,
        base,
        video,
        {"biais": "partiel", "vie_privee": "partiel"},
        "Un comptage à pied par les agents ne couvrait que quelques rues par mois.",
        "0.0002",
    )
    _trust_and_frugality(
        page,
        base,
        leaks,
        {"explicabilite": "partiel"},
        "L'écoute au sol par un technicien ne couvrait que 10 % du réseau par an.",
        "0.01",
    )
    _log_out(page)
    levels = {
        c.project.nom_projet: c.level for c in Classification.objects.select_related("project")
    }
    assert levels == {callbot.nom_projet: "limite", "ViPARE": "minimal", "Mission 90+": "minimal"}

    # 3. A reviewer validates the callbot's classification: the obligations checklist appears.
    log_in(page, live_server, "relecteur")
    page.goto(f"{base}/gouvernance/projets/{callbot.pk}/classification/v1/")
    page.get_by_label("Note de relecture (réservée aux agents)").fill(
        "Callbot : informer l'appelant dès le début."
    )
    page.get_by_role("button", name="Valider la classification").click()
    expect(page.get_by_text("Classification validée")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("heading", name="Obligations de la collectivité").scroll_into_view_if_needed()
    screenshot(page, "gouvernance-obligations")
    _log_out(page)

    # 4. The agent fills the trust self-assessment, the frugality gates and the CRPA notice.
    log_in(page, live_server, "agent.amp")
    page.goto(f"{base}/gouvernance/projets/{callbot.pk}/confiance/")
    check_accessibility(page)
    weak = {
        "controle": "partiel",
        "biais": "non",
        "auditabilite": "non",
        "environnement": "partiel",
    }
    for radio in page.locator("input[type=radio][value=oui]").all():
        radio.check()
    for item, answer in weak.items():
        page.locator(f"input[name='{item}-answer'][value='{answer}']").check()
    page.get_by_label("Éléments de preuve").first.fill(
        "Annonce vocale « vous parlez à un assistant automatique »."
    )
    page.get_by_role("button", name="Enregistrer l'auto-évaluation").click()
    page.goto(f"{base}/gouvernance/projets/{callbot.pk}/frugalite/")
    check_accessibility(page)
    page.get_by_label("Une solution sans IA a-t-elle été étudiée ?").select_option("oui")
    page.get_by_label("Pourquoi elle ne suffisait pas").fill(
        "Un serveur vocal à touches ne comprenait pas les adresses."
    )
    for label in (
        "Le plus petit modèle",
        "Un modèle existant",
        "Les résultats déjà calculés",
        "La consommation est mesurée",
        "Le service est arrêté",
        "Seules les données nécessaires",
    ):
        page.get_by_label(label).check()
    page.get_by_label("Les besoins restent-ils maîtrisés ?").select_option("oui")
    page.get_by_label("Durée de calcul par usage (heures)").fill("0.0008")
    page.get_by_label("Usages par an").fill("180000")
    page.get_by_role("button", name="Enregistrer").click()
    page.goto(f"{base}/gouvernance/projets/{callbot.pk}/crpa/")
    check_accessibility(page)
    page.get_by_label("Service responsable").fill("Direction de la propreté")
    page.get_by_label("Adresse où exercer le droit (courriel ou postale)").fill(
        "algorithmes@ampmetropole.fr"
    )
    page.get_by_label("Place dans le processus de décision").fill(
        "Le callbot enregistre la demande ; un agent planifie la collecte."
    )
    page.get_by_label("Base juridique").fill("Règlement de collecte des déchets de la Métropole")
    page.get_by_label("Données traitées et leurs sources").fill(
        "Adresse et description des objets, données par l'appelant."
    )
    page.get_by_label("Opérations effectuées").fill(
        "Transcription de la voix, extraction de l'adresse, proposition d'un créneau."
    )
    page.get_by_role("button", name="Enregistrer et générer les textes").click()
    expect(
        page.get_by_role(
            "heading", name="Mention explicite à faire figurer sur les décisions (article L311-3-1)"
        )
    ).to_be_visible()
    check_accessibility(page)
    screenshot(page, "gouvernance-crpa")
    _log_out(page)

    # 5. An élu declares the committee and its gate criteria, then records its opinion.
    log_in(page, live_server, "elu.amp")
    page.goto(f"{base}/gouvernance/organisations/{amp.pk}/charte/")
    check_accessibility(page)
    page.get_by_label("Critères à vérifier avant tout usage de l'IA (un par ligne)").fill(
        "Pas d'identification biométrique ni de données sensibles\nConformité juridique et cybersécurité\nSobriété énergétique"
    )
    page.get_by_role("button", name="Enregistrer les critères").click()
    page.get_by_label("Nom").fill("Comité éthique de la donnée et de l'IA")
    page.get_by_label("Composition").fill("Élus, agents, chercheurs et citoyens tirés au sort")
    page.get_by_role("button", name="Enregistrer le comité").click()
    page.goto(f"{base}/gouvernance/projets/{callbot.pk}/")
    page.locator("#id_verdict").select_option("reserves")
    page.get_by_label("Texte de l'avis").fill(
        "Favorable si l'appelant peut toujours joindre un agent."
    )
    page.get_by_label("Date de l'avis").fill("2026-11-30")
    page.get_by_label("Voix pour").fill("9")
    page.get_by_label("Voix contre").fill("1")
    page.get_by_label("Pas d'identification biométrique ni de données sensibles").check()
    page.get_by_role("button", name="Enregistrer l'avis").click()
    expect(page.get_by_text("Avis du comité enregistré")).to_be_visible()
    _log_out(page)

    # 6. A citizen asks a question (no account); the agent answers it.
    page.goto(f"{base}/gouvernance/projets/{callbot.pk}/")
    check_accessibility(page)
    page.get_by_label("Nom ou pseudonyme").fill("Nadia")
    page.get_by_label("Message").fill("Que deviennent les enregistrements de ma voix ?")
    page.get_by_label("J'ai lu la charte de participation et je la respecte.").check()
    time.sleep(3.2)  # the form refuses messages sent in under 3 seconds (anti-spam)
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text("Merci : votre message sera publié après relecture")).to_be_visible()
    log_in(page, live_server, "agent.amp")
    page.goto(f"{base}/gouvernance/projets/{callbot.pk}/#participer")
    page.get_by_label("Réponse de la collectivité (facultative)").fill(
        "Ils sont effacés après 30 jours."
    )
    page.get_by_role("button", name="Publier", exact=True).click()
    _log_out(page)

    # 7. The public sees it all: the record's governance and the observatory.
    page.goto(f"{base}/gouvernance/projets/{callbot.pk}/")
    expect(page.get_by_text("Ils sont effacés après 30 jours.")).to_be_visible()
    expect(page.get_by_role("img", name="Profil par exigence")).to_be_visible()
    assert "Callbot : informer" not in page.content()  # the reviewer's note stays restricted
    check_accessibility(page)
    page.evaluate("document.querySelector('#confiance-titre').scrollIntoView()")
    screenshot(page, "gouvernance-projet")
    page.get_by_role(
        "heading", name="Questions et commentaires des citoyens"
    ).scroll_into_view_if_needed()
    screenshot(page, "gouvernance-participation")
    page.goto(f"{base}/gouvernance/organisations/{amp.pk}/observatoire/")
    expect(
        page.locator("td .level", has_text="Risque limité (obligations de transparence)")
    ).to_be_visible()
    expect(page.get_by_text("Comité éthique de la donnée et de l'IA")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "gouvernance-observatoire")
    page.goto(f"{base}/gouvernance/")
    check_accessibility(page)
    screenshot(page, "gouvernance-tableau-de-bord")
    # The three records carry a classification, a trust self-assessment and frugality gates.
    for project in (callbot, video, leaks):
        assert project.classifications.exists(), project
        assert project.trust_assessments.get().complete, project
        assert project.frugality_assessments.exists(), project
