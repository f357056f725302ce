"""Fetching a file from an address for "publish from an address", without server-side request
forgery.

- Only hosts named in `OPENDATA_FETCH_ALLOWED_HOSTS` are fetched (`fichiers.ville.fr`, or
  `.ville.fr` for every sub-domain); empty (the default) turns the feature off.
- The host is resolved once; if any of its addresses is private, loopback, link-local,
  multicast, reserved or otherwise not public, the fetch is refused, unless the address is in
  `OPENDATA_FETCH_ALLOWED_NETWORKS` (e.g. the collectivité's intranet, `10.12.0.0/16`). The
  connection then goes to the checked address (no second resolution an attacker's DNS could
  answer differently), with the host name kept for the Host header and TLS verification.
- Redirects are followed by hand, each new address checked the same way.
- Every network failure gives the same message: a refused connection, a timeout, an HTTP
  error or a forbidden address cannot be told apart (no port scan through the error).
- No proxy from the environment: a proxy would connect to addresses we never checked.
"""

import ipaddress
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
from django.conf import settings

from territoria.opendata.ingest.errors import IngestError

MAX_REDIRECTS = 5
CHUNK = 1024 * 1024

DISABLED = (
    "La publication depuis une adresse est désactivée sur cette plateforme : déposez le "
    "fichier (l'administrateur peut l'activer pour des serveurs précis avec la variable "
    "TERRITORIA_OPENDATA_FETCH_ALLOWED_HOSTS)."
)
UNREACHABLE = (
    "Impossible de récupérer le fichier à cette adresse : elle est injoignable depuis la "
    "plateforme, mène à une adresse non autorisée, ou n'a pas renvoyé le fichier. Vérifiez "
    "l'adresse, ou déposez le fichier."
)


class FetchRefused(IngestError):
    """The address may not, or could not, be fetched; the message is for the publisher."""


def enabled() -> bool:
    return bool(settings.OPENDATA_FETCH_ALLOWED_HOSTS)


def host_allowed(host: str) -> bool:
    host = host.lower().rstrip(".")
    for entry in settings.OPENDATA_FETCH_ALLOWED_HOSTS:
        entry = entry.lower().rstrip(".")
        if entry.startswith(".") and (host.endswith(entry) or host == entry[1:]):
            return True
        if host == entry:
            return True
    return False


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for network in settings.OPENDATA_FETCH_ALLOWED_NETWORKS:
        if ip in ipaddress.ip_network(network, strict=False):
            return True
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local)


@dataclass(frozen=True)
class Target:
    url: httpx.URL  # what the publisher gave (or a redirect)
    address: str  # the checked address to connect to


def check(url: str | httpx.URL) -> Target:
    """The address to connect to for `url`, or FetchRefused."""
    if not enabled():
        raise FetchRefused(DISABLED)
    try:
        parsed = httpx.URL(str(url))
    except (httpx.InvalidURL, TypeError):
        raise FetchRefused(UNREACHABLE) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchRefused("Seules les adresses http:// et https:// sont acceptées.")
    if parsed.userinfo:
        raise FetchRefused(UNREACHABLE)
    if not host_allowed(parsed.host):
        raise FetchRefused(
            f"Le serveur « {parsed.host} » n'est pas autorisé : la plateforme ne récupère des "
            f"fichiers que sur {', '.join(settings.OPENDATA_FETCH_ALLOWED_HOSTS)} "
            "(variable TERRITORIA_OPENDATA_FETCH_ALLOWED_HOSTS)."
        )
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parsed.host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FetchRefused(UNREACHABLE) from None
    addresses = [info[4][0] for info in infos]
    if not addresses or not all(address_allowed(a) for a in addresses):
        raise FetchRefused(UNREACHABLE)
    return Target(parsed, addresses[0])


def fetch(url: str) -> Iterator[bytes]:
    """The body of `url` in chunks (a generator: the connection closes when it is exhausted
    or closed). Raises FetchRefused before the first chunk, or while streaming on a failure."""
    deadline = time.monotonic() + settings.OPENDATA_FETCH_TIMEOUT_S
    timeout = httpx.Timeout(min(30.0, settings.OPENDATA_FETCH_TIMEOUT_S))
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        current: str | httpx.URL = url
        for _ in range(MAX_REDIRECTS + 1):
            target = check(current)
            request = client.build_request(
                "GET",
                target.url.copy_with(host=target.address),
                headers={"Host": target.url.netloc.decode("ascii")},
                extensions={"sni_hostname": target.url.host},
            )
            try:
                response = client.send(request, stream=True)
            except httpx.HTTPError:
                raise FetchRefused(UNREACHABLE) from None
            try:
                if response.is_redirect and "location" in response.headers:
                    current = target.url.join(response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise FetchRefused(UNREACHABLE)
                try:
                    for chunk in response.iter_bytes(CHUNK):
                        if time.monotonic() > deadline:
                            raise FetchRefused(UNREACHABLE)
                        yield chunk
                except httpx.HTTPError:
                    raise FetchRefused(UNREACHABLE) from None
                return
            finally:
                response.close()
        raise FetchRefused(UNREACHABLE)
