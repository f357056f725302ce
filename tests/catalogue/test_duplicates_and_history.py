"""Curators merge duplicates from a page; an experiment shows its path through the pipeline."""

from territoria.catalogue import services
from territoria.catalogue.models import Evaluation, Experiment, Provider, Solution


def _copy_of_whisper():
    return Solution.objects.create(
        name="whisper ",
        provider=Provider.objects.create(name="OpenAI (copie)"),
        description="doublon",
        hosting="sur_site",
        ai_features=["stt"],
        price_model="gratuit",
    )


def test_a_curator_merges_duplicates_from_the_page(client, demo, moderator, agent):
    copy = _copy_of_whisper()
    services.save_evaluation(copy, agent, {"adequation.besoin": (2, "")})
    url = "/catalogue/doublons/"
    # Anonymous: login page; an agent: 403; nothing merged.
    assert client.get(url).status_code == 302
    client.force_login(agent)
    assert client.get(url).status_code == 403
    assert client.post(url, {"keep": demo["Whisper"].pk, "other": copy.pk}).status_code == 403
    copy.refresh_from_db()
    assert copy.merged_into is None

    client.force_login(moderator)
    page = client.get(url)
    assert page.status_code == 200
    assert [{s.pk for s in group} for group in page.context["groups"]] == [
        {demo["Whisper"].pk, copy.pk}
    ]
    assert "1 groupe de doublons" in page.content.decode()
    # Nothing ticked to merge: a plain message, nothing written.
    response = client.post(url, {"keep": demo["Whisper"].pk})
    assert response.status_code == 400 and "Cochez au moins une fiche" in response.content.decode()
    response = client.post(url, {"keep": demo["Whisper"].pk, "other": copy.pk})
    assert response.status_code == 302 and response.url == demo["Whisper"].get_absolute_url()
    copy.refresh_from_db()
    assert copy.merged_into == demo["Whisper"] and not copy.published
    assert Evaluation.objects.get().solution == demo["Whisper"]
    assert "Aucun doublon probable" in client.get(url).content.decode()
    # The merged record now sends its readers to the one kept (hidden from the catalogue).
    client.logout()
    assert client.get(copy.get_absolute_url()).status_code == 404


def test_the_experiment_page_shows_its_status_history(client, demo, agent, other_agent):
    client.force_login(agent)
    client.post(
        "/catalogue/experimentations/nouvelle/",
        {
            "title": "Transcrire les séances",
            "need": "Comptes rendus",
            "solution": demo["Vosk"].pk,
            "hypotheses": "Gain de temps",
            "duration_weeks": 8,
            "indicators": "Temps de rédaction ; heures ; 6 ; 2",
        },
    )
    experiment = Experiment.objects.get()
    client.post(
        f"/catalogue/experimentations/{experiment.pk}/rapport/",
        {"measured_0": "2", "decision": "deployer"},
    )
    history = client.get(experiment.get_absolute_url()).context["history"]
    assert [(step["before"], step["after"]) for step in history] == [
        (None, "En expérimentation"),
        ("En expérimentation", "Déployée"),
    ]
    assert history[1]["actor"] == agent.username
    text = client.get(experiment.get_absolute_url()).content.decode()
    assert "En expérimentation → <strong>Déployée</strong> (agent)" in text
    # Anonymous readers see the path, not who moved it.
    client.logout()
    text = client.get(experiment.get_absolute_url()).content.decode()
    assert "→ <strong>Déployée</strong></li>" in text and "(agent)" not in text
