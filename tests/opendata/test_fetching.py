"""Publish from an address without server-side request forgery (finding H2).

Real HTTP servers on loopback addresses play the intranet: loopback is refused unless the
test explicitly allows its network, as an administrator would allow the intranet's."""

import http.server
import threading

import pytest
from django.urls import reverse

from territoria.opendata import fetching, publishing
from territoria.opendata.forms import SourceForm
from territoria.opendata.ingest.errors import IngestError
from territoria.opendata.models import ResourceVersion, VersionStatus

from .conftest import new_resource

CSV = "poste;montant\nVoirie;1 200,50\nÉcoles;800\n".encode()


class Handler(http.server.BaseHTTPRequestHandler):
    """/budget.csv: the file; /redirect.csv?to=URL: a 302; anything else: 404. Counts requests."""

    def do_GET(self):
        self.server.hits.append(self.path)
        if self.path == "/budget.csv":
            self.send_response(200)
            self.send_header("Content-Length", str(len(CSV)))
            self.end_headers()
            self.wfile.write(CSV)
        elif self.path.startswith("/redirect.csv?to="):
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/redirect.csv?to="))
            self.end_headers()
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(host: str = "127.0.0.1"):
        server = http.server.ThreadingHTTPServer((host, 0), Handler)
        server.hits = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server, f"http://{host}:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def intranet(settings):
    """The administrator allows the loopback "intranet" by name and by network."""
    settings.OPENDATA_FETCH_ALLOWED_HOSTS = ["127.0.0.1", "127.0.0.2", "localhost"]
    settings.OPENDATA_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    return settings


def test_fetch_is_off_by_default_and_the_form_hides_it(settings, dataset, serve):
    assert settings.OPENDATA_FETCH_ALLOWED_HOSTS == []
    server, base = serve()
    with pytest.raises(IngestError, match="désactivée"):
        publishing.receive_url(new_resource(dataset), f"{base}/budget.csv")
    assert server.hits == [] and not ResourceVersion.objects.exists()
    assert "url" not in SourceForm().fields


def test_fetch_from_an_allowed_host_and_network(intranet, dataset, serve):
    _, base = serve()
    version = publishing.receive_url(new_resource(dataset), f"{base}/budget.csv")
    assert version.status == VersionStatus.REVIEW and version.row_count == 2
    assert "url" in SourceForm().fields


def test_loopback_is_refused_even_when_its_name_is_allowed(intranet, dataset, serve):
    intranet.OPENDATA_FETCH_ALLOWED_NETWORKS = []
    server, base = serve()
    for url in (f"{base}/budget.csv", f"http://localhost:{server.server_port}/budget.csv"):
        with pytest.raises(IngestError, match="Impossible de récupérer"):
            publishing.receive_url(new_resource(dataset), url)
    assert server.hits == [], "the server must not even be contacted"
    assert not ResourceVersion.objects.exists()


def test_a_redirect_to_a_forbidden_address_is_refused(intranet, dataset, serve):
    _, base = serve("127.0.0.1")
    secret, secret_base = serve("127.0.0.2")  # allowed by name, not by network
    with pytest.raises(IngestError, match="Impossible de récupérer"):
        publishing.receive_url(
            new_resource(dataset), f"{base}/redirect.csv?to={secret_base}/budget.csv"
        )
    assert secret.hits == []
    assert not ResourceVersion.objects.exists()


def test_a_redirect_within_allowed_addresses_is_followed(intranet, dataset, serve):
    _, base = serve()
    version = publishing.receive_url(new_resource(dataset), f"{base}/redirect.csv?to=/budget.csv")
    assert version.status == VersionStatus.REVIEW


def test_errors_do_not_tell_open_ports_from_closed_ones(intranet, dataset, serve):
    _, base = serve()
    closed = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    closed_port = closed.server_port
    closed.server_close()  # nothing listens there any more
    messages = set()
    for url in (f"{base}/absent.csv", f"http://127.0.0.1:{closed_port}/budget.csv"):
        with pytest.raises(IngestError) as error:
            publishing.receive_url(new_resource(dataset), url)
        messages.add(str(error.value))
    assert messages == {fetching.UNREACHABLE}


def test_a_host_outside_the_allow_list_is_named_in_the_refusal(intranet, dataset):
    with pytest.raises(IngestError, match="« evil.example.org » n'est pas autorisé"):
        publishing.receive_url(new_resource(dataset), "https://evil.example.org/x.csv")


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "ff02::1",
    ],
)
def test_non_public_addresses_are_refused(settings, address):
    settings.OPENDATA_FETCH_ALLOWED_NETWORKS = []
    assert not fetching.address_allowed(address)


def test_public_addresses_and_listed_networks_are_allowed(settings):
    settings.OPENDATA_FETCH_ALLOWED_NETWORKS = ["10.12.0.0/16"]
    assert fetching.address_allowed("8.8.8.8") and fetching.address_allowed("2a00:1450::1")
    assert fetching.address_allowed("10.12.3.4") and not fetching.address_allowed("10.13.0.1")


def test_api_url_upload_is_refused_when_the_feature_is_off(api_client, agent, dataset):
    api_client.force_authenticate(agent)
    response = api_client.post(
        reverse("opendata:api-dataset-add-resource", args=[dataset.slug]),
        {"url": "http://127.0.0.1:9/x.csv"},
        format="json",
    )
    assert response.status_code == 400 and "désactivée" in response.json()["error"]
    assert not dataset.resources.exists()
