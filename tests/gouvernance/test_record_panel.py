"""The governance panel on the register's record page (a RecordPanel, core/modules.py): the
public summary, for every reader of the record, and nothing restricted."""

from django.urls import reverse

from territoria.gouvernance import services
from tests.gouvernance.conftest import MINIMAL


def test_record_page_shows_the_validated_level_and_links_to_the_governance_page(
    client, agent, moderator, project
):
    record = reverse("registre:detail", args=[project.pk])
    body = client.get(record).content.decode()
    assert "Gouvernance de ce système" in body
    assert "Pas encore de classification validée" in body
    classification = services.save_classification(project, MINIMAL, agent, submit=True)
    services.validate_classification(classification, moderator, note="NOTE-RELECTURE-SECRETE")
    body = client.get(record).content.decode()
    assert "Risque minimal — version 1 validée" in body
    assert reverse("gouvernance:project", args=[project.pk]) in body
    assert "NOTE-RELECTURE-SECRETE" not in body


def test_record_panel_never_shows_trust_evidence_even_to_the_owner(client, agent, project):
    services.save_trust(
        project,
        {"controle": {"answer": "non", "evidence": "PREUVE-SECRETE", "comment": "AVIS-SECRET"}},
        agent,
    )
    for reader in (None, agent):
        if reader:
            client.force_login(reader)
        body = client.get(reverse("registre:detail", args=[project.pk])).content.decode()
        assert "Auto-évaluation de confiance" in body and "en moyenne" in body
        assert "PREUVE-SECRETE" not in body and "AVIS-SECRET" not in body
