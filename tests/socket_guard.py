"""No route out: the whole test session may use loopback and unix sockets only.

Registered from tests/conftest.py, it is installed when pytest starts (before any fixture,
for every thread) and guards `connect`, `connect_ex`, `sendto` and name resolution. An
attempt to reach another address is refused with `OutboundConnectionBlocked` and
recorded; a session that recorded any fails at the end with the list, even when the code
under test caught the error. Subprocesses are not covered here: the demo start is checked
under strace by tests/security/test_no_outbound.py.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "testserver", ""}
attempts: list[str] = []  # what the session tried to reach, with the test that tried
_current_test = ["(collecte)"]
_true = {
    "connect": socket.socket.connect,
    "connect_ex": socket.socket.connect_ex,
    "sendto": socket.socket.sendto,
    "getaddrinfo": socket.getaddrinfo,
    "gethostbyname": socket.gethostbyname,
    "gethostbyname_ex": socket.gethostbyname_ex,
}


class OutboundConnectionBlocked(ConnectionRefusedError):
    """An OSError, as a real refused connection is: code under test handles it as such."""


def _is_local_host(host) -> bool:
    if host is None or isinstance(host, bytes) and not host:
        return True
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host.lower() in LOOPBACK_NAMES or host == socket.gethostname():
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _is_literal_address(host) -> bool:
    try:
        ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return False
    return True


def _refuse(what: str):
    attempts.append(f"{_current_test[0]}: {what}")
    raise OutboundConnectionBlocked(f"Connexion sortante refusée pendant les tests : {what}")


def _check_address(sock, address) -> None:
    if sock.family == getattr(socket, "AF_UNIX", None):
        return
    host = address[0] if isinstance(address, tuple) else address
    if not _is_local_host(host):
        _refuse(f"{address!r}")


def _connect(sock, address):
    _check_address(sock, address)
    return _true["connect"](sock, address)


def _connect_ex(sock, address):
    _check_address(sock, address)
    return _true["connect_ex"](sock, address)


def _sendto(sock, data, *args):
    _check_address(sock, args[-1])
    return _true["sendto"](sock, data, *args)


def _getaddrinfo(host, *args, **kwargs):
    # Resolving a name other than this machine's asks a DNS server: that is a route out.
    if not (_is_local_host(host) or _is_literal_address(host)):
        _refuse(f"résolution DNS de {host!r}")
    return _true["getaddrinfo"](host, *args, **kwargs)


def _resolver(name):
    def resolve(host, *args, **kwargs):
        if not (_is_local_host(host) or _is_literal_address(host)):
            _refuse(f"résolution DNS de {host!r}")
        return _true[name](host, *args, **kwargs)

    return resolve


def install() -> None:
    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex
    socket.socket.sendto = _sendto
    socket.getaddrinfo = _getaddrinfo
    socket.gethostbyname = _resolver("gethostbyname")
    socket.gethostbyname_ex = _resolver("gethostbyname_ex")


def pytest_configure(config):
    install()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _current_test[0] = item.nodeid
    try:
        return (yield)
    finally:
        _current_test[0] = "(hors test)"


def pytest_sessionfinish(session, exitstatus):
    if attempts:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_sep("-", f"connexions sortantes tentées : {len(attempts)}")
    for attempt in attempts:
        terminalreporter.write_line(attempt)
