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
