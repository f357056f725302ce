"""What the portal shows a person is French words, not the engine's names."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoria.opendata import publishing
from territoria.opendata.labels import date_format_label, size_label, type_label

from .conftest import SUBSIDIES, new_resource, upload


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_labels_translate_types_date_formats_and_sizes():
    assert type_label("string") == "texte" and type_label("number") == "nombre décimal"
    assert date_format_label("%d/%m/%Y") == "JJ/MM/AAAA"
    assert date_format_label("%Y-%m-%d %H:%M") == "AAAA-MM-JJ hh:mm"
    assert size_label("1GB") == "1 Go" and size_label("512MB") == "512 Mo"


def test_review_page_shows_types_and_date_formats_in_french(client, agent, dataset):
    client.force_login(agent)
    response = client.post(
        reverse("opendata:resource-add", args=[dataset.slug]),
        {"file": SimpleUploadedFile(SUBSIDIES.name, SUBSIDIES.read_bytes())},
    )
    html = client.get(response["Location"]).content.decode()
    schema = html[html.index("Schéma déduit") :]
    schema = schema[: schema.index("</table>")]
    assert re.search(r"SIRET</th><td>texte</td>", schema)
    assert re.search(r"Montant \(€\)</th><td>nombre décimal</td>", schema)
    assert "JJ/MM/AAAA" in schema
    for word in (">string<", ">number<", "%d", "%m", "%Y"):
        assert word not in schema, word


def test_aggregation_title_and_headers_in_french(client, subsidies):
    html = client.get(
        subsidies.get_absolute_url(), {"_group_by": "Objet de la subvention", "_agg": "count"}
    ).content.decode()
    assert "Nombre de lignes par « Objet de la subvention »" in html
    headers = re.findall(r'<th scope="col">([^<]*)</th>', html)
    assert "Nombre de lignes" in headers and "count" not in headers
    assert "count par" not in _text(html)


def test_sql_console_states_memory_in_french_units(client, subsidies, settings):
    settings.OPENDATA_SQL_PROCESS_MEMORY_MB = 512  # the cap of the query's own process
    text = _text(client.get(reverse("opendata:sql")).content.decode())
    assert "512 Mo de mémoire" in text and "512MB" not in text
    assert "texte" in text and " string " not in text


def test_broken_workbook_is_explained_in_french(dataset):
    version = publishing.receive_file(
        new_resource(dataset), upload("budget.xlsx", b"commune;montant\nLyon;12\n"), "budget.xlsx"
    )
    version.refresh_from_db()
    assert version.status == "failed"
    assert "zip" not in version.error.lower() and "File is not" not in version.error
    assert "n'est pas un classeur Excel .xlsx valide" in version.error
    assert "enregistrez-le" in version.error
