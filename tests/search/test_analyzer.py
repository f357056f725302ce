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
