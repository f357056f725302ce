"""Exports: every format respects visibility (anonymous: no restricted column), the list
filters, streams, re-imports unchanged; the Table Schema validates with frictionless."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from territoria.registre import schema
from territoria.registre.factories import OrganisationFactory, ProjectFactory
from territoria.registre.importers.service import import_file
from territoria.registre.vocabulary import Lifecycle

pytestmark = pytest.mark.django_db

SECRET_CONTACT = "contact-secret-7f3a@example.org"
SECRET_ALGO = "Algorithme-Confidentiel-9Q2"
SECRET_FUNDING = "Financement-Restreint-X41"
SECRETS = [SECRET_CONTACT, SECRET_ALGO, SECRET_FUNDING]


@pytest.fixture
def projects(organisation):
    restricted = {
        "projet_contact": SECRET_CONTACT,
        "nom_algorithme": SECRET_ALGO,
        "financement": SECRET_FUNDING,
    }
    water = ProjectFactory(organisation=organisation, nom_projet="Fuites d'eau", **restricted)
    mobility = ProjectFactory(
        organisation=OrganisationFactory(),
        nom_projet="Feux intelligents",
        theme="mobilites",
        **restricted,
    )
    draft = ProjectFactory(
        organisation=OrganisationFactory(),
        nom_projet="Brouillon caché",
        lifecycle=Lifecycle.DRAFT,
        **restricted,
    )
    return water, mobility, draft


def download(client, format, **params):
    response = client.get(reverse("registre:export", kwargs={"format": format}), params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def csv_rows(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


@pytest.mark.parametrize("format", ["csv", "xlsx", "json", "geojson"])
def test_export_anonymous_holds_no_restricted_value_nor_column(client, projects, format):
    response, body = download(client, format, champs="tous")
    text = body.decode("utf-8") if format != "xlsx" else _xlsx_text(body)
    for secret in SECRETS:
        assert secret not in text
    for name in schema.RESTRICTED_FIELDS:
        assert f'"{name}"' not in text and f"\n{name}," not in text and f",{name}," not in text
    assert "Brouillon caché" not in text
    assert "Fuites d'eau" in text
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("format", ["xlsx", "json", "geojson"])
def test_export_agent_holds_restricted_values(client, agent, projects, format):
    client.force_login(agent)
    _, body = download(client, format)
    text = body.decode("utf-8") if format != "xlsx" else _xlsx_text(body)
    for secret in SECRETS:
        assert secret in text


def test_export_csv_keeps_the_anchor_columns_in_order(client, agent, projects):
    client.force_login(agent)
    response, body = download(client, "csv")
    assert response.streaming
    header = body.decode().splitlines()[0].split(",")
    assert header == schema.ANCHOR_CSV_COLUMNS
    rows = csv_rows(body)
    assert {row["Nom_du_projet"] for row in rows} == {"Fuites d'eau", "Feux intelligents"}
    assert rows[0]["Date_de_demarrage"] == "01/2024"


def test_export_csv_all_fields_for_agent_uses_schema_ids(client, agent, projects):
    client.force_login(agent)
    _, body = download(client, "csv", champs="tous")
    rows = csv_rows(body)
    assert list(rows[0]) == [spec.name for spec in schema.FIELDS]
    assert rows[0]["projet_contact"] == SECRET_CONTACT
    assert "Brouillon caché" not in body.decode()  # another organisation's draft


def test_export_applies_list_filters(client, projects):
    _, body = download(client, "json", theme="mobilites")
    data = json.loads(body)
    assert [p["nom_projet"] for p in data["projets"]] == ["Feux intelligents"]
    assert data["projets"][0]["theme"] == "Mobilités"
    assert data["schema"].endswith("/registre/schema.json")


def test_export_restricted_filter_ignored_for_anonymous(client, projects):
    _, body = download(client, "json", type_algorithme="ia_generative")
    assert len(json.loads(body)["projets"]) == 2


def test_export_geojson_points_from_organisation_coordinates(client, projects, organisation):
    _, body = download(client, "geojson")
    collection = json.loads(body)
    assert collection["type"] == "FeatureCollection"
    water = next(
        f for f in collection["features"] if f["properties"]["nom_projet"] == "Fuites d'eau"
    )
    assert water["geometry"] == {
        "type": "Point",
        "coordinates": [organisation.longitude, organisation.latitude],
    }
    assert "latitude" not in water["properties"]


def test_export_unknown_format_is_404(client):
    assert client.get("/registre/export.pdf").status_code == 404


def test_export_formula_in_text_stays_text_in_xlsx(client, organisation):
    ProjectFactory(organisation=organisation, nom_projet='=HYPERLINK("http://evil")')
    _, body = download(client, "xlsx")
    cell = load_workbook(io.BytesIO(body))["Projets"]["B2"]
    assert cell.data_type == "s"


def test_export_csv_then_import_is_unchanged(client, tmp_path):
    from territoria.registre.importers.corrections import load_corrections

    from .import_helpers import ANCHOR_CSV

    import_file(ANCHOR_CSV, corrections=load_corrections())
    _, body = download(client, "csv")
    path = tmp_path / "export.csv"
    path.write_bytes(body)
    report = import_file(path)
    assert report.counts == {"created": 0, "updated": 0, "unchanged": 23, "rejected": 0}, (
        report.render_text()
    )


def test_export_xlsx_and_all_fields_csv_reimport_unchanged(client, agent, projects, tmp_path):
    client.force_login(agent)
    for format, params in (("xlsx", {}), ("csv", {"champs": "tous"})):
        _, body = download(client, format, **params)
        path = tmp_path / f"export.{format}"
        path.write_bytes(body)
        report = import_file(path)
        # The agent sees its organisation's records: the two published ones here.
        assert report.counts["unchanged"] == 2 and report.ok, report.render_text(verbose=True)


def test_table_schema_validates_with_frictionless(client):
    from frictionless import Schema, validate

    response = client.get("/registre/schema.json")
    descriptor = response.json()
    assert [f["name"] for f in descriptor["fields"]] == [spec.name for spec in schema.FIELDS]
    theme = next(f for f in descriptor["fields"] if f["name"] == "theme")
    assert theme["constraints"]["required"] is True and "Mobilités" in theme["constraints"]["enum"]
    assert next(f for f in descriptor["fields"] if f["name"] == "budget")["access"] == "restreint"
    Schema.from_descriptor(descriptor)
    assert validate(descriptor, type="schema").valid


def test_all_fields_csv_validates_against_the_table_schema(client, agent, projects, tmp_path):
    from frictionless import Resource, Schema

    client.force_login(agent)
    _, body = download(client, "csv", champs="tous")
    path = tmp_path / "export.csv"
    path.write_bytes(body)
    descriptor = client.get("/registre/schema.json").json()
    report = Resource(
        path="export.csv", basepath=str(tmp_path), schema=Schema.from_descriptor(descriptor)
    ).validate()
    errors = [e.message for task in report.tasks for e in task.errors]
    # Restricted required fields left empty by the factory are the only expected gaps.
    assert all('constraint "required"' in message for message in errors), errors[:3]


def test_cli_export_anonymous_by_default_and_restricted_on_request(projects, tmp_path):
    out = tmp_path / "export.json"
    call_command("export_registre", "--format", "json", "--output", str(out))
    text = out.read_text()
    assert "Fuites d'eau" in text and SECRET_CONTACT not in text and "Brouillon caché" not in text
    call_command("export_registre", "--format", "json", "--output", str(out), "--restricted")
    text = out.read_text()
    assert SECRET_CONTACT in text and "Brouillon caché" not in text
    call_command("export_registre", "--format", "table-schema", "--output", str(out))
    assert json.loads(out.read_text())["fields"][0]["name"] == "coll_nom"
    call_command("export_registre", "--format", "xlsx", "--output", str(tmp_path / "x.xlsx"))
    assert SECRET_CONTACT not in _xlsx_text((tmp_path / "x.xlsx").read_bytes())


def _xlsx_text(body: bytes) -> str:
    workbook = load_workbook(io.BytesIO(body))
    return "\n".join(
        "\t".join("" if v is None else str(v) for v in row)
        for row in workbook["Projets"].iter_rows(values_only=True)
    )


def test_spreadsheet_csv_has_bom_semicolons_decimal_commas_and_titles(
    client, projects, organisation
):
    response, body = download(client, "csv", tableur="1")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "-tableur.csv" in response["Content-Disposition"]
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    public = [spec for spec in schema.FIELDS if spec.is_public]
    assert list(rows[0]) == [spec.title for spec in public]  # the public AI-Act fields too
    assert any(spec.name == "risque_categorie" for spec in public)
    water = next(row for row in rows if row[schema.spec("nom_projet").title] == "Fuites d'eau")
    latitude = water[schema.spec("latitude").title]
    assert latitude == str(organisation.latitude).replace(".", ",") and "," in latitude
    for secret in SECRETS:
        assert secret not in text
    assert "Brouillon caché" not in text


def test_spreadsheet_csv_keeps_the_filters_and_refuses_unknown_ones(client, projects):
    _, body = download(client, "csv", tableur="1", theme="mobilites")
    text = body.decode("utf-8-sig")
    assert "Feux intelligents" in text and "Fuites d'eau" not in text
    response = client.get(
        reverse("registre:export", kwargs={"format": "csv"}), {"tableur": "1", "theme": "zzz"}
    )
    assert response.status_code == 400 and "Thème" in response.content.decode()


def test_the_list_offers_both_csv_files(client, projects):
    html = client.get(reverse("registre:list"), {"theme": "mobilites"}).content.decode()
    assert 'href="/registre/export.csv?tableur=1&amp;theme=mobilites"' in html
    assert 'href="/registre/export.csv?theme=mobilites"' in html
    assert "CSV pour tableur" in html


def test_xlsx_columns_have_french_titles_and_the_titles_re_import(client, projects, tmp_path):
    """Issue 12: the XLSX shows human column titles (as the spreadsheet CSV), not field ids,
    and still re-imports (the importer recognises the titles)."""
    _, body = download(client, "xlsx")
    workbook = load_workbook(io.BytesIO(body))
    header = next(workbook["Projets"].iter_rows(values_only=True))
    assert "Porteur" in header and "Identifiant SIRET de la collectivité" in header
    assert not {"coll_nom", "nom_projet", "coll_siret"} & set(header)
    legend = list(workbook["Champs"].iter_rows(values_only=True))
    assert legend[0] == ("Colonne", "Identifiant du champ", "Description", "Accès")
    assert ("Projet", "nom_projet") in {row[:2] for row in legend[1:]}
    path = tmp_path / "export.xlsx"
    path.write_bytes(body)
    report = import_file(path)
    assert "titres des colonnes en clair" in report.format
    assert report.ok and report.counts["rejected"] == 0, report.render_text(verbose=True)


def test_schema_titles_are_unique_so_a_titled_header_maps_back():
    titles = [spec.title for spec in schema.FIELDS]
    assert len(titles) == len(set(titles))
