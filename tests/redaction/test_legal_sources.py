"""The existence check of a draft's articles in the app (issue 19: « when the referenced text is
in a collection, exists »): the codes are the documents of the assistant's collections the
agent may read; a code in a collection the agent may not read is never used nor named."""

import pytest
from django.urls import reverse

from territoria.assistant.models import Collection, Visibility
from territoria.assistant.services.ingestion import add_files, collect_files, run_job
from territoria.redaction.models import ActDraft
from territoria.redaction.services.legal_sources import legal_sources

pytestmark = pytest.mark.django_db

CGCT = """# Code général des collectivités territoriales (extrait)

Article L. 2121-29 : le conseil municipal règle par ses délibérations les affaires de la commune.
Article L. 2121-10 : toute convocation est faite par le maire.
Article L. 1611-4 : toute association ayant reçu une subvention peut être soumise au contrôle.
"""


def _collection(slug, organisation, folder, name, text):
    collection = Collection.objects.create(
        slug=slug,
        name=slug.capitalize(),
        organisation=organisation,
        visibility=Visibility.ORGANISATION,
    )
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    run_job(add_files(collection, collect_files(folder)))
    return collection


def _draft(client, visa):
    client.post(reverse("redaction:new_draft"), {"title": "Convocation du conseil"})
    draft = ActDraft.objects.latest("pk")
    data = {
        "title": "Convocation du conseil",
        "body": "Le conseil municipal",
        "date": "2025-03-11",
        "subject_code": "5.2",
        "visas": visa,
        "considerants": "Considérant qu'il convient de fixer les règles de convocation",
        "articles": "Les convocations sont adressées par voie électronique.",
    }
    client.post(draft.get_absolute_url(), data)
    draft.refresh_from_db()
    return draft


def test_a_cited_article_is_looked_up_in_the_codes_the_agent_may_read(
    client, agent, organisation, tmp_path
):
    _collection("juridique", organisation, tmp_path / "juridique", "cgct.md", CGCT)
    assert [s.title for s in legal_sources(agent)] == [
        "Code général des collectivités territoriales (extrait)"
    ]
    client.force_login(agent)
    draft = _draft(
        client, "Vu le code général des collectivités territoriales, article L. 2121-10,"
    )
    assert any("trouvée dans les sources" in c["message"] for c in draft.checks if c["ok"]), (
        draft.checks
    )
    draft = _draft(
        client, "Vu le code général des collectivités territoriales, article L. 2121-31,"
    )
    failed = [c["message"] for c in draft.checks if not c["ok"]]
    assert any("L2121-31" in m and "introuvable dans les sources fournies" in m for m in failed), (
        failed
    )
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Existence des articles de code vérifiée dans" in page and "Juridique" in page


def test_a_code_of_another_organisation_is_neither_used_nor_named(
    client, agent, other_organisation, tmp_path
):
    _collection("voisine", other_organisation, tmp_path / "voisine", "cgct.md", CGCT)
    assert legal_sources(agent) == []
    client.force_login(agent)
    draft = _draft(
        client, "Vu le code général des collectivités territoriales, article L. 2121-31,"
    )
    messages = " ".join(c["message"] for c in draft.checks)
    assert "introuvable" not in messages and "trouvée dans les sources" not in messages
    assert "Existence des articles non vérifiée" in messages
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Voisine" not in page and "extrait" not in page
