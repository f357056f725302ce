"""`python -m benchmarks.assistant_fiches_journey --data-dir DIR [--questions 3] [--screenshots D]`:
a citizen on the public assistant page, over the whole Service-Public collection (7 180 fiches),
in Chromium — the issue-20 journey at full size, where the browser test uses 13 fiches.

DIR is a data folder indexed by `python -m benchmarks.assistant_fiches … --live` (collection
"fiches", public). The server is the one `territoria serve` starts on that folder; the questions
are the first N of the fresh set (benchmarks/data/fiches_citizen_questions_fresh.json, never
tuned on), taken in file order whatever their outcome — not chosen for the screenshots — each in
a new conversation, twice: right after the server starts and again (before 4 December a large
collection's page index was built in the background meanwhile; it is now read from the copy
the ingestion left on disk, so both passes should agree). For each: abstained or answered, the
fiches cited, whether the gold fiche is among them, the seconds from the click to the answer; a
screenshot of each second-pass exchange when --screenshots is given.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from benchmarks.assistant_fiches import QUESTIONS_FRESH


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)  # the local server only
            return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"le serveur ne répond pas sur {url}")


def _fiches(links: list[str]) -> list[str]:
    """The fiche ids (file names without .md) of the documents these links open."""
    from territoria.assistant.models import Document

    pks = {m for link in links for m in re.findall(r"/documents/([0-9a-f-]{36})/", link or "")}
    sources = Document.objects.filter(pk__in=pks).values_list("source", flat=True)
    return sorted({Path(source).stem for source in sources})


def _ask(page, item: dict) -> dict:
    """One question on the public page, as a citizen types it; what came back."""
    page.get_by_label("Votre question").fill(item["question"])
    began = time.perf_counter()
    page.get_by_role("button", name="Demander").click()
    exchange = page.locator("article.exchange").last
    exchange.locator(".answer").wait_for()
    seconds = time.perf_counter() - began
    answer = exchange.locator(".answer").inner_text()
    exchange.scroll_into_view_if_needed()
    return {
        "id": item["id"],
        "question": item["question"],
        "gold": item["gold"],
        "abstained": "Je ne trouve pas de réponse" in answer,
        # the cited documents' links, named after the browser closes (Django is sync)
        "links": exchange.locator(".sources li a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        ),
        "seconds": round(seconds, 2),
        "answer_start": answer[:300],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_fiches_journey")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--screenshots", type=Path)
    parser.add_argument("--out", default="assistant_fiches_journey")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from benchmarks import setup_django, write_result

    setup_django(args.data_dir, embedded=True)  # to name the cited documents

    questions = json.loads(QUESTIONS_FRESH.read_text("utf-8"))["questions"][: args.questions]
    port = _free_port()
    env = {
        **os.environ,
        "TERRITORIA_DATA_DIR": str(args.data_dir.resolve()),
        # one browser asks every question in a few minutes: more than a citizen's 20 a minute
        "TERRITORIA_ASSISTANT_ANON_QUESTION_RATE": "1000/min",
    }
    env.pop("TERRITORIA_DATABASE_URL", None)
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "territoria", "serve", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        _wait(base + "/assistant/public/")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                args=["--no-sandbox"],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
            page.set_default_timeout(180_000)
            # Pass 1 right after the server starts: the first question starts building the
            # page index of each collection in the background (44 000 passages: tens of
            # seconds), and until it is ready the passages are ranked alone. Pass 2 asks the
            # same questions again, each in a new conversation as on pass 1.
            for run in (1, 2):
                for number, item in enumerate(questions, start=1):
                    page.goto(base + "/assistant/public/")  # a new conversation
                    row = _ask(page, item)
                    rows.append({"pass": run, **row})
                    if args.screenshots and run == 2:
                        args.screenshots.mkdir(parents=True, exist_ok=True)
                        page.screenshot(
                            path=str(args.screenshots / f"assistant-fiches-7180-{number}.png")
                        )
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    for row in rows:
        row["cited"] = _fiches(row.pop("links"))
        row["gold_cited"] = row["gold"] in row["cited"]
    figures = {
        "collection": "fiches (7 180 Service-Public fiches, public)",
        "questions": "the first N of benchmarks/data/fiches_citizen_questions_fresh.json",
        "results": rows,
        "passes": {
            str(run): {
                "questions": sum(r["pass"] == run for r in rows),
                "gold_cited": sum(r["gold_cited"] for r in rows if r["pass"] == run),
                "abstained": sum(r["abstained"] for r in rows if r["pass"] == run),
                "median_seconds": statistics.median(r["seconds"] for r in rows if r["pass"] == run),
            }
            for run in (1, 2)
        },
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
    }
    path = write_result(args.out, figures)
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
