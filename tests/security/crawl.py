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
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

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


ID_NAMES = re.compile(r"(^|_)(pk|id|uuid|object_id|document)$")


def _preferred(name: str, pool: list[str]) -> list[str]:
    """Ids first for an id-like slot, words first for the others (slug, format, action…)."""
    ids = [v for v in pool if re.fullmatch(r"[0-9a-f-]{36}|\d+", v)]
    words = [v for v in pool if v not in ids]
    return ids + words if ID_NAMES.search(name) else words + ids


def fill(
    route: Route, pool: list[str], per_param: int = 12, max_urls: int = 24
) -> tuple[list[str], bool]:
    """URLs of a route with each slot filled by pool values matching its regex (capped)."""
    choices = []
    for name, regex in route.params.items():
        matching = [value for value in _preferred(name, pool) if re.fullmatch(regex, value)]
        if not matching:
            return [], False
        choices.append((name, matching[:per_param]))
    urls = []
    for combo in itertools.islice(itertools.product(*(values for _, values in choices)), max_urls):
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
                return "\n".join(
                    _decode(archive.read(name), depth + 1) for name in archive.namelist()
                )
        except zipfile.BadZipFile:
            pass
    if raw.startswith(b"\x1f\x8b"):
        try:
            return _decode(gzip.decompress(raw), depth + 1)
        except OSError:
            pass
    if raw.startswith(b"PAR1"):
        import pyarrow.parquet as pq

        return (
            pq.read_table(io.BytesIO(raw)).to_pandas().to_csv()
            if _has_pandas()
            else str(pq.read_table(io.BytesIO(raw)).to_pylist())
        )
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
    for target in HREF.findall(text) + re.findall(
        r'"(?:url|api_url|next|previous)"\s*:\s*"([^"]+)"', text
    ):
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

    def leaks(
        self, needles: list[str], echo_control=None, control_of=None
    ) -> list[tuple[str, str]]:
        """(needle, url) where a body shows a needle. A needle the URL itself carries (a search for
        it, a `next=` parameter) may be echoed: it counts only beyond what the same URL with a
        control token in its place shows (`echo_control(url) -> text`). The control token is
        `control_of(needle)` when given: a twin of the needle that no record holds, so that a
        search by meaning finds the same neighbours for both and only a real match differs."""
        found = []
        for url, text in self.texts.items():
            lowered = text.lower()
            for needle in needles:
                if needle.lower() not in lowered:
                    continue
                if needle.lower() in unquote(url).lower() and echo_control is not None:
                    token = control_of(needle) if control_of else CONTROL_TOKEN
                    control = echo_control(_replace_ci(unquote(url), needle, token)).lower()
                    if _shown(lowered, needle) <= _shown(control, token):
                        continue
                found.append((needle, url))
        return found


CONTROL_TOKEN = "LEAKcontroltokenzz"


def _shown(lowered: str, token: str) -> int:
    """How often a page shows `token` beyond the links and forms that carry the query on
    (`?q=token&…`, `value="token"`): there is one per facet, sort or page control, so their
    number follows the result count — which the search oracles test, not this."""
    token = token.lower()
    carried = lowered.count("=" + token) + lowered.count('="' + token)
    return lowered.count(token) - carried


def _replace_ci(text: str, old: str, new: str) -> str:
    return re.sub(re.escape(old), new, text, flags=re.IGNORECASE)


class _AllFound(Exception):
    """Every text a bounded crawl looked for has been read."""


