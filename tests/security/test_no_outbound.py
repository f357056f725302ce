"""No route out (issue 11, "prove it holds"): the test session is guarded by
tests/socket_guard.py; the demo start (`make run`: migrate, load_demo, then web + worker +
scheduler) is checked under strace, which sees every process it starts."""

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests import socket_guard

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "/",
    "/registre/",
    "/registre/recherche/?q=eau",
    "/donnees/",
    "/assistant/",
    "/api/schema/",
]


def _expect_refused(action) -> str:
    before = len(socket_guard.attempts)
    with pytest.raises(socket_guard.OutboundConnectionBlocked):
        action()
    assert len(socket_guard.attempts) == before + 1
    return socket_guard.attempts.pop()  # expected here: not counted against the session


def test_guard_refuses_and_records_outbound_connections_and_dns():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        assert "192.0.2.1" in _expect_refused(lambda: sock.connect(("192.0.2.1", 443)))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        _expect_refused(lambda: sock.sendto(b"x", ("9.9.9.9", 53)))
    assert "example.org" in _expect_refused(lambda: socket.getaddrinfo("example.org", 443))


def test_guard_lets_loopback_through():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
    assert socket.getaddrinfo("localhost", 80)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"{url} ne répond pas après {timeout} s")


OUTBOUND = re.compile(
    r"(connect|sendto|sendmsg)\(\d+, .*sa_family=AF_INET6?, .*?"
    r"(?:inet_addr\(\"(?P<v4>[^\"]+)\"\)|inet_pton\(AF_INET6, \"(?P<v6>[^\"]+)\")"
)


def outbound_destinations(trace: str) -> list[str]:
    """Non-loopback IPv4/IPv6 destinations of connect/sendto/sendmsg in an strace log."""
    found = []
    for match in OUTBOUND.finditer(trace):
        address = match.group("v4") or match.group("v6")
        if not (address.startswith("127.") or address in {"::1", "::ffff:127.0.0.1"}):
            found.append(match.group(0))
    return found


def test_strace_parser_sees_an_outbound_connect():
    line = (
        '12 connect(5, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("192.0.2.1")}'
        ", 16) = -1 ENETUNREACH"
    )
    loop = line.replace("192.0.2.1", "127.0.0.1")
    assert len(outbound_destinations(line)) == 1 and outbound_destinations(loop) == []


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("strace"), reason="strace n'est pas installé")
def test_demo_start_and_page_loads_connect_nowhere(tmp_path):
    """What `make run` does, every process under strace: 0 connection out of the machine."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "territoria.settings",  # as `make run`, not the tests' settings
        "TERRITORIA_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("DATABASE_URL", None)
    env.pop("TERRITORIA_DATABASE_URL", None)
    trace = tmp_path / "strace"
    strace = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace)]
    territoria = [sys.executable, "-m", "territoria"]
    for step in (["migrate", "--noinput"], ["load_demo"]):
        subprocess.run(
            [*strace[:-1], f"{trace}.{step[0]}", *territoria, *step], env=env, check=True
        )
    port = _free_port()
    run = subprocess.Popen(
        [*strace, *territoria, "run", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/", timeout=240)
        for page in PAGES:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{page}", timeout=60) as response:
                assert response.status == 200, page
        time.sleep(5)  # the worker and the scheduler go through a few rounds
    finally:
        os.killpg(run.pid, signal.SIGINT)
        run.wait(timeout=60)
    with sqlite3.connect(tmp_path / "territoria.sqlite3") as db:  # the worker did work, traced
        done = db.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL'"
        ).fetchone()[0]
    assert done > 0
    logs = "".join(path.read_text() for path in tmp_path.glob("strace*"))
    assert "sendto(" in logs  # the trace saw the server answer the pages: it was watching
    assert outbound_destinations(logs) == []
