import pytest

from territoria.catalogue.importer import ImportFailed, import_solutions, load_demo
from territoria.catalogue.models import Provider, Solution
from territoria.core.models import AuditLog

HEADER = "nom,fournisseur,hebergement,fonctions_ia,modele_prix,description,url_source,siren\n"


def test_demo_catalogue_imports_44_real_solutions_with_provenance(db):
    report = load_demo()
    assert report.created == 44 and Solution.objects.count() == 44
    whisper = Solution.objects.get(name="Whisper")
    assert whisper.source == "catalogue-demo.csv:10"
    assert whisper.ai_features == ["stt", "translation"]
    assert whisper.free_software and whisper.licence == "MIT"
    assert Solution.objects.filter(business_software=True).count() >= 3
    assert AuditLog.objects.filter(object_type__icontains="solution").exists()


def test_importing_the_same_file_twice_updates_instead_of_duplicating(db):
    load_demo()
    again = load_demo()
    assert (again.created, again.updated) == (0, 44)
    assert Solution.objects.count() == 44


def test_a_bad_file_names_line_and_column_and_writes_nothing(db, tmp_path):
    path = tmp_path / "solutions.csv"
    path.write_text(
        HEADER
        + "Bon,Fournisseur A,sur_site,ocr,gratuit,Une bonne ligne,,\n"
        + "Mauvais,Fournisseur B,dans les nuages,telepathie,gratuit,,pas-une-url,12\n"
        + "bon,fournisseur a,sur_site,ocr,gratuit,Le doublon,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as failure:
        import_solutions(path)
    messages = [str(issue) for issue in failure.value.issues]
    assert any(
        m.startswith("ligne 3, colonne « hebergement » : valeur inconnue « dans les nuages »")
        for m in messages
    )
    assert any(
        "ligne 3, colonne « fonctions_ia » : valeur inconnue « telepathie »" in m for m in messages
    )
    assert any(
        "ligne 3, colonne « description » : valeur obligatoire manquante" in m for m in messages
    )
    assert any("ligne 3, colonne « url_source »" in m for m in messages)
    assert any("ligne 3, colonne « siren » : « 12 » : 9 chiffres attendus" in m for m in messages)
    assert any("ligne 4, colonne « nom » : doublon de la ligne 2" in m for m in messages)
    assert Solution.objects.count() == 0 and Provider.objects.count() == 0


def test_missing_required_column_is_reported_on_the_header(db, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("nom,fournisseur\nA,B\n", encoding="utf-8")
    with pytest.raises(
        ImportFailed, match="ligne 1, colonne « hebergement » : colonne obligatoire absente"
    ):
        import_solutions(path)


def test_xlsx_import_reads_the_same_columns(db, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "nom",
            "fournisseur",
            "hebergement",
            "fonctions_ia",
            "modele_prix",
            "description",
            "domaines",
        ]
    )
    sheet.append(
        [
            "Outil",
            "Éditeur",
            "Service en ligne hébergé en France",
            "OCR | Traduction automatique",
            "abonnement",
            "Un outil.",
            "Gestion des assemblées",
        ]
    )
    path = tmp_path / "s.xlsx"
    book.save(path)
    import_solutions(path)
    tool = Solution.objects.get(name="Outil")
    assert tool.hosting == "cloud_fr"
    assert tool.ai_features == ["ocr", "translation"]
    assert tool.domains == ["gestion_assemblees"]


def test_a_siren_with_a_wrong_check_digit_is_refused_on_import_and_on_the_form(
    db, tmp_path, client, moderator
):
    from territoria.catalogue.models import Provider

    path = tmp_path / "solutions.csv"
    path.write_text(
        HEADER
        + "Bon,Fournisseur A,sur_site,ocr,gratuit,Une bonne ligne,,732829320\n"
        + "Autre,Fournisseur B,sur_site,ocr,gratuit,Une autre ligne,,123456789\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as failure:
        import_solutions(path)
    messages = [str(issue) for issue in failure.value.issues]
    assert messages == ["ligne 3, colonne « siren » : « 123456789 » : clé de contrôle fausse"]
    assert Solution.objects.count() == 0 and Provider.objects.count() == 0
    # The same rule on the provider itself (the curators' form goes through it).
    with pytest.raises(Exception, match="clé de contrôle fausse"):
        Provider(name="X", siren="123456789").full_clean()
    Provider(name="Y", siren="732829320").full_clean()
