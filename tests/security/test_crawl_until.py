"""A bounded crawl (the witnesses' positive control) stops once it has read every value it
looks for, and reads everything when a value is nowhere."""

from types import SimpleNamespace

from tests.security.crawl import Crawler, Route

PAGES = {
    "/": '<a href="/a/">a</a> <a href="/b/">b</a> <a href="/c/">c</a>',
    "/a/": "rien",
    "/b/": "LEAKvaleur7f3a",
    "/c/": "LEAKautre7f3a",
    "/liste/": "liste",
}


class PageClient:
    """The crawler's only collaborator is `get(url)`: here, fixed pages."""

    def __init__(self):
        self.asked = []

    def get(self, url):
        self.asked.append(url)
        body = PAGES.get(url, "introuvable")
        headers = {"Content-Type": "text/html"}
        return SimpleNamespace(
            status_code=200 if url in PAGES else 404,
            content=body.encode(),
            get=lambda name, default="": headers.get(name, default),
        )


def _crawl(until):
    client = PageClient()
    result = Crawler(client, [], []).crawl(
        [Route("/liste/", {}, "liste", False)], seeds=["/"], until=until
    )
    return client.asked, result


def test_the_crawl_stops_when_every_value_was_read():
    asked, result = _crawl(["LEAKvaleur7f3a"])
    assert asked == ["/", "/liste/", "/a/", "/b/"]  # seeds first, then routes, then links
    assert "/c/" not in result.visited


def test_values_are_matched_whatever_their_case():
    asked, _ = _crawl(["leakVALEUR7f3a", "LEAKautre7f3a"])
    assert asked[-1] == "/c/"


def test_a_value_found_nowhere_leaves_the_whole_crawl_done():
    asked, _ = _crawl(["LEAKabsente7f3a"])
    assert sorted(asked) == ["/", "/a/", "/b/", "/c/", "/liste/"]


def test_without_until_the_crawl_reads_everything():
    asked, _ = _crawl([])
    assert sorted(asked) == ["/", "/a/", "/b/", "/c/", "/liste/"]
