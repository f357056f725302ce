from territoria.search.analyzer import analyze, fold, fold_token


def test_analyzer_elision_lets_l_eau_find_eau():
    assert analyze("l'eau") == analyze("eau")
    assert analyze("L’eau") == analyze("eau")  # typographic apostrophe
    assert analyze("jusqu'à lorsqu'il qu'elle") == []  # only stop words remain


def test_analyzer_stemming_matches_plural_and_singular():
    assert analyze("fuites") == analyze("fuite")
    assert analyze("collectivités") == analyze("collectivite")


def test_analyzer_accents_fold_before_stemming():
    assert analyze("Énergie") == analyze("energie")
    assert analyze("ŒUVRE") == analyze("oeuvre")


def test_analyzer_drops_french_stop_words():
    assert analyze("les horaires de la déchetterie") == analyze("horaires déchetterie")


def test_analyzer_keeps_numbers():
    assert "2024" in analyze("budget 2024")


def test_fold_keeps_words_without_stemming():
    assert fold("L'Énergie  des   Collectivités") == "energie des collectivites"
    assert fold_token("d'Été") == "ete"


def test_stemming_from_several_threads_at_once_gives_the_same_stems():
    """The web server's threads and the assistant's background page-index build stem at the
    same time; a shared snowball stemmer corrupted its own state (IndexError, wrong stems)."""
    import threading

    import snowballstemmer

    from territoria.search.analyzer import _stem

    base = ["administrations", "délibérations", "communautaires", "renouvellement", "eaux"]
    words = [f"{w}{suffix}" for suffix in ("", "s", "ment", "ations", "issement") for w in base]
    words = [w + "e" * (i % 7) for i in range(400) for w in words][:3000]
    expected = [snowballstemmer.stemmer("french").stemWord(w) for w in words]
    stem = _stem.__wrapped__  # past the cache: each call really stems
    results, errors = {}, []

    def work(n):
        try:
            results[n] = [stem(w) for w in words]
        except Exception as exc:  # noqa: BLE001 — any exception is the failure shown
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(results[n] == expected for n in range(4))
