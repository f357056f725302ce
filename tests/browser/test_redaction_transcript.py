"""Minutes from a meeting transcript, in a real browser: the agent uploads the WebVTT a speech
recogniser wrote, the worker runs the job, the minutes show the speakers, the agenda announced
aloud, the decisions and the actions with their owners, each with its time code; the agent
copies the text. Screenshot: docs/redaction.md embeds it."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.support import check_accessibility, log_in, screenshot
from tests.jobs import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRANSCRIPT = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "redaction"
    / "transcriptions"
    / "bureau-communautaire-2025-03-11.vtt"
)


@pytest.fixture(autouse=True)
def queued_jobs(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.LLM_BASE_URL = ""  # extractive: deterministic


def test_agent_turns_a_transcript_into_minutes_and_copies_them(page, live_server, agent):
    # the first request of a fresh live server can be slow on a loaded machine
    page.goto(live_server.url + "/connexion/", timeout=60_000)
    log_in(page, live_server, "agent")
    page.goto(live_server.url + "/redaction/outils/minutes/")
    page.get_by_label("Titre (pour vous retrouver)").fill("Bureau du 11 mars")
    page.get_by_label(re.compile(r"^Ou un fichier")).set_input_files(str(TRANSCRIPT))
    page.get_by_role("button", name="Lancer").click()
    expect(page.get_by_role("progressbar", name="Avancement")).to_be_visible()
    run_worker()
    expect(
        page.get_by_role("heading", name="Compte rendu (extraits de la transcription)")
    ).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Présents (intervenants) :", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="le schéma des aires de covoiturage")).to_be_visible()
    actions = page.get_by_role("table", name="Actions — le schéma des aires de covoiturage")
    expect(actions).to_contain_text("Sarah Benhamou")
    expect(actions).to_contain_text("2025-04-30")
    expect(actions).to_contain_text("00:01:05, ligne 45")
    check_accessibility(page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_text("Texte à copier").click()
    page.get_by_role("button", name="Copier le texte").click()
    expect(page.get_by_role("status")).to_have_text("Texte copié.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("# Compte rendu") and "Sarah Benhamou" in copied
    screenshot(page, "redaction-6-transcription")
