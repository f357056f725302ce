"""What a person meets on the assistant's pages (issue 12): a batch with an empty file, a
broken conversation link, the cost line, the buttons, addresses in the log, sources."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from territoria.assistant.models import Document, Exchange
from territoria.assistant.services.ingestion import add_files, collect_files, run_job
from territoria.assistant.services.masking import mask_personal_data, without_personal_data
from territoria.assistant.templatetags.assistant_tags import energy_equivalent

pytestmark = pytest.mark.django_db


@pytest.fixture
def faq(faq_collection, tmp_path):
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "dechetterie.md").write_text(
        "# Déchetterie\n\n## Horaires\n\nLa déchetterie est ouverte du **lundi au samedi** "
        "de 9 h à 18 h.\n\n## Accès\n\nL'accès est gratuit pour les habitants.\n",
        encoding="utf-8",
    )
    run_job(add_files(faq_collection, collect_files(tmp_path / "faq")))
    return faq_collection


def test_an_empty_file_is_refused_by_name_and_the_others_of_the_batch_indexed(
    client, agent, internal_collection
):
    client.force_login(agent)
    response = client.post(
        f"/assistant/collections/{internal_collection.slug}/",
        {
            "files": [
                SimpleUploadedFile("vide.txt", b""),
                SimpleUploadedFile("horaires.txt", "La mairie ouvre à 8 h 30.".encode()),
                SimpleUploadedFile("conges.md", "# Congés\n\nVingt-cinq jours.".encode()),
            ]
        },
        follow=True,
    )
    page = response.content.decode()
    assert "« vide.txt » : fichier vide (0 octet)" in page
    assert "2 fichier(s) reçu(s)" in page
    assert sorted(Document.objects.values_list("source", "state")) == [
        ("conges.md", "indexed"),
        ("horaires.txt", "indexed"),
    ]


def test_a_batch_of_only_empty_files_says_so_and_stores_nothing(client, agent, internal_collection):
    client.force_login(agent)
    response = client.post(
        f"/assistant/collections/{internal_collection.slug}/",
        {"files": [SimpleUploadedFile("vide.txt", b""), SimpleUploadedFile("rien.md", b"")]},
        follow=True,
    )
    page = response.content.decode()
    assert "« vide.txt » : fichier vide" in page and "« rien.md » : fichier vide" in page
    assert not Document.objects.exists()


@pytest.mark.parametrize("value", ["zzz", "1", "00000000-0000-0000-0000-000000000000", "%00"])
def test_a_broken_conversation_link_starts_a_new_conversation_with_a_word(client, faq, value):
    response = client.get("/assistant/public/", {"conversation": value})
    assert response.status_code == 200
    assert "Cette conversation est introuvable" in response.content.decode()
    asked = client.post(
        "/assistant/public/", {"question": "horaires de la déchetterie", "conversation": value}
    )
    assert asked.status_code == 302 and Exchange.objects.count() == 1


def test_someone_elses_conversation_is_not_shown(client, faq):
    client.post("/assistant/public/", {"question": "horaires de la déchetterie"})
    conversation = Exchange.objects.get().conversation_id
    client.cookies.clear()  # another visitor
    page = client.get("/assistant/public/", {"conversation": conversation}).content.decode()
    assert "Cette conversation est introuvable" in page and "9 h à 18 h" not in page


def test_citizens_read_what_the_time_and_energy_mean(client, faq):
    response = client.post(
        "/assistant/public/", {"question": "horaires de la déchetterie"}, follow=True
    )
    page = response.content.decode()
    cost = re.search(r'<p class="cost">(.*?)</p>', page, re.DOTALL).group(1)
    assert "Réponse composée de phrases recopiées des documents cités." in cost
    assert re.search(r"Calculée en \d+ ms ; énergie estimée : [\d,]+ <abbr", cost)
    assert "une ampoule LED de 10 W allumée" in cost


@pytest.mark.parametrize(
    ("wh", "words"),
    [
        (0.00017, "autant qu'une ampoule LED de 10 W allumée 0,06 seconde"),
        (0.002, "autant qu'une ampoule LED de 10 W allumée 0,72 seconde"),
        (0.01, "autant qu'une ampoule LED de 10 W allumée 3,6 secondes"),
        (0.0000001, "moins qu'une ampoule LED de 10 W allumée un centième de seconde"),
        (1, "autant qu'une ampoule LED de 10 W allumée 6 minutes"),
    ],
)
def test_energy_is_compared_with_a_bulb(wh, words):
    assert energy_equivalent(wh) == words


def test_every_button_of_the_chat_uses_the_design_system(client, faq):
    page = client.post(
        "/assistant/public/", {"question": "horaires de la déchetterie"}, follow=True
    ).content.decode()
    main = page.split('<main id="contenu"', 1)[1]
    buttons = re.findall(r"<button[^>]*>", main)
    assert len(buttons) >= 5
    assert all('class="button' in button for button in buttons), buttons


@pytest.mark.parametrize(
    ("question", "masked"),
    [
        (
            "Ma poubelle n'est pas passée au 12 bis rue Victor Hugo, 57000 Metz",
            "Ma poubelle n'est pas passée au [adresse]",
        ),
        ("Bruit au 7 impasse des Lilas depuis lundi", "Bruit au [adresse] depuis lundi"),
        ("Mon adresse : 45, boulevard Saint-Michel 75005 Paris.", "Mon adresse : [adresse]."),
        ("La mairie ouvre à 8 h 30 place d'Armes ?", "La mairie ouvre à 8 h 30 place d'Armes ?"),
        ("Il y a 2 rues fermées", "Il y a 2 rues fermées"),
    ],
)
def test_street_addresses_are_masked(question, masked):
    assert mask_personal_data(question) == masked


def test_the_search_keeps_the_street_not_the_number_nor_the_town():
    assert (
        without_personal_data("Collecte au 12 rue Victor Hugo, 57000 Metz ?")
        == "Collecte au rue Victor Hugo ?"
    )


def test_an_address_in_a_question_is_masked_in_the_log(client, faq, admin_user):
    client.post(
        "/assistant/public/",
        {"question": "Horaires de la déchetterie ? J'habite 3 avenue de la République"},
    )
    assert Exchange.objects.get().question == "Horaires de la déchetterie ? J'habite [adresse]"
    client.force_login(admin_user)
    log = client.get("/assistant/journal/").content.decode()
    assert "République" not in log and "[adresse]" in log


def test_a_markdown_citation_opens_the_rendered_source_in_utf8_passage_highlighted(client, faq):
    client.post("/assistant/public/", {"question": "horaires de la déchetterie"})
    citation = Exchange.objects.get().citations[0]
    assert "/fichier/" not in citation["url"]
    response = client.get(citation["url"])
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode("utf-8")
    assert "<h2>Déchetterie › Horaires</h2>" in page and "# Déchetterie" not in page
    highlighted = re.search(r'class="source-passage cited"><mark>(.*?)</mark>', page, re.DOTALL)
    assert highlighted and "ouverte du" in highlighted.group(1)


def test_markdown_source_shows_its_words_without_markup_and_nothing_active(
    client, agent, faq_collection
):
    client.force_login(agent)
    client.post(
        f"/assistant/collections/{faq_collection.slug}/",
        {
            "files": [
                SimpleUploadedFile(
                    "piscine.md",
                    (
                        "# Piscine\n\nLa piscine ouvre **à 9 h** et *ferme à 19 h*, "
                        "voir [le site](https://ville.example/piscine) "
                        "ou [ici](javascript:alert(1)) <script>alert(2)</script> "
                        "<img src=x onerror=alert(3)> ![logo](https://ville.example/logo.png)\n"
                    ).encode(),
                )
            ]
        },
    )
    document = Document.objects.get(source="piscine.md")
    page = client.get(f"/assistant/documents/{document.pk}/?passage=0").content.decode()
    passage = re.search(r'<p id="passage-0"[^>]*>(.*?)</p>', page, re.DOTALL).group(1)
    assert "La piscine ouvre à 9 h et ferme à 19 h, voir le site" in passage
    assert "**" not in passage and "https://ville.example" not in passage
    assert "<script" not in passage and "<img" not in passage and "onerror" not in passage


def test_a_job_waiting_without_any_worker_says_why_and_what_to_do(
    client, agent, internal_collection, tmp_path
):
    from datetime import timedelta

    from django.utils import timezone

    from territoria.assistant.models import IngestionJob

    (tmp_path / "note.txt").write_text("Note de service.", encoding="utf-8")
    job = add_files(internal_collection, collect_files(tmp_path / "note.txt"))
    client.force_login(agent)
    page = client.get(f"/assistant/collections/{internal_collection.slug}/").content.decode()
    assert "aucun service de traitement" not in page  # just queued: patience
    IngestionJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    page = client.get(f"/assistant/collections/{internal_collection.slug}/").content.decode()
    assert "attendent depuis 5 minutes : aucun service de traitement" in page
    assert "territoria worker" in page
