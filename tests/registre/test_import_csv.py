"""Imports of the anchor's CSV shapes: real files, every bad input named by line, field and expectation."""

import pytest
from django.test import override_settings

from territoria.core.models import AuditLog, Organisation
from territoria.registre.importers.corrections import load_corrections
from territoria.registre.importers.service import import_file
from territoria.registre.models import Project
from territoria.registre.vocabulary import Lifecycle

from .import_helpers import ANCHOR_CSV, PROCESSED_CSV, anchor_row, write_csv

pytestmark = pytest.mark.django_db


def only_error(report):
    assert not report.ok
    assert len(report.errors) == 1, [str(e) for e in report.errors]
    return report.errors[0]


def test_import_anchor_csv_without_corrections_rejects_the_three_typo_sirets_and_writes_nothing():
    report = import_file(ANCHOR_CSV)
    assert [(e.line, e.column, e.field) for e in report.errors] == [
        (16, "SIRET", "coll_siret"),
        (17, "SIRET", "coll_siret"),
        (18, "SIRET", "coll_siret"),
    ]
    assert "Luhn" in report.errors[0].message and "14 chiffres" in report.errors[0].expected
    assert report.count("rejected") == 3 and report.count("created") == 20
    assert not report.written
    assert Project.objects.count() == 0 and Organisation.objects.count() == 0


def test_import_anchor_csv_with_corrections_creates_23_published_projects_signed_in_audit_log():
    report = import_file(ANCHOR_CSV, corrections=load_corrections())
    assert report.ok, report.render_text()
    assert report.counts["created"] == 23 and len(report.corrections) == 5
    # The two type corrections apply to one organisation each, not to every "EPT"/"Département".
    assert Organisation.objects.get(siret="25430088200019").type == "syndicat"
    assert Organisation.objects.get(siret="21750001600019").type == "statut_particulier"
    assert Organisation.objects.get(siret="20005798200015").type == "ept"  # Paris Ouest La Défense
    assert Organisation.objects.get(siret="22850001300658").type == "departement"  # Vendée
    assert any("collectivité à statut particulier" in line for line in report.corrections)
    assert Project.objects.filter(lifecycle=Lifecycle.PUBLISHED).count() == 23
    toulouse = Organisation.objects.get(siret="24310051800170")
    assert toulouse.projects.count() == 4
    assert (
        Organisation.objects.get(siret="20005623200149").type == "ca"
    )  # "Communauté d'agglomérations"
    stacoptim = Project.objects.get(nom_projet="Stacoptim")
    assert stacoptim.theme == "transition_ecologique"
    assert stacoptim.sous_themes == ["jumeau_numerique", "performance_energetique"]
    assert stacoptim.projet_date.isoformat() == "2024-01-01"
    assert stacoptim.content_updated_on.isoformat() == "2025-04-16"
    assert Project.objects.filter(projet_status="terminee").count() == 5  # "Terminé"
    regie = Project.objects.get(nom_projet="IADATA lutte contre le gaspillage alimentaire")
    assert regie.partenaires == "" and regie.mise_en_oeuvre == "interne"
    assert (
        AuditLog.objects.filter(actor_label=f"import {ANCHOR_CSV.name}", action="create").count()
        == 23 + 17
    )


def test_import_twice_creates_no_duplicate_and_reports_unchanged():
    import_file(ANCHOR_CSV, corrections=load_corrections())
    before = AuditLog.objects.count()
    report = import_file(ANCHOR_CSV, corrections=load_corrections())
    assert report.counts == {"created": 0, "updated": 0, "unchanged": 23, "rejected": 0}
    assert Project.objects.count() == 23
    assert AuditLog.objects.count() == before


def test_import_processed_csv_semicolons_and_spaced_sirets_matches_the_anchor_records():
    import_file(ANCHOR_CSV, corrections=load_corrections())
    report = import_file(PROCESSED_CSV, corrections=load_corrections())
    assert report.ok, report.render_text()
    assert "séparateur « ; »" in report.format
    assert (
        report.count("created") == 0 and report.count("updated") == 21
    )  # older export: other dates
    assert Project.objects.count() == 23
    # "45691" is an Excel serial date in the older export.
    assert Project.objects.filter(content_updated_on="2025-02-03").count() == 1


