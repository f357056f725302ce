"""Register records linked to the solutions they name; the catalogue import as a background job."""

from django.core.management import call_command

from territoria.catalogue.importer import DEMO_FILE
from territoria.catalogue.models import ImportRun, Solution, SolutionUse
from territoria.registre.models import Project
from territoria.registre.vocabulary import Lifecycle


def test_register_records_naming_a_solution_in_public_text_are_linked(demo, organisation, capsys):
    named = Project.objects.create(
        organisation=organisation,
        nom_projet="Traduction du site",
        lifecycle=Lifecycle.PUBLISHED,
        usage_description="Automatische vertaling van de website met DeepL Pro.",
    )
    Project.objects.create(
        organisation=organisation,
        nom_projet="Comptes rendus",
        lifecycle=Lifecycle.PUBLISHED,
        nom_algorithme="Whisper",  # restricted field: never read, the link would reveal it
    )
    Project.objects.create(
        organisation=organisation, nom_projet="Brouillon DeepL", usage_description="DeepL"
    )
    call_command("catalogue", "link-register")
    assert "1 projet(s) du registre rattaché(s)." in capsys.readouterr().out
    use = SolutionUse.objects.get()
    assert (use.solution.name, use.project) == ("DeepL", named)
    assert use.note.startswith("Détection automatique")
    call_command("catalogue", "link-register")  # idempotent
    assert SolutionUse.objects.count() == 1


def test_curator_imports_a_file_in_the_background_and_follows_its_progress(client, moderator):
    client.force_login(moderator)
    with DEMO_FILE.open("rb") as handle:
        response = client.post("/catalogue/import/", {"fichier": handle})
    run = ImportRun.objects.get()
    assert response.url == f"/catalogue/import/{run.pk}/"
    page = client.get(response.url).content.decode()
    assert run.status == "done" and "44 solutions créées" in page
    assert 'role="progressbar"' in page and 'aria-valuenow="100"' in page
    assert Solution.objects.count() == 44
    run.refresh_from_db()
    assert bytes(run.content) == b""  # the uploaded file is not kept


def test_a_failed_background_import_lists_its_errors_and_writes_nothing(
    client, moderator, tmp_path
):
    client.force_login(moderator)
    bad = tmp_path / "mauvais.csv"
    bad.write_text(
        "nom,fournisseur,hebergement,fonctions_ia,modele_prix,description\n"
        "A,B,sur_site,ocr,gratuit,ok\nC,D,lune,ocr,gratuit,x\n",
        encoding="utf-8",
    )
    with bad.open("rb") as handle:
        response = client.post("/catalogue/import/", {"fichier": handle})
    page = client.get(response.url).content.decode()
    assert "ligne 3, colonne « hebergement » : valeur inconnue « lune »" in page
    assert "Rien n'a été importé" in page
    assert Solution.objects.count() == 0


def test_only_curators_import(client, agent):
    assert client.get("/catalogue/import/").status_code == 302
    client.force_login(agent)
    assert client.get("/catalogue/import/").status_code == 403
