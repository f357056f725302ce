"""One rule for the start year of a project (1990–2100) on every route, and a CSV field too large
for the reader reported as such, with its line."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from territoria.registre.exports.table_schema import table_schema
from territoria.registre.importers.service import import_file
from territoria.registre.models import Project

from .import_helpers import anchor_row, write_csv

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["0001-03", "03/2173", "1989-12-01"])
def test_api_start_year_out_of_bounds_is_refused_in_french(agent, value):
    client = APIClient()
    client.force_authenticate(agent)
    response = client.post(
        "/api/registre/projets/", {"nom_projet": "Projet daté", "projet_date": value}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "1990" in response.content.decode() and "2100" in response.content.decode()
    assert not Project.objects.exists()


def test_api_start_year_within_bounds_is_accepted(agent):
    client = APIClient()
    client.force_authenticate(agent)
    response = client.post(
        "/api/registre/projets/",
        {"nom_projet": "Projet daté", "projet_date": "2100-12"},
        format="json",
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("value", ["01/0001", "03/2173"])
def test_import_start_year_out_of_bounds_is_rejected_naming_line_and_column(tmp_path, value):
    rows = [anchor_row(), anchor_row(Nom_du_projet="Second", Date_de_demarrage=value)]
    report = import_file(write_csv(tmp_path, rows))
    assert not report.ok
    [error] = report.errors
    assert (error.line, error.column) == (3, "Date_de_demarrage")
    assert "1990" in error.message
    assert not Project.objects.exists()


def test_form_start_year_out_of_bounds_uses_the_same_rule(client, agent):
    client.force_login(agent)
    response = client.post(
        reverse("registre:create"),
        {"nom_projet": "Projet daté", "projet_date": "03/2173", "action": "draft"},
    )
    assert response.status_code == 200
    assert "de 1990 à 2100" in response.content.decode()


def test_table_schema_states_the_start_year_bounds():
    [field] = [f for f in table_schema()["fields"] if f["name"] == "projet_date"]
    assert field["constraints"]["minimum"] == "01/1990"
    assert field["constraints"]["maximum"] == "12/2100"


def test_csv_with_a_10_mb_field_is_refused_naming_the_line(tmp_path):
    rows = [
        anchor_row(),
        anchor_row(Nom_du_projet="Second", Description_service="x" * (10 * 1024 * 1024)),
        anchor_row(Nom_du_projet="Troisième"),
    ]
    report = import_file(write_csv(tmp_path, rows), dry_run=True)
    assert not report.ok
    [error] = report.errors
    assert error.line == 3 and "trop long" in error.message
    assert "ligne 3" in str(error)


def test_csv_field_limit_holds_when_another_library_raised_the_csv_module_limit(tmp_path):
    import csv
    import sys

    previous = csv.field_size_limit(sys.maxsize)  # as some libraries do when imported
    try:
        rows = [anchor_row(Description_service="x" * (200 * 1024))]
        report = import_file(write_csv(tmp_path, rows), dry_run=True)
    finally:
        csv.field_size_limit(previous)
    [error] = report.errors
    assert error.line == 2 and "trop long" in error.message
