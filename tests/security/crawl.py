"""A crawler for the leak tests: every URL pattern of the project, filled with real ids, and
every same-host link found in the pages, requested with GET; bodies decoded (zip/XLSX/ODS members,
Parquet, gzip) so that a distinctive value can be searched in whatever a route returns.

New routes are discovered by themselves: the walk reads `get_resolver().url_patterns`.
"""

import gzip
import html
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

NAMED_GROUP = re.compile(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)")
ROUTE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
REGEX_LEFTOVERS = re.compile(r"[\\()\[\]*+?|{}^$]")


@dataclass
class Route:
    """One URL pattern: its template with {name} slots and the regex each slot must match."""

    template: str
    params: dict[str, str]  # name -> regex of the value
    name: str
    is_admin: bool

    @property
    def key(self) -> str:
        return self.template


def _regex_to_template(regex: str, params: dict) -> str:
    text = regex
    text = text.removeprefix("^")
    for suffix in ("\\Z", "$"):
        text = text.removesuffix(suffix)

    def named(match):
        params[match.group(1)] = match.group(2)
        return "{" + match.group(1) + "}"

    text = NAMED_GROUP.sub(named, text)
    text = text.replace("/?", "/").replace("\\.", ".").replace("\\-", "-")
    return text


def _route_to_template(pattern: RoutePattern, params: dict) -> str:
    converters = pattern.converters

    def slot(match):
        name = match.group(2)
        params[name] = converters[name].regex if name in converters else "[^/]+"
        return "{" + name + "}"

    return ROUTE_PARAM.sub(slot, str(pattern))


