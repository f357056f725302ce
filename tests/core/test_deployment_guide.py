"""docs/deployment.md followed by a test: the nginx server blocks and the production
variables of the guide, taken from the document itself, in front of `territoria serve`.

Only what a test machine cannot have is changed: ports (free ones instead of 80/443), a
self-signed certificate, the data folder and SQLite (the guide's PostgreSQL is the same
application; its backup/restore is tested in test_backup_restore.py). Each substitution
asserts that the guide still holds the text it replaces, so a change of the guide that the
test no longer follows fails here. The systemd units of the guide are checked by
`systemd-analyze verify`.

The client connects from 127.0.0.2 while nginx talks to gunicorn from 127.0.0.1: the
address the login lockout records shows which one the platform believed."""

import http.client
import os
import re
import secrets
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
HOST = "ia.example-collectivite.fr"
CLIENT = "127.0.0.2"  # the citizen's address, as nginx sees it
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(NGINX).exists(), reason="nginx absent : apt-get install nginx (voir .ci/run)"
    ),
]


def _block(after: str, language: str) -> str:
    """The first ```language block of the guide after the heading `after`."""
    section = GUIDE.split(after, 1)[1]
    return re.search(rf"```{language}\n(.*?)```", section, re.DOTALL).group(1)


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"le guide ne contient plus « {old} » : mettez ce test à jour"
    return text.replace(old, new)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds=300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"le processus s'est arrêté :\n{log.read_text()[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    pytest.fail(f"rien n'écoute sur {port} après {seconds} s :\n{log.read_text()[-3000:]}")


