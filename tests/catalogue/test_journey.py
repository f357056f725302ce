"""The issue's journey through the real pages (Django test client): need → guide → grid by two
evaluators → comparison exported → experiment with two pilots → published report →
replication by another collectivité in one click → the solution page shows both."""

import io
import zipfile

from territoria.catalogue.models import Evaluation, Experiment
from territoria.core.models import Organisation, OrganisationType

NEED = {
    "text": "Transcrire les séances du conseil municipal (enregistrements audio) pour publier les comptes rendus.",
    "domain": "gestion_assemblees",
    "sensitivity": "personnelles",
    "budget": "nul",
    "skills": "quelques",
}


def _grid(score=3):
    answers = {}
    for key in (
        "souverainete.hebergement",
        "souverainete.reversibilite",
        "adequation.besoin",
        "environnement.sobriete",
        "cadre_juridique.rgpd",
    ):
        answers[f"score-{key}"] = str(score)
        answers[f"evidence-{key}"] = "Documentation du projet, section hébergement"
    return answers


def test_need_to_replication(client, demo, agent, other_agent, organisation, other_organisation):
    # An agent describes a need: the guide proposes three speech-to-text solutions, explained.
    page = client.get("/catalogue/guide/", NEED)
    assert page.status_code == 200
    proposals = [p.solution.name for p in page.context["proposals"]]
    assert len(proposals) == 3
    assert set(proposals) <= {
        "Whisper",
        "whisper.cpp",
        "faster-whisper",
        "Vosk",
        "Kaldi",
        "Nextcloud Assistant",
    }
    assert "répond à : Transcription de la parole" in page.content.decode()
    # Personal data and no budget: paid or non-EU services are excluded, with the reason.
    excluded = {e.solution.name: e.reason for e in page.context["exclusions"]}
    assert "pas de budget de licence" in excluded["DeepL"]

    # Two evaluators score the proposals on the grid.
    client.force_login(agent)
    for name in proposals:
        response = client.post(
            f"/catalogue/solutions/{demo[name].pk}/evaluer/", {**_grid(3), "public": "1"}
        )
        assert response.status_code == 302, response.content.decode()[:500]
    client.force_login(other_agent)
    for name in proposals:
        client.post(f"/catalogue/solutions/{demo[name].pk}/evaluer/", {**_grid(4), "public": "1"})
    assert Evaluation.objects.count() == 6

    # The comparison of the three, as a table + radar, exported for the procurement file.
    ids = "&".join(f"ids={demo[n].pk}" for n in proposals)
    page = client.get(f"/catalogue/comparer/?{ids}")
    assert page.status_code == 200
    row = page.context["rows"][0]
    assert row.scores.evaluators == 2 and row.scores.by_criterion["souverainete"] == 3.5
    assert "<svg" in page.content.decode()
    assert "<td>3,5</td>" in page.content.decode()  # French decimals for people
    odt = client.get(f"/catalogue/comparer/?{ids}&format=odt")
    content = zipfile.ZipFile(io.BytesIO(odt.content)).read("content.xml").decode()
    assert proposals[0] in content and "Souveraineté des données" in content
    assert "3,5" in content
    pdf = client.get(f"/catalogue/comparer/?{ids}&format=pdf")
    from pypdf import PdfReader

    pdf_text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Comparaison de solutions d'IA" in pdf_text and "Souveraineté des données" in pdf_text
    assert proposals[0] in pdf_text
    csv_text = client.get(f"/catalogue/comparer/?{ids}&format=csv").content.decode()
    assert csv_text.splitlines()[0].startswith("Critère,")
    assert "Souveraineté des données,3.5," in csv_text  # a point for programs

    # An experiment with two pilot communes, its indicators decided before.
    pilot_a = Organisation.objects.create(
        name="Commune pilote A", siret="21380000670001", type=OrganisationType.COMMUNE
    )
    client.force_login(agent)
    response = client.post(
        "/catalogue/experimentations/nouvelle/",
        {
            "title": "Comptes rendus des conseils",
            "need": NEED["text"],
            "solution": demo[proposals[0]].pk,
            "pilots": [pilot_a.pk, other_organisation.pk],
            "hypotheses": "La transcription divise par trois le temps de rédaction.",
            "duration_weeks": 12,
            "indicators": "Temps de rédaction d'un compte rendu ; heures ; 6 ; 2\nTaux d'erreur des mots ; % ; 30 ; 10",
            "budget": "8 000 € TTC",
        },
    )
    assert response.status_code == 302, response.content.decode()[:800]
    experiment = Experiment.objects.get()
    assert experiment.pilots.count() == 2 and experiment.indicators.count() == 2

    # Its evaluation report, published.
    response = client.post(
        f"/catalogue/experimentations/{experiment.pk}/rapport/",
        {
            "measured_0": "8",
            "measured_1": "1.5",
            "costs": "6 500 €",
            "energy": "3 kWh",
            "feedback": "Gain net.",
            "lessons": "Relire les noms propres.",
            "decision": "deployer",
            "public": "on",
        },
    )
    assert response.status_code == 302
    experiment.refresh_from_db()
    assert experiment.status == "deployee" and experiment.report_public
    client.logout()
    public_page = client.get(experiment.get_absolute_url()).content.decode()
    assert (
        "Relire les noms propres." in public_page and "8 000" not in public_page
    )  # budget stays restricted

    # Another collectivité replicates it in one click.
    client.force_login(other_agent)
    response = client.post(f"/catalogue/experimentations/{experiment.pk}/reproduire/")
    copy = Experiment.objects.exclude(pk=experiment.pk).get()
    assert response.url == copy.get_absolute_url()
    assert copy.replicated_from == experiment and copy.carrier == other_organisation
    assert copy.indicators.count() == 2 and copy.legal_check == ""

    # The solution page shows both.
    page = client.get(demo[proposals[0]].get_absolute_url())
    text = page.content.decode()
    assert page.context["counts"] == {
        "experiments": 2,
        "replications": 1,
        "organisations": 2,
        "record_replications": 0,
    }
    assert experiment.title in text and copy.title in text