def test_dry_run_reports_per_line_and_writes_nothing(tmp_path):
    import_file(write_csv(tmp_path, [anchor_row()]))
    path = write_csv(
        tmp_path,
        [
            anchor_row(Description_service="Nouvelle description."),
            anchor_row(Nom_du_projet="Autre projet"),
            anchor_row(Nom_du_projet="  ViPARE "),
        ],
        name="second.csv",
    )
    report = import_file(path, dry_run=True)
    assert [(line.line, line.action) for line in report.lines] == [
        (2, "updated"),
        (3, "created"),
        (4, "rejected"),
    ]
    assert report.lines[0].changes == ["usage_description"]
    assert "doublon de la ligne 2" in report.lines[2].errors[0].message
    assert Project.objects.get().usage_description == "Mesure de la propreté des rues."
    assert "Simulation" in report.render_text()


def test_one_bad_line_among_good_ones_writes_nothing_and_all_errors_are_listed(tmp_path):
    rows = [anchor_row(Nom_du_projet=f"Projet {i}") for i in range(5)]
    rows[1]["Theme"] = "Sport"
    rows[3]["Date_de_demarrage"] = "13/2024"
    rows[3]["SIRET"] = "12345678901234"
    report = import_file(write_csv(tmp_path, rows))
    assert [(e.line, e.column) for e in report.errors] == [
        (3, "Theme"),
        (5, "SIRET"),
        (5, "Date_de_demarrage"),
    ]
    assert Project.objects.count() == 0 and Organisation.objects.count() == 0


@pytest.mark.parametrize(
    ("column", "value", "message", "expected"),
    [
        ("SIRET", "20003986500107", "clé de contrôle de Luhn", "14 chiffres (SIREN + NIC)"),
        ("SIRET", "2000398650", "14 chiffres", "14 chiffres (SIREN + NIC)"),
        ("Theme", "Sport et loisirs", "valeur inconnue « Sport et loisirs »", "Mobilités"),
        ("Statut_du_projet", "En pause", "valeur inconnue « En pause »", "En expérimentation"),
        ("Type_de_collectivite", "Canton", "valeur inconnue « Canton »", "Commune"),
        ("Audience", "Agent, Touristes", "valeur inconnue « Touristes »", "Grand public"),
        ("Date_de_demarrage", "13/2024", "« 13/2024 » n'existe pas", "MM/AAAA ou JJ/MM/AAAA"),
        (
            "Date_de_derniere_mise_a_jour",
            "31/02/2024",
            "« 31/02/2024 » n'existe pas",
            "MM/AAAA ou JJ/MM/AAAA",
        ),
        ("Date_de_demarrage", "bientôt", "« bientôt » n'est pas une date", "MM/AAAA"),
        ("Latitude", "quarante-neuf", "n'est pas un nombre", "entre -90 et 90"),
        ("Latitude", "123", "hors limites", "entre -90 et 90"),
        ("URL_Service", "javascript:alert(1)", "refusée", "http(s)"),
        ("Nom_du_projet", "", "valeur obligatoire manquante", "Nom du projet"),
    ],
)
def test_bad_value_is_rejected_with_line_column_and_expected(
    tmp_path, column, value, message, expected
):
    report = import_file(
        write_csv(
            tmp_path, [anchor_row(), anchor_row(**{"Nom_du_projet": "Second", column: value})]
        )
    )
    error = only_error(report)
    assert (error.line, error.column) == (3, column)
    assert message in error.message and expected in error.expected
    assert f"ligne 3, colonne « {column} »" in str(error)
    assert Project.objects.count() == 0


def test_missing_required_column_is_rejected_naming_it(tmp_path):
    header = [c for c in anchor_row() if c != "Theme"]
    report = import_file(write_csv(tmp_path, [anchor_row()], header=header))
    error = only_error(report)
    assert (error.line, error.column, error.field) == (1, "Theme", "theme")
    assert "colonne obligatoire manquante « Theme »" in str(error)


def test_wrong_delimiter_is_rejected(tmp_path):
    path = tmp_path / "tabs.csv"
    path.write_text("Nom_collectivite Nom_du_projet SIRET\nVille de Metz ViPARE 20003986500106\n")
    error = only_error(import_file(path))
    assert error.line == 1 and "séparateur" in error.message and "« , » ou « ; »" in error.expected


