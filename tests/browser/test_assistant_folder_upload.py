"""A folder with more files than one request may carry (Django's DATA_UPLOAD_MAX_NUMBER_FILES,
100 by default) is sent in several requests by upload.js, paths inside the folder kept, hidden
folders skipped (issue 11, L3: such a folder got a bare 400 and nothing was stored)."""

import re

import pytest
from playwright.sync_api import expect

from territoria.assistant.models import Collection, Document, Visibility
from tests.browser.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_large_folder_is_sent_in_several_requests(
    page, live_server, agent, organisation, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3  # a 7-file folder stands for a 300-file one
    Collection.objects.create(
        slug="procedures",
        name="Procédures",
        visibility=Visibility.ORGANISATION,
        organisation=organisation,
    )
    folder = tmp_path / "notes"
    (folder / "rh").mkdir(parents=True)
    (folder / ".git").mkdir()
    (folder / ".git" / "config.md").write_text("# Caché\n\nNe pas indexer.\n")
    names = [f"note-{n}.md" for n in range(4)] + [f"rh/fiche-{n}.md" for n in range(3)]
    for name in names:
        (folder / name).write_text(f"# {name}\n\nContenu de {name}, pour l'indexation.\n")
    page.set_default_navigation_timeout(60_000)  # the upload reloads after three requests
    log_in(page, live_server, agent.username)
    page.goto(live_server.url + "/assistant/collections/procedures/")
    page.get_by_label(re.compile("dossier entier")).set_input_files(str(folder))
    page.get_by_role("button", name="Envoyer et indexer").click()
    expect(page.locator("table.documents tbody tr")).to_have_count(7, timeout=30_000)
    # The messages of the three requests: 3 + 3 + 1 files, and the hidden folder left out.
    expect(page.get_by_text(re.compile(r"fichier\(s\) reçu\(s\)"))).to_have_count(3)
    expect(page.get_by_text("1 fichier(s) caché(s) ignoré(s).")).to_be_visible()
    assert sorted(Document.objects.values_list("source", flat=True)) == sorted(
        f"notes/{name}" for name in names
    )
