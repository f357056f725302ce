"""The crawler's echo rule (tests/security/crawl.py): a needle the URL carries may be echoed as
often as its control is — and the links and forms that carry the query on do not count, since
their number follows the result count — but a needle shown once more is a leak."""

from tests.security.crawl import CrawlResult

NEEDLE, TWIN = "LEAKfinancement7f3a", "LEAKfinancement9b2c"
URL = f"/registre/recherche/?q={NEEDLE}&region=X"


def _page(token: str, results: int, extra: str = "") -> str:
    links = "".join(f'<a href="?q={token}&type={i}">Type {i}</a>' for i in range(results))
    hidden = f'<input type="hidden" name="q" value="{token}">' if results else ""
    return (
        f"<title>« {token} »</title>{links}{hidden}<p>{results} projets pour « {token} »</p>{extra}"
    )


def _leaks(needle_page: str, control_page: str) -> list:
    result = CrawlResult(texts={URL: needle_page})
    return result.leaks([NEEDLE], echo_control=lambda url: control_page, control_of=lambda n: TWIN)


def test_an_echo_is_not_a_leak_even_when_the_result_counts_differ():
    assert _leaks(_page(NEEDLE, results=3), _page(TWIN, results=0)) == []


def test_a_needle_shown_beyond_its_echo_is_a_leak():
    shown = _page(NEEDLE, results=1, extra=f"<p>Financement : {NEEDLE}</p>")
    assert _leaks(shown, _page(TWIN, results=1)) == [(NEEDLE, URL)]


def test_the_control_url_carries_the_twin_token():
    asked = []
    result = CrawlResult(texts={URL: _page(NEEDLE, 0)})
    result.leaks(
        [NEEDLE], echo_control=lambda url: asked.append(url) or "", control_of=lambda n: TWIN
    )
    assert asked == [URL.replace(NEEDLE, TWIN)]
