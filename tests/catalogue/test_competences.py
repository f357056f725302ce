"""A solution names the collectivités' competences it concerns, derived from its domains."""

import json

from territoria.catalogue import vocabulary as voc
from territoria.registre.vocabulary import SUB_THEMES


def test_every_business_domain_maps_to_a_competence():
    assert set(voc.COMPETENCES) == {code for code, _ in SUB_THEMES.choices}
    assert voc.competences(["gestion_eau", "prevention_risques", "gestion_eau"]) == [
        "Eau potable, assainissement et GEMAPI (communes et EPCI)",
        (
            "Prévention des risques et secours (communes (police municipale, plan communal de "
            "sauvegarde), départements (SDIS))"
        ),
    ]
    assert voc.competences([]) == []


def test_the_solution_page_api_and_export_show_the_competences(client, demo):
    solution = demo["WNTR"]
    page = client.get(solution.get_absolute_url()).content.decode()
    assert "Compétences des collectivités concernées" in page
    assert "Eau potable, assainissement et GEMAPI (communes et EPCI)" in page
    api = json.loads(client.get(f"/api/catalogue/solutions/{solution.pk}/").content)
    assert api["competences"] == solution.competence_labels() and api["competences"]
    header = client.get("/catalogue/export.csv").content.decode().splitlines()[0]
    assert "competences" in header.split(",")


def test_competences_follow_the_territory_once_the_collectivite_records_them(
    client, demo, agent, elu, other_agent, organisation
):
    from territoria.catalogue.models import TerritoryCompetences

    solution = demo["WNTR"]  # water networks: « communes et EPCI » nationally
    assert solution.domains == ["gestion_eau", "prevention_risques"]
    # The national default for a commune: it holds the competence.
    assert voc.default_holding("commune", "gestion_eau") == "exercee"
    assert voc.default_holding("departement", "gestion_eau") == "non_exercee"
    assert voc.default_holding("syndicat_mixte", "gestion_eau") is None
    assert voc.default_holding("region", "aide_redaction") == "exercee"
    client.force_login(agent)
    page = client.get(solution.get_absolute_url()).content.decode()
    assert "Dans votre territoire (Ville de Testville)" in page
    assert "exercée par notre collectivité" in page and "par défaut" in page
    # Transferred without saying to whom: refused, nothing written, the competence named.
    url = "/catalogue/competences/"
    response = client.post(url, {"holding-gestion_eau": "transferee", "holding-dechets": "exercee"})
    assert response.status_code == 400
    assert "transférée à qui" in response.content.decode()
    assert not TerritoryCompetences.objects.exists()
    client.post(
        url,
        {"holding-gestion_eau": "transferee", "to-gestion_eau": "Grand Testville Agglomération"},
    )
    record = TerritoryCompetences.objects.get(organisation=organisation)
    assert record.entries == {
        "gestion_eau": {"holding": "transferee", "to": "Grand Testville Agglomération"}
    }
    page = client.get(solution.get_absolute_url()).content.decode()
    assert "transférée (à un epci, un syndicat…) — Grand Testville Agglomération" in page
    api = json.loads(client.get(f"/api/catalogue/solutions/{solution.pk}/").content)
    assert api["competences_in_territory"][0] == (
        {
            "domain": "gestion_eau",
            "competence": "Eau potable, assainissement et GEMAPI",
            "holding": "transferee",
            "held_by": "Grand Testville Agglomération",
            "recorded": True,
        }
    )
    assert api["competences_in_territory"][1]["recorded"] is False
    # An élu reads them, cannot change them; another collectivité's agent sees its own.
    client.force_login(elu)
    assert client.post(url, {"holding-gestion_eau": "exercee"}).status_code == 403
    assert "Grand Testville Agglomération" in client.get(url).content.decode()
    client.force_login(other_agent)
    page = client.get(solution.get_absolute_url()).content.decode()
    assert "Grand Testville" not in page and "Dans votre territoire (Bordeaux Métropole)" in page
    # The anonymous reader gets the national table only.
    client.logout()
    page = client.get(solution.get_absolute_url()).content.decode()
    assert "Dans votre territoire" not in page
    assert "competences_in_territory" not in json.loads(
        client.get(f"/api/catalogue/solutions/{solution.pk}/").content
    )
    assert client.get(url).status_code == 302


def test_the_guide_says_when_the_need_s_competence_is_held_elsewhere(client, demo, agent):
    from territoria.catalogue import services

    query = {
        "text": "Détecter les fuites du réseau d'eau potable",
        "domain": "gestion_eau",
        "sensitivity": "internes",
        "budget": "faible",
        "skills": "quelques",
    }
    client.force_login(agent)
    assert "Dans votre territoire" not in client.get("/catalogue/guide/", query).content.decode()
    services.set_territory_competences(
        agent.organisation, agent, {"gestion_eau": ("transferee", "Syndicat des eaux témoin")}
    )
    page = client.get("/catalogue/guide/", query).content.decode()
    assert "est transférée à Syndicat des eaux témoin : montez l'expérimentation" in page
    client.logout()
    assert "Dans votre territoire" not in client.get("/catalogue/guide/", query).content.decode()