class Crawler:
    """GETs every route (filled), then query variations, then the links found, within a budget.

    `list_variants` go on routes without slots (lists, search, exports); `detail_variants` on the
    filled URLs that carry one of the `focus` values (the objects hiding the distinctive values).
    """

    def __init__(
        self,
        client,
        pool: list[str],
        list_variants: list[dict],
        detail_variants: list[dict] = (),
        focus: list[str] = (),
        max_requests: int = 6000,
        max_per_path: int = 40,
    ):
        self.client = client
        self.pool = pool
        self.list_variants = list_variants
        self.detail_variants = list(detail_variants)
        self.focus = list(focus)
        self.max_requests = max_requests
        self.max_per_path = max_per_path
        self.result = CrawlResult()
        self._queue: list[str] = []
        self._until: set[str] = set()

    def _request(self, url: str):
        response = self.client.get(url)
        if response.status_code == 429:  # a rate limit must not hide a page from the crawl
            from django.core.cache import caches

            for cache in caches.all():
                cache.clear()
            response = self.client.get(url)
        return response

    def get(self, url: str, params: dict | None = None) -> int | None:
        if params:
            url = url + ("&" if "?" in url else "?") + urlencode(params)
        if url in self.result.visited or len(self.result.visited) >= self.max_requests:
            return None
        response = self._request(url)
        self.result.visited[url] = response.status_code
        self.result.texts[url] = body_text(response)
        if self._until:
            lowered = self.result.texts[url].lower()
            self._until = {text for text in self._until if text not in lowered}
            if not self._until:
                raise _AllFound
        if response.status_code in (301, 302, 303, 307, 308) and response.get("Location"):
            self._queue.append(urljoin(url, response["Location"]))
        elif any(kind in response.get("Content-Type", "") for kind in ("html", "xml", "json")):
            self._queue.extend(links_in(self.result.texts[url], "http://testserver" + url))
        return response.status_code

    def crawl(
        self, routes: list[Route], seeds: list[str] = (), until: list[str] = ()
    ) -> CrawlResult:
        """Crawl everything, or, with `until`, only until every one of those texts has been
        read (a positive control needs to find its values, not to read the whole site): the
        seeds are then requested first, since they lead to the values."""
        self._until = {text.lower() for text in until}
        try:
            if self._until:
                for url in seeds:
                    self.get(url)
            self._crawl(routes, seeds)
        except _AllFound:
            pass
        return self.result

    def _crawl(self, routes: list[Route], seeds: list[str]) -> None:
        self._queue.extend(seeds)
        filled = []
        for route in routes:  # 1. every route once per fill: no route is left out by the budget
            urls, ok = fill(route, self.pool, per_param=1 if route.is_admin else 12)
            if not ok:
                self.result.unfillable.append(route.template)
                continue
            self.result.routes_requested.add(route.key)
            filled.append((route, urls))
            for url in urls:
                self.get(url)
        for route, urls in filled:  # 2. query variations
            if route.is_admin:
                continue
            for url in urls:
                if not route.params:
                    variants = self.list_variants
                elif any(value in url for value in self.focus):
                    variants = self.detail_variants
                else:
                    continue
                for params in variants:
                    self.get(url, params)
        seen, per_path = set(), {}
        while self._queue and len(self.result.visited) < self.max_requests:  # 3. links
            parts = urlsplit(self._queue.pop(0))
            url = parts.path + ("?" + parts.query if parts.query else "")
            if url in seen or parts.path.startswith(("/admin/", "/deconnexion", "/static/")):
                continue
            seen.add(url)
            # Many links differ only by their query (login `next=`, pagination, facets): a few suffice.
            per_path[parts.path] = per_path.get(parts.path, 0) + 1
            if per_path[parts.path] > self.max_per_path:
                continue
            self.get(url)

    def echo_text(self, url: str) -> str:
        parts = urlsplit(url)
        path = quote(parts.path)
        query = (
            "&".join(quote(piece, safe="=") for piece in parts.query.split("&"))
            if parts.query
            else ""
        )
        # The control must be answered like the original request, not throttled after the
        # thousands of requests of the crawl (a 429 echoes nothing and would flag the echo).
        from django.core.cache import caches

        caches["ratelimit"].clear()
        return body_text(self.client.get(path + ("?" + query if query else "")))

    def leaks(self, needles: list[str], control_of=None) -> list[tuple[str, str]]:
        return self.result.leaks(needles, echo_control=self.echo_text, control_of=control_of)