def test_line_with_a_different_separator_is_rejected_with_its_line(tmp_path):
    path = write_csv(tmp_path, [anchor_row()])
    text = (
        path.read_text()
        + "Ville de Metz;Autre;20003986500106;49.1;6.1;Commune;01/2024;En déploiement;;x;Mobilités;;Agent;;;\n"
    )
    path.write_text(text)
    error = only_error(import_file(path))
    assert error.line == 3 and "cellules au lieu de 16" in error.message


def test_windows_1252_file_is_decoded(tmp_path):
    path = write_csv(
        tmp_path,
        [anchor_row(Description_service="Déchets, propreté, économie")],
        encoding="cp1252",
        delimiter=";",
    )
    report = import_file(path)
    assert report.ok, report.render_text()
    assert "Windows-1252" in report.format
    assert Project.objects.get().usage_description == "Déchets, propreté, économie"


def test_utf8_with_bom_is_decoded(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + write_csv(tmp_path, [anchor_row()]).read_bytes())
    report = import_file(path)
    assert report.ok and "BOM" in report.format


def test_mixed_encodings_are_rejected_with_the_line(tmp_path):
    path = write_csv(tmp_path, [anchor_row(), anchor_row(Nom_du_projet="Second")])
    data = path.read_bytes().replace(b"Second", "Secönd".encode("cp1252"))
    path.write_bytes(data)
    error = only_error(import_file(path))
    assert (
        error.line == 3 and "mélange deux encodages" in error.message and "UTF-8" in error.expected
    )


@override_settings(TERRITORIA_MAX_UPLOAD_MB=0)
def test_oversized_file_is_rejected_before_reading(tmp_path):
    error = only_error(import_file(write_csv(tmp_path, [anchor_row()])))
    assert "trop volumineux" in error.message and "TERRITORIA_MAX_UPLOAD_MB" in error.expected


def test_script_in_description_is_stored_verbatim_and_rendered_escaped(tmp_path, client):
    script = '<script>alert("xss")</script> Détection'
    report = import_file(write_csv(tmp_path, [anchor_row(Description_service=script)]))
    assert report.ok
    assert "balisage HTML" in report.warnings[0].message
    project = Project.objects.get()
    assert project.usage_description == script
    page = client.get(project.get_absolute_url()).content.decode()
    assert script not in page
    assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in page


def test_free_text_in_url_column_is_dropped_with_a_warning(tmp_path):
    report = import_file(write_csv(tmp_path, [anchor_row(URL_Service="accès interne uniquement")]))
    assert report.ok
    assert report.warnings[0].column == "URL_Service"
    assert Project.objects.get().url_infos == ""


def test_custom_mapping_file(tmp_path):
    rows = [
        {
            "Porteur": "Ville de Metz",
            "Projet": "ViPARE",
            "Siret": "200 039 865 00106",
            "Lat": "49.1",
            "Lon": "6.1",
            "Type": "Commune",
            "Début": "01/2024",
            "Maturité": "Terminé",
            "Description": "x",
            "Thème": "Mobilité",
            "Public": "agent",
            "Logo": "https://metz.fr/logo.png",
            "Commentaire": "ignoré",
        }
    ]
    path = write_csv(tmp_path, rows, header=list(rows[0]))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        '{"Porteur": "coll_nom", "Projet": "nom_projet", "Siret": "coll_siret", "Lat": "latitude",'
        ' "Lon": "longitude", "Type": "coll_type", "Début": "projet_date", "Maturité": "projet_status",'
        ' "Description": "usage_description", "Thème": "theme", "Public": "audience_service",'
        ' "Logo": "image_url", "Commentaire": null}'
    )
    report = import_file(path, mapping_file=mapping)
    assert report.ok, report.render_text()
    project = Project.objects.get()
    assert (project.projet_status, project.theme, project.audiences) == (
        "terminee",
        "mobilites",
        ["agent"],
    )


def test_custom_mapping_with_unknown_field_is_rejected(tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text('{"Porteur": "collectivite"}')
    error = only_error(import_file(write_csv(tmp_path, [anchor_row()]), mapping_file=mapping))
    assert "Porteur → collectivite" in error.message


def test_import_as_draft(tmp_path):
    import_file(write_csv(tmp_path, [anchor_row()]), status="draft")
    assert Project.objects.get().lifecycle == Lifecycle.DRAFT