def walk(patterns=None, prefix="", params=None, names=()):
    """Yield every Route of the URLconf, recursively (includes, namespaces, routers)."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    params = params or {}
    for entry in patterns:
        local = dict(params)
        if isinstance(entry.pattern, RoutePattern):
            part = _route_to_template(entry.pattern, local)
        elif isinstance(entry.pattern, RegexPattern):
            part = _regex_to_template(entry.pattern.regex.pattern, local)
        else:  # LocalePrefixPattern and the like
            part = str(entry.pattern)
        if isinstance(entry, URLResolver):
            namespace = (entry.namespace,) if entry.namespace else ()
            yield from walk(entry.url_patterns, prefix + part, local, names + namespace)
        elif isinstance(entry, URLPattern):
            template = prefix + part
            full_name = ":".join(names + ((entry.name,) if entry.name else ()))
            yield Route("/" + template, local, full_name, template.startswith("admin/"))


def fill(route: Route, pool: list[str], per_param: int = 12) -> tuple[list[str], bool]:
    """URLs of a route with each slot filled by pool values matching its regex (capped)."""
    choices = []
    for name, regex in route.params.items():
        matching = [value for value in pool if re.fullmatch(regex, value)]
        if not matching:
            return [], False
        choices.append((name, matching[:per_param]))
    urls = []
    for combo in itertools.islice(itertools.product(*(values for _, values in choices)), 60):
        url = route.template
        for (name, _), value in zip(choices, combo):
            url = url.replace("{" + name + "}", value)
        if REGEX_LEFTOVERS.search(url):
            return [], False
        urls.append(url)
    return urls, True


def body_text(response) -> str:
    """Everything a response says, as text: archives and Parquet unpacked, entities unescaped."""
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    return html.unescape(_decode(raw))


def _decode(raw: bytes, depth: int = 0) -> str:
    if depth > 3:
        return ""
    if raw.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                return "\n".join(_decode(archive.read(name), depth + 1) for name in archive.namelist())
        except zipfile.BadZipFile:
            pass
    if raw.startswith(b"\x1f\x8b"):
        try:
            return _decode(gzip.decompress(raw), depth + 1)
        except OSError:
            pass
    if raw.startswith(b"PAR1"):
        import pyarrow.parquet as pq

        return pq.read_table(io.BytesIO(raw)).to_pandas().to_csv() if _has_pandas() else str(
            pq.read_table(io.BytesIO(raw)).to_pylist())
    return raw.decode("utf-8", errors="replace")


def _has_pandas() -> bool:
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


HREF = re.compile(r"""(?:href|src|action|hx-get|data-url)\s*=\s*["']([^"'#]+)""", re.IGNORECASE)


def links_in(text: str, base: str) -> list[str]:
    """Same-host paths linked from a page (HTML, Atom, JSON `url` fields)."""
    found = []
    for target in HREF.findall(text) + re.findall(r'"(?:url|api_url|next|previous)"\s*:\s*"([^"]+)"', text):
        absolute = urljoin(base, html.unescape(target))
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https", "") or parts.netloc not in ("", "testserver"):
            continue
        found.append(urlunsplit(("", "", parts.path, parts.query, "")))
    return found


@dataclass
class CrawlResult:
    visited: dict[str, int] = field(default_factory=dict)  # url -> status
    routes_requested: set[str] = field(default_factory=set)
    unfillable: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # url -> body text

    def leaks(self, needles: list[str], echo_control=None) -> list[tuple[str, str]]:
        """(needle, url) where a body shows a needle. A needle the URL itself carries (a search for
        it, a `next=` parameter) may be echoed: it counts only beyond what the same URL with a
        control token in its place shows (`echo_control(url) -> text`)."""
        found = []
        for url, text in self.texts.items():
            lowered = text.lower()
            for needle in needles:
                hits = lowered.count(needle.lower())
                if not hits:
                    continue
                if needle.lower() in unquote(url).lower() and echo_control is not None:
                    control = CONTROL_TOKEN.lower()
                    echoed = echo_control(_replace_ci(unquote(url), needle, CONTROL_TOKEN)).lower().count(control)
                    if hits <= echoed:
                        continue
                found.append((needle, url))
        return found


CONTROL_TOKEN = "LEAKcontroltokenzz"


def _replace_ci(text: str, old: str, new: str) -> str:
    return re.sub(re.escape(old), new, text, flags=re.IGNORECASE)


class Crawler:
    def __init__(self, client, pool: list[str], query_variants: list[dict], max_requests: int = 6000):
        self.client = client
        self.pool = pool
        self.query_variants = query_variants
        self.max_requests = max_requests
        self.result = CrawlResult()

    def get(self, url: str, params: dict | None = None) -> int | None:
        if params:
            from urllib.parse import urlencode

            url = url + ("&" if "?" in url else "?") + urlencode(params)
        if url in self.result.visited or len(self.result.visited) >= self.max_requests:
            return None
        response = self.client.get(url)
        self.result.visited[url] = response.status_code
        self.result.texts[url] = body_text(response)
        if response.status_code in (301, 302, 303, 307, 308) and response.get("Location"):
            self._queue.append(urljoin(url, response["Location"]))
        elif "html" in response.get("Content-Type", "") or "xml" in response.get("Content-Type", ""):
            self._queue.extend(links_in(self.result.texts[url], "http://testserver" + url))
        return response.status_code

    def crawl(self, routes: list[Route], seeds: list[str] = ()) -> CrawlResult:
        self._queue = list(seeds)
        for route in routes:
            urls, ok = fill(route, self.pool, per_param=1 if route.is_admin else 12)
            if not ok:
                self.result.unfillable.append(route.template)
                continue
            self.result.routes_requested.add(route.key)
            for index, url in enumerate(urls):
                self.get(url)
                # Query variations on the first fills (each kind of object) and on list routes.
                if not route.is_admin and (index < 6 or not route.params):
                    for params in self.query_variants:
                        self.get(url, params)
        while self._queue and len(self.result.visited) < self.max_requests:
            url = self._queue.pop(0)
            if urlsplit(url).path.startswith(("/admin/", "/deconnexion")):
                continue
            self.get(urlsplit(url).path + (("?" + urlsplit(url).query) if urlsplit(url).query else ""))
        return self.result

    def echo_text(self, url: str) -> str:
        parts = urlsplit(url)
        path = quote(parts.path)
        query = "&".join(quote(piece, safe="=") for piece in parts.query.split("&")) if parts.query else ""
        return body_text(self.client.get(path + ("?" + query if query else "")))

    def leaks(self, needles: list[str]) -> list[tuple[str, str]]:
        return self.result.leaks(needles, echo_control=self.echo_text)
