"""A long text cell is shown cut with a « tout afficher » control (details/summary), in the
preview, the data table and the SQL console; the publication stays one link away."""

from html import unescape

from django.urls import reverse

from territoria.opendata import publishing
from territoria.opendata.templatetags.opendata_labels import CELL_CHARS, cell

from .conftest import new_resource, upload

LONG = "Description très détaillée du projet " * 20  # 740 characters


def test_cell_cuts_long_text_and_escapes_it():
    assert cell(None) == "" and cell(0) == "0" and cell("court") == "court"
    html = cell("<b>" + LONG)
    assert html.startswith('<details class="od-cell"><summary>') and "tout afficher" in html
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert len(unescape(html.split("</summary>")[0])) < CELL_CHARS + 120


def test_preview_and_table_show_long_text_cut_with_the_whole_text_one_click_away(
    client, agent, dataset
):
    resource = new_resource(dataset, "Projets")
    content = f"titre;description\nA;{LONG}\nB;court\n".encode()
    version = publishing.receive_file(resource, upload("p.csv", content), "p.csv")
    version.refresh_from_db()
    client.force_login(agent)
    url = reverse("opendata:version", args=[dataset.slug, resource.slug, version.number])
    page = unescape(client.get(url).content.decode())
    assert page.count('<details class="od-cell">') == 1 and LONG.strip() in page
    assert 'href="#publier"' in page
    if version.status == "review":
        publishing.request_publication(version, [], [f["column"] for f in version.personal_data])
    resource.refresh_from_db()
    table = unescape(client.get(resource.get_absolute_url()).content.decode())
    assert table.count('<details class="od-cell">') == 1
