"""Pooling (graine 004, proposition 7): several organisations co-carry an experiment — a
syndicat mixte or an OPSN writes its journal and report like the carrier; a pilot does not."""

from territoria.catalogue.models import Experiment, JournalEntry
from territoria.core.models import Organisation, OrganisationType, Role, User


def test_a_syndicat_mixte_co_carries_an_experiment(client, demo, agent, other_agent):
    opsn = Organisation.objects.create(
        name="Syndicat mixte numérique témoin (OPSN)",
        siret="25380000000019",
        type=OrganisationType.SYNDICAT_MIXTE,
    )
    opsn_agent = User.objects.create_user(
        "agent-opsn", password="motdepasse-test-1", role=Role.AGENT, organisation=opsn
    )
    client.force_login(agent)
    response = client.post(
        "/catalogue/experimentations/nouvelle/",
        {
            "title": "Transcription mutualisée",
            "need": "Transcrire les conseils",
            "solution": demo["Vosk"].pk,
            "pilots": [other_agent.organisation.pk],
            "co_carriers": [opsn.pk],
            "hypotheses": "h",
            "duration_weeks": 8,
            "indicators": "Heures de rédaction ; heures ; 6 ; 2",
        },
    )
    assert response.status_code == 302
    experiment = Experiment.objects.get()
    assert list(experiment.co_carriers.all()) == [opsn]
    page = client.get(experiment.get_absolute_url()).content.decode()
    assert "Syndicat mixte numérique témoin (OPSN)" in page
    api = client.get(f"/api/catalogue/experimentations/{experiment.pk}/").json()
    assert api["co_carriers"] == ["Syndicat mixte numérique témoin (OPSN)"]
    journal = f"/catalogue/experimentations/{experiment.pk}/journal/"
    report = f"/catalogue/experimentations/{experiment.pk}/rapport/"
    # The co-carrier's agent writes the journal and reaches the report form.
    client.force_login(opsn_agent)
    assert (
        client.post(journal, {"text": "Réunion de lancement avec les communes"}).status_code == 302
    )
    assert client.get(report).status_code == 200
    # A pilot's agent takes part but does not write the carriers' journal nor the report.
    client.force_login(other_agent)
    assert client.post(journal, {"text": "Pas à moi"}).status_code == 403
    assert client.get(report).status_code == 403
    assert [e.text for e in JournalEntry.objects.all()] == [
        "Réunion de lancement avec les communes"
    ]