def test_evaluation_with_out_of_scale_score_or_missing_evidence_is_refused_whole(
    client, demo, agent
):
    client.force_login(agent)
    solution = demo["Tesseract OCR"]
    response = client.post(
        f"/catalogue/solutions/{solution.pk}/evaluer/",
        {
            "score-innovation.nouveaute": "4",
            "evidence-innovation.nouveaute": "",
            "score-adequation.besoin": "1",
        },
    )
    assert response.status_code == 400
    assert "une note de 3 ou 4 exige une preuve" in response.content.decode()
    assert not Evaluation.objects.exists()


def test_experiment_without_baseline_is_refused_with_a_clear_message(client, demo, agent):
    client.force_login(agent)
    response = client.post(
        "/catalogue/experimentations/nouvelle/",
        {
            "title": "Sans départ",
            "need": "x",
            "solution": demo["Vosk"].pk,
            "hypotheses": "h",
            "duration_weeks": 4,
            "indicators": "Temps d'attente ; minutes ; ; 5",
        },
    )
    assert response.status_code == 400
    assert "la valeur de départ (situation avant) manque" in response.content.decode()
    assert not Experiment.objects.exists()


def test_comparison_needs_two_to_five_solutions(client, demo):
    response = client.get(f"/catalogue/comparer/?ids={demo['Vosk'].pk}")
    assert response.status_code == 400
    assert "de 2 à 5 solutions" in response.content.decode()


def test_a_register_project_links_to_the_solution_it_uses(client, demo, agent, organisation):
    from territoria.registre.models import Project
    from territoria.registre.vocabulary import Lifecycle

    project = Project.objects.create(
        organisation=organisation,
        nom_projet="Transcription des conseils",
        lifecycle=Lifecycle.PUBLISHED,
    )
    draft = Project.objects.create(organisation=organisation, nom_projet="Brouillon interne")
    solution = demo["Vosk"]
    client.force_login(agent)
    assert (
        client.post(
            f"/catalogue/solutions/{solution.pk}/utilisation/", {"project": project.pk}
        ).status_code
        == 302
    )
    client.post(f"/catalogue/solutions/{solution.pk}/utilisation/", {"project": draft.pk})
    client.logout()
    page = client.get(solution.get_absolute_url()).content.decode()
    assert "Transcription des conseils" in page
    assert "Brouillon interne" not in page  # the register's visibility decides


def test_ideas_are_proposed_voted_triaged_and_become_an_experiment(
    client, demo, agent, other_agent
):
    from territoria.catalogue.models import Idea, IdeationSession

    client.force_login(agent)
    client.post("/catalogue/idees/sessions/nouvelle/", {"title": "Atelier", "date": "2026-03-12"})
    session = IdeationSession.objects.get()
    client.force_login(other_agent)
    client.post(session.get_absolute_url(), {"action": "rejoindre"})
    client.force_login(agent)
    client.post(
        "/catalogue/idees/",
        {
            "session": session.pk,
            "need": "Répondre aux questions sur l'état civil",
            "service": "Accueil",
            "benefit": "Moins d'appels",
            "data_available": "FAQ du site",
        },
    )
    idea = Idea.objects.get()
    client.post(f"/catalogue/idees/{idea.pk}/vote/")
    client.force_login(other_agent)
    client.post(f"/catalogue/idees/{idea.pk}/vote/")
    assert idea.voters.count() == 2
    # Another organisation's agent cannot triage it; its own organisation can, step by step.
    assert (
        client.post(f"/catalogue/idees/{idea.pk}/etat/", {"status": "qualifiee"}).status_code == 403
    )
    client.force_login(agent)
    client.post(f"/catalogue/idees/{idea.pk}/etat/", {"status": "deployee"})
    idea.refresh_from_db()
    assert idea.status == "idee"  # idea → deployed is not a step of the pipeline
    client.post(f"/catalogue/idees/{idea.pk}/etat/", {"status": "qualifiee"})
    page = client.get(f"/catalogue/experimentations/nouvelle/?idee={idea.pk}")
    assert page.context["form"].initial["need"] == idea.need
    client.post(
        f"/catalogue/experimentations/nouvelle/?idee={idea.pk}",
        {
            "title": "Agent conversationnel état civil",
            "need": idea.need,
            "solution": demo["Rasa Open Source"].pk,
            "hypotheses": "h",
            "duration_weeks": 8,
            "indicators": "Appels par semaine ; appels ; 400 ; 250",
        },
    )
    idea.refresh_from_db()
    assert idea.status == "experimentation"
    assert Idea.objects.get().pk == idea.pk
