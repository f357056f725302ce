"""The catalogue's panel on a register record's page (a RecordPanel, core/modules.py): the
solution it uses and how it went, the copies, the button to reproduce it — and nothing the
reader may not see (a draft copy, an unpublished solution)."""

from territoria.registre.models import Project
from territoria.registre.vocabulary import Lifecycle

BUTTON = "Reproduire ce projet dans ma collectivité"


def test_record_page_shows_the_solution_used_and_reproduces_the_record(
    client, demo, used_record, other_agent, other_organisation
):
    record = f"/registre/projets/{used_record.pk}/"
    page = client.get(record).content.decode()
    assert "Solution et réutilisation" in page
    assert "Solution utilisée" in page and "Vosk" in page
    assert "Bon résultat sur les séances calmes." in page
    assert BUTTON not in page  # anonymous readers cannot reproduce

    client.force_login(other_agent)
    page = client.get(record).content.decode()
    assert BUTTON in page
    response = client.post(
        f"/catalogue/registre/{used_record.pk}/reproduire/", {"solution": demo["Vosk"].pk}
    )
    copy = Project.objects.get(organisation=other_organisation)
    assert response.status_code == 302
    page = client.get(f"/registre/projets/{copy.pk}/").content.decode()
    assert f'Ce projet reproduit « <a href="/registre/projets/{used_record.pk}/">' in page
    # The author's draft counts for its author, not for anonymous readers.
    assert "Reproduit par d'autres collectivités : 1 fiche" in client.get(record).content.decode()
    client.logout()
    assert "Reproduit par d'autres collectivités" not in client.get(record).content.decode()
    copy.lifecycle = Lifecycle.PUBLISHED
    copy.save()
    assert "Reproduit par d'autres collectivités : 1 fiche" in client.get(record).content.decode()


def test_an_unpublished_solution_stays_off_the_record_page(client, demo, used_record, agent):
    demo["Vosk"].published = False
    demo["Vosk"].save()
    client.force_login(agent)
    page = client.get(f"/registre/projets/{used_record.pk}/").content.decode()
    assert "Vosk" not in page.replace("Vosk, modèle français", "")
    assert "Solution et réutilisation" not in page  # nothing else to say: no panel
