"""Curators (moderators, administrators) create and edit solutions in the interface, then score
them on the grid; agents and elected members cannot; a duplicate or a bad provider is refused
with a message and nothing is written."""

import html

import pytest

from territoria.catalogue.models import Provider, Solution

NEW = {
    "name": "Whisper.cpp",
    "homonym": "on",  # the demo has whisper.cpp by "ggml (Georgi Gerganov et contributeurs)"
    "provider": "",
    "provider_name": "Communauté ggml",
    "provider_country": "",
    "description": "Transcription de la parole sur processeur, portage C/C++ du modèle Whisper.",
    "licence": "MIT",
    "free_software": "on",
    "hosting": "sur_site",
    "ai_features": ["stt"],
    "domains": [],
    "price_model": "gratuit",
    "source_url": "https://github.com/ggml-org/whisper.cpp",
    "published": "on",
}


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def test_a_curator_adds_a_solution_then_scores_it_on_the_grid(client, demo, moderator):
    client.force_login(moderator)
    response = client.post("/catalogue/solutions/nouvelle/", NEW)
    solution = Solution.objects.get(name="Whisper.cpp")
    assert (
        response.status_code == 302
        and response.url == f"/catalogue/solutions/{solution.pk}/evaluer/"
    )
    assert solution.provider.name == "Communauté ggml" and solution.ai_features == ["stt"]
    assert solution.free_software and solution.source == "saisie par moderateur"
    client.post(
        f"/catalogue/solutions/{solution.pk}/evaluer/",
        {
            "score-adequation.besoin": "2",
            "score-souverainete.hebergement": "4",
            "evidence-souverainete.hebergement": "Installé sur nos serveurs",
            "public": "1",
        },
    )
    client.logout()
    page = page_text(client.get(solution.get_absolute_url()))
    assert "Notes réconciliées de 1 évaluateur" in page
    assert "Modifier la fiche" not in page


def test_a_curator_edits_an_existing_solution(client, demo, moderator):
    vosk = demo["Vosk"]
    client.force_login(moderator)
    form = client.get(f"/catalogue/solutions/{vosk.pk}/modifier/")
    assert form.status_code == 200 and 'value="Vosk"' in form.content.decode()
    values = {
        **NEW,
        "name": "Vosk",
        "provider": str(vosk.provider_id),
        "provider_name": "",
        "licence": "Apache-2.0",
        "energy": "Fonctionne sur un Raspberry Pi",
        "negotiated_price": "Support annuel négocié 900 €",
    }
    response = client.post(f"/catalogue/solutions/{vosk.pk}/modifier/", values)
    assert response.status_code == 302
    vosk.refresh_from_db()
    assert vosk.energy == "Fonctionne sur un Raspberry Pi" and vosk.ai_features == ["stt"]
    client.logout()
    page = page_text(client.get(vosk.get_absolute_url()))
    assert "Raspberry Pi" in page and "900 €" not in page  # the price stays restricted


def test_a_duplicate_is_refused_and_points_to_the_existing_solution(client, demo, moderator):
    vosk = demo["Vosk"]
    providers = Provider.objects.count()
    client.force_login(moderator)
    # Same provider named differently (case), same name folded (case, accents).
    response = client.post(
        "/catalogue/solutions/nouvelle/",
        {**NEW, "name": "VOSK", "provider_name": vosk.provider.name.lower()},
    )
    assert response.status_code == 400
    text = page_text(response)
    assert "« Vosk » de Alpha Cephei est déjà au catalogue" in text
    assert f"/catalogue/solutions/{vosk.pk}/" in text
    assert Provider.objects.count() == providers
    assert Solution.objects.filter(name="VOSK").count() == 0


def test_a_bad_new_provider_writes_nothing(client, demo, moderator):
    before = (Solution.objects.count(), Provider.objects.count())
    client.force_login(moderator)
    response = client.post("/catalogue/solutions/nouvelle/", {**NEW, "provider_siren": "12AB"})
    assert response.status_code == 400
    assert "Le SIREN compte 9 chiffres." in page_text(response)
    assert (Solution.objects.count(), Provider.objects.count()) == before


def test_missing_provider_and_features_are_named(client, moderator, db):
    client.force_login(moderator)
    response = client.post(
        "/catalogue/solutions/nouvelle/", {**NEW, "provider_name": "", "ai_features": []}
    )
    text = page_text(response)
    assert response.status_code == 400
    assert "ou donnez le nom d'un nouveau fournisseur" in text
    assert not Solution.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "agent", "elu"])
def test_only_curators_edit_the_catalogue(client, demo, agent, elu, who):
    vosk = demo["Vosk"]
    if who != "anonymous":
        client.force_login({"agent": agent, "elu": elu}[who])
    for url in ("/catalogue/solutions/nouvelle/", f"/catalogue/solutions/{vosk.pk}/modifier/"):
        response = client.get(url)
        assert response.status_code == (302 if who == "anonymous" else 403), url
        response = client.post(url, {**NEW, "name": "Pirate"})
        assert response.status_code in (302, 403)
    assert not Solution.objects.filter(name="Pirate").exists()
    if who == "agent":
        page = client.get(vosk.get_absolute_url()).content.decode()
        assert (
            "Modifier la fiche" not in page
            and "Ajouter une solution" not in client.get("/catalogue/").content.decode()
        )


def test_a_homonym_at_another_provider_needs_a_confirmation(client, demo, moderator):
    client.force_login(moderator)
    values = {k: v for k, v in NEW.items() if k != "homonym"}
    response = client.post("/catalogue/solutions/nouvelle/", values)
    assert response.status_code == 400
    text = page_text(response)
    assert (
        "« whisper.cpp » de ggml (Georgi Gerganov et contributeurs) est déjà au catalogue" in text
    )
    assert "cochez « Homonyme confirmé »" in text
    assert not Provider.objects.filter(name="Communauté ggml").exists()
    assert client.post("/catalogue/solutions/nouvelle/", NEW).status_code == 302