def _environment(data: Path) -> dict:
    values = {}
    for line in _block("## 3. Variables d'environnement", "sh").splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values[key] = value
    assert values["TERRITORIA_SECRET_KEY"].startswith("<")  # a placeholder, filled here
    values.update(
        TERRITORIA_SECRET_KEY=secrets.token_urlsafe(50),
        TERRITORIA_DATA_DIR=str(data),
        TERRITORIA_DATABASE_URL=f"sqlite:///{data / 'territoria.sqlite3'}",
        TERRITORIA_WORKERS="1",
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TERRITORIA_")
        and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env["PYTHONPATH"] = str(ROOT / "src")
    return env | values


def _nginx_config(tmp: Path, http_port: int, https_port: int, app_port: int, data: Path) -> Path:
    servers = _block("## 5. Proxy inverse HTTPS (nginx)", "nginx")
    servers = _replace(servers, "listen 80;", f"listen 127.0.0.1:{http_port};")
    servers = _replace(
        servers, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"
    )
    servers = _replace(servers, "/etc/ssl/territoria/fullchain.pem", str(tmp / "cert.pem"))
    servers = _replace(servers, "/etc/ssl/territoria/privkey.pem", str(tmp / "key.pem"))
    servers = _replace(servers, "/srv/territoria/data/static/", f"{data / 'static'}/")
    servers = _replace(
        servers, "proxy_pass http://127.0.0.1:8000;", f"proxy_pass http://127.0.0.1:{app_port};"
    )
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={HOST}", "-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    temp = tmp / "nginx-temp"
    temp.mkdir()
    # Run as root (CI), nginx's workers would drop to `nobody`, who cannot read pytest's
    # private temporary folder: keep them as the user that runs the test.
    user = "user root root;" if os.geteuid() == 0 else ""
    config = tmp / "nginx.conf"
    config.write_text(
        f"""{user}
daemon off;
worker_processes 1;
pid {tmp / "nginx.pid"};
error_log {tmp / "nginx-error.log"} warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp / "nginx-access.log"};
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{servers}
}}
"""
    )
    return config


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deploiement")
    data = tmp / "data"
    env = _environment(data)
    run = lambda *args: subprocess.run(
        [sys.executable, "-m", "territoria", *args],
        env=env, cwd=tmp, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    for step in (["setup"], ["migrate"], ["check", "--deploy", "--fail-level", "WARNING"]):
        done = run(*step)
        assert done.returncode == 0, f"territoria {' '.join(step)} :\n{done.stdout}{done.stderr}"

    app_port, http_port, https_port = _free_port(), _free_port(), _free_port()
    app_log = tmp / "gunicorn.log"
    app = subprocess.Popen(
        [sys.executable, "-m", "territoria", "serve", "--bind", f"127.0.0.1:{app_port}"],
        env=env, cwd=tmp, stdout=app_log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    config = _nginx_config(tmp, http_port, https_port, app_port, data)
    checked = subprocess.run(
        [NGINX, "-t", "-c", str(config)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    nginx_log = tmp / "nginx.out"
    nginx = subprocess.Popen(
        [NGINX, "-c", str(config)], stdout=nginx_log.open("w"), stderr=subprocess.STDOUT
    )
    try:
        _wait_for_port(app_port, app, app_log)
        _wait_for_port(https_port, nginx, nginx_log)
        yield {"http": http_port, "https": https_port, "data": data, "tmp": tmp}
    finally:
        for process in (nginx, app):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _https(deployed, method, path, body=None, headers=None):
    context = ssl.create_default_context(cafile=str(deployed["tmp"] / "cert.pem"))
    context.check_hostname = False  # the certificate names HOST; we dial an address
    connection = http.client.HTTPSConnection(
        "127.0.0.1", deployed["https"], context=context, source_address=(CLIENT, 0), timeout=60
    )
    connection.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
    response = connection.getresponse()
    return response, response.read().decode("utf-8", "replace")


def test_plain_http_is_sent_to_https(deployed):
    connection = http.client.HTTPConnection("127.0.0.1", deployed["http"], timeout=30)
    connection.request("GET", "/registre/?q=eau", headers={"Host": HOST})
    response = connection.getresponse()
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/registre/?q=eau"


def test_pages_over_https_with_the_production_headers_and_no_redirect_loop(deployed):
    response, html = _https(deployed, "GET", "/registre/")
    # 200, not a redirect to https: the platform trusts the proxy's X-Forwarded-Proto.
    assert response.status == 200 and "Registre" in html
    assert "max-age=" in response.getheader("Strict-Transport-Security", "")
    assert "default-src" in response.getheader("Content-Security-Policy", "")
    login, _ = _https(deployed, "GET", "/connexion/")
    cookies = login.headers.get_all("Set-Cookie") or []
    assert cookies and all("Secure" in c for c in cookies), cookies


def test_static_files_served_by_nginx_with_a_long_cache(deployed):
    """The guide caches /static/ for 30 days as immutable: that is only right because every
    name carries its content's hash, so a new version is a new URL."""
    _, html = _https(deployed, "GET", "/registre/")
    path = re.search(r'href="(/static/territoria/territoria\.[0-9a-f]{12}\.css)"', html).group(1)
    css = deployed["data"] / path.removeprefix("/")
    response, body = _https(deployed, "GET", path)
    assert response.status == 200 and body == css.read_text(encoding="utf-8")
    assert "immutable" in response.getheader("Cache-Control", "")
    # nginx answered alone: the platform adds its CSP to everything it serves.
    assert response.getheader("Content-Security-Policy") is None


def test_every_static_file_a_template_names_was_collected(deployed):
    """With hashed names, a template naming a missing file is a 500 in production only (the
    tests' storage does not hash): check every literal {% static %} against the manifest."""
    import json

    manifest = json.loads((deployed["data"] / "static" / "staticfiles.json").read_text())
    named = {
        name
        for template in (ROOT / "src" / "territoria").rglob("templates/**/*.html")
        for name in re.findall(r"{%\s*static\s+['\"]([^'\"]+)['\"]", template.read_text())
    }
    assert named and not sorted(named - set(manifest["paths"]))


def test_no_media_folder_is_served(deployed):
    response, _ = _https(deployed, "GET", "/media/")
    assert response.status == 404


def test_rate_limits_count_the_client_nginx_saw_not_the_header_it_wrote(deployed):
    response, html = _https(deployed, "GET", "/connexion/")
    csrf_cookie = next(
        c.split(";")[0] for c in response.headers.get_all("Set-Cookie") if c.startswith("csrftoken")
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response, _ = _https(
        deployed,
        "POST",
        "/connexion/",
        body=f"csrfmiddlewaretoken={token}&username=inconnu&password=faux",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": csrf_cookie,
            "Referer": f"https://{HOST}/connexion/",
            "X-Forwarded-For": "203.0.113.9",  # made up by the client
        },
    )
    assert response.status == 200  # the form again, with its error
    with sqlite3.connect(deployed["data"] / "territoria.sqlite3") as db:
        addresses = [row[0] for row in db.execute("SELECT ip_address FROM axes_accessattempt")]
    assert addresses == [CLIENT]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze absent")
def test_the_systemd_units_of_the_guide_are_valid(tmp_path):
    unit = _block("## 4. Services systemd", "ini")
    venv = Path(sys.executable).parent
    unit = _replace(unit, "User=territoria\nGroup=territoria\n", "")  # no such user here
    unit = _replace(unit, "/srv/territoria/app/.venv/bin/", f"{venv}/")
    unit = _replace(unit, "WorkingDirectory=/srv/territoria/app", f"WorkingDirectory={ROOT}")
    unit = _replace(unit, "EnvironmentFile=/etc/territoria/territoria.env", "")
    unit = _replace(unit, "Requires=postgresql.service", "")
    unit = _replace(unit, "ReadWritePaths=/srv/territoria/data", f"ReadWritePaths={tmp_path}")
    assert (venv / "territoria").exists(), "la commande `territoria` du paquet est absente"
    units = {"territoria-web.service": unit}
    for name, command in (("worker", "worker"), ("scheduler", "scheduler")):
        assert f"ExecStart=/srv/territoria/app/.venv/bin/territoria {command}" in GUIDE
        units[f"territoria-{name}.service"] = re.sub(
            r"ExecStart=.*", f"ExecStart={venv}/territoria {command}", unit
        )
    for name, text in units.items():
        (tmp_path / name).write_text(text)
    verified = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / n) for n in units)],
        capture_output=True,
        text=True,
        check=False,
    )
    problems = [
        line
        for line in (verified.stdout + verified.stderr).splitlines()
        # The test machine is not booted with systemd: unrelated system units may complain.
        if "territoria-" in line
    ]
    assert verified.returncode == 0 or not problems, verified.stderr
    assert not problems, problems
