import html

import pytest

from territoria.redaction.models import Deliberation
from territoria.redaction.services.scdl import SCDLError, import_file
from territoria.search import PUBLIC, get_index

HEADER = "COLL_NOM;COLL_SIRET;DELIB_ID;DELIB_DATE;DELIB_MATIERE_CODE;DELIB_MATIERE_NOM;DELIB_OBJET;VOTE_POUR;DELIB_URL\n"
GOOD = "Ville de Test;21930051400011;D1;2024-01-10;7.5;finances locales/subventions;Subvention au club;12;\n"


def test_import_of_the_scdl_file_with_texts_is_searchable(deliberations):
    assert deliberations.created == 64 and deliberations.texts == 6
    act = Deliberation.objects.get(delib_id="2024-015")
    assert act.subject_code == "7.5" and act.vote_pour == 17 and "L. 1611-4" in act.text
    hits = get_index().search(
        "redaction.deliberations", "subvention association sportive", [PUBLIC], mode="lexical"
    )
    assert str(act.pk) in [h.key for h in hits[:3]]


def test_reimport_updates_instead_of_duplicating(deliberations, fixtures):
    again = import_file((fixtures / "deliberations.csv").read_bytes())
    assert (again.created, again.updated) == (0, 64)
    assert Deliberation.objects.count() == 64


@pytest.mark.parametrize(
    "row, where",
    [
        ("Ville;2193005140001;D2;2024-01-10;7.5;x;Objet;;\n", "colonne COLL_SIRET"),
        ("Ville;21930051400011;D2;10/01/2024;7.5;x;Objet;;\n", "colonne DELIB_DATE"),
        ("Ville;21930051400011;D2;2024-01-10;7.55;x;Objet;;\n", "colonne DELIB_MATIERE_CODE"),
        ("Ville;21930051400011;D2;2024-01-10;7.5;x;;;\n", "colonne DELIB_OBJET"),
        ("Ville;21930051400011;D2;2024-01-10;7.5;x;Objet;douze;\n", "colonne VOTE_POUR"),
        ("Ville;21930051400011;D2;2024-01-10;7.5;x;Objet;;ftp://x\n", "colonne DELIB_URL"),
        ("Ville;21930051400011;D1;2024-01-10;7.5;x;Objet;;\n", "déjà présent ligne 2"),
    ],
)
def test_a_row_breaking_the_schema_is_named_and_nothing_is_written(db, row, where):
    with pytest.raises(SCDLError) as error:
        import_file((HEADER + GOOD + row).encode())
    assert "Ligne 3" in str(error.value) and where in str(error.value)
    assert Deliberation.objects.count() == 0  # not even the good first row


def test_missing_columns_empty_file_and_mapping(db):
    with pytest.raises(SCDLError, match="DELIB_OBJET"):
        import_file(b"COLL_NOM;COLL_SIRET\nx;y\n")
    with pytest.raises(SCDLError, match="vide"):
        import_file(b"")
    other = "collectivite,siret,numero,date,code,matiere,objet\nVille,21930051400011,A1,2024-02-01,8.8,environnement,Plan climat\n"
    mapping = {
        "COLL_NOM": "collectivite",
        "COLL_SIRET": "siret",
        "DELIB_ID": "numero",
        "DELIB_DATE": "date",
        "DELIB_MATIERE_CODE": "code",
        "DELIB_MATIERE_NOM": "matiere",
        "DELIB_OBJET": "objet",
    }
    assert import_file(other.encode(), mapping=mapping).created == 1
    assert Deliberation.objects.get().object == "Plan climat"


def test_adopted_drafts_are_published_as_scdl_rows(tmp_path, organisation, agent):
    from territoria.redaction.models import ActDraft, DraftState
    from territoria.redaction.opendata import write_adopted_csv
    from territoria.redaction.services.scdl import read_rows

    ActDraft.objects.create(organisation=organisation, author=agent, title="Brouillon non adopté")
    assert write_adopted_csv(tmp_path / "a.csv") is None
    ActDraft.objects.create(
        organisation=organisation,
        author=agent,
        title="Tarifs de la cantine",
        subject_code="7.10",
        date="2024-06-20",
        delib_id="2024-050",
        state=DraftState.ADOPTED,
        vote_pour=12,
        vote_contre=0,
    )
    rows, _sha = write_adopted_csv(tmp_path / "b.csv")
    assert rows == 1
    # What we publish passes our own SCDL check.
    (row,) = read_rows((tmp_path / "b.csv").read_bytes())
    assert row["DELIB_OBJET"] == "Tarifs de la cantine" and row["COLL_SIRET"] == organisation.siret


def test_the_acts_texts_come_with_the_csv_in_a_zip_through_the_page(client, agent, fixtures):
    import io
    import zipfile

    from django.urls import reverse

    from territoria.redaction.models import Deliberation

    csv = (fixtures / "deliberations.csv").read_bytes()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in (fixtures / "textes").iterdir():
            zipped.write(path, f"actes/{path.name}")  # in a sub-folder: read flat
        zipped.writestr("../hors-du-dossier.txt", "Ce fichier ne sort pas du dossier.")
    client.force_login(agent)
    upload = io.BytesIO(csv)
    upload.name = "deliberations.csv"
    texts = io.BytesIO(archive.getvalue())
    texts.name = "actes.zip"
    response = client.post(
        reverse("redaction:import"), {"file": upload, "texts": texts}, follow=True
    )
    page = html.unescape(response.content.decode())
    assert "64 délibérations ajoutées" in page and "6 textes d'acte lus" in page
    with_text = Deliberation.objects.exclude(text="")
    assert with_text.count() == 6
    import tempfile
    from pathlib import Path

    assert not (Path(tempfile.gettempdir()) / "hors-du-dossier.txt").exists()


def test_a_texts_archive_that_is_not_a_zip_is_refused_and_nothing_is_written(
    client, agent, fixtures
):
    import io

    from django.urls import reverse

    from territoria.redaction.models import Deliberation

    client.force_login(agent)
    upload = io.BytesIO((fixtures / "deliberations.csv").read_bytes())
    upload.name = "deliberations.csv"
    texts = io.BytesIO(b"pas une archive")
    texts.name = "actes.zip"
    page = client.post(reverse("redaction:import"), {"file": upload, "texts": texts})
    assert "n'est pas une archive ZIP valide" in html.unescape(page.content.decode())
    assert Deliberation.objects.count() == 0
