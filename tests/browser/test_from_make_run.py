"""The journeys of issue 12 on what the README's first command starts, and nothing else.

`make run` = `territoria migrate` + `territoria load_demo` + `territoria run` (web, job worker
and scheduler under one supervisor). This test runs exactly those commands on a fresh data
folder, in their own processes with the production settings (no test settings, no inline
jobs), then walks the register, the assistant and the open-data portal in Chromium as a
newcomer would: the worker must pick up the open-data analysis and the register's embeddings
for the journeys to finish. Screenshots: demarrage-*.png (see support.SCREENSHOTS).
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser.support import check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo-" + secrets.token_urlsafe(12)
JOB_TIMEOUT_MS = 240_000  # a job waits for the worker's next poll, on a loaded machine


def _territoria(*args, env, cwd, timeout=600):
    done = subprocess.run(
        [sys.executable, "-m", "territoria", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"territoria {' '.join(args)} :\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    folder = tmp_path_factory.mktemp("make-run")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TERRITORIA_")
        and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env |= {
        "PYTHONPATH": str(ROOT / "src"),
        "TERRITORIA_DATA_DIR": str(folder / "donnees"),
        "TERRITORIA_DEMO_PASSWORD": DEMO_PASSWORD,
    }
    _territoria("migrate", "--noinput", env=env, cwd=folder)
    demo = _territoria("load_demo", env=env, cwd=folder)
    assert "agent.metz" in demo
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = folder / "run.log"
    run = subprocess.Popen(
        [sys.executable, "-m", "territoria", "run", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env, cwd=folder, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while True:
        assert run.poll() is None, f"territoria run s'est arrêté :\n{log.read_text()[-3000:]}"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.5)
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{port}")
    finally:
        os.killpg(run.pid, signal.SIGINT)  # the one Ctrl-C the README promises
        try:
            assert run.wait(timeout=60) == 0, log.read_text()[-3000:]
        finally:
            if run.poll() is None:
                os.killpg(run.pid, signal.SIGKILL)


def _visit(page, name):
    check_accessibility(page)
    screenshot(page, f"demarrage-{name}")


def test_a_visitor_finds_a_project_of_the_demo_register(page, instance):
    page.goto(instance.url + "/")
    page.get_by_label("Rechercher un projet, une collectivité, un usage").fill("fuites d'eau")
    page.get_by_role("button", name="Rechercher").click()
    results = page.locator("section.results li.project-card")
    expect(results.first).to_contain_text(
        re.compile("fuite", re.IGNORECASE)
    )  # the best match first
    _visit(page, "recherche")
    first = results.first.locator(".card-title a")
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    _visit(page, "fiche")


def test_an_agent_asks_the_assistant_about_the_register(page, instance):
    log_in(page, instance, "agent.metz", DEMO_PASSWORD)
    page.goto(instance.url + "/assistant/")
    page.get_by_label("Votre question").fill("Quelles collectivités détectent les fuites d'eau ?")
    page.get_by_role("button", name="Demander").click()
    exchange = page.locator("article.exchange").last
    expect(exchange.locator(".question")).to_be_visible()
    # A cited answer from the register's public records: [1] is the first citation.
    expect(exchange).to_contain_text("[1]", timeout=60_000)
    expect(exchange).to_contain_text(re.compile("fuite", re.IGNORECASE))
    _visit(page, "assistant")


def test_an_agent_publishes_a_file_analysed_by_the_worker(page, instance, tmp_path):
    data = tmp_path / "bornes-recharge.csv"
    data.write_text(
        "commune;bornes;puissance_kw\nMetz;12;22\nWoippy;3;11\nMontigny-lès-Metz;5;22\n",
        encoding="utf-8",
    )
    log_in(page, instance, "agent.metz", DEMO_PASSWORD)
    page.goto(instance.url + "/")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Données ouvertes"
    ).click()
    page.get_by_role("link", name="Publier un jeu de données").click()
    page.get_by_role("textbox", name="Titre (obligatoire)", exact=True).fill(
        "Bornes de recharge de la métropole"
    )
    page.get_by_label(re.compile("^Description")).fill("Bornes publiques par commune.")
    page.get_by_label("Thème").select_option("TRAN")
    page.get_by_label("Fréquence de mise à jour").select_option("annual")
    page.get_by_label("Fichier", exact=True).set_input_files(str(data))
    page.get_by_role("button", name="Envoyer et analyser").click()
    # The analysis is a job of the real worker: the page follows it until it is done.
    expect(page.locator("#version-status")).to_contain_text(
        "À vérifier avant publication", timeout=JOB_TIMEOUT_MS
    )
    expect(page.get_by_role("region", name="Aperçu des premières lignes")).to_contain_text(
        "Montigny-lès-Metz"
    )
    _visit(page, "donnees-analyse")
    page.get_by_role("button", name="Publier la version 1").click()
    # Publication is a job of the worker too: the version page follows it, then links the data.
    expect(page.locator("#version-status")).to_contain_text("Publié", timeout=JOB_TIMEOUT_MS)
    page.get_by_role("link", name="Consulter cette version").click()
    expect(page.get_by_role("region", name="Tableau des données")).to_contain_text("Woippy")
    _visit(page, "donnees-publiees")


def test_the_register_is_an_open_dataset_and_the_operator_sees_the_worker(page, instance):
    # The worker published the register as a dataset of the portal, with no one asking.
    register = page.get_by_role("link", name="Registre des systèmes d'IA des collectivités")
    deadline = time.monotonic() + JOB_TIMEOUT_MS / 1000
    while True:
        page.goto(instance.url + "/donnees/")
        if register.count() or time.monotonic() > deadline:
            break
        time.sleep(5)
    expect(register).to_be_visible()
    # The operators' page: the worker of `territoria run` is alive, its queue drains.
    log_in(page, instance, "exploitant", DEMO_PASSWORD)
    page.goto(instance.url + "/exploitation/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Exploitation de la plateforme")
    workers = page.get_by_role("table", name="Processus de traitement connus")
    expect(workers.locator("tbody tr").first).to_contain_text("actif")
    expect(page.get_by_text("Aucun processus de traitement actif")).to_have_count(0)
    _visit(page, "exploitation")
