from territoria.redaction.services.legal import check_references, find_references


def test_references_of_a_visa_are_found_with_their_code():
    text = (
        "Vu le code général des collectivités territoriales, notamment ses articles L. 2121-29 et "
        "L2122-22 ; Vu l'article R.2122-8 du CGCT ; Vu la loi n° 2015-991 du 7 août 2015 ; "
        "Vu l'article L. 300-1 du code des relations entre le public et l'administration"
    )
    found = [(r.number, r.code) for r in find_references(text)]
    assert found == [
        ("L2121-29", "CGCT"),
        ("L2122-22", "CGCT"),
        ("R2122-8", "CGCT"),
        ("2015-991", "loi"),
        ("L300-1", "CRPA"),
    ]
    assert all(not r.problems for r in find_references(text))


def test_malformed_article_numbers_are_flagged():
    for bad in ("L. 21-21-29", "L. 21212-29", "L.2121"):
        refs = find_references(f"Vu l'article {bad} du CGCT ;")
        assert refs and refs[0].problems, bad


def test_cgct_article_must_have_four_digits_starting_with_a_part():
    refs = find_references(
        "Vu l'article L. 812-1 du code général des collectivités territoriales ;"
    )
    assert refs[0].problems


def test_law_number_and_date_must_agree():
    assert not find_references("Vu la loi n° 82-213 du 2 mars 1982 ;")[0].problems
    assert find_references("Vu le décret n° 2016-360 du 25 mars 2015 ;")[0].problems


def test_article_is_checked_against_the_sources_given(fixtures):
    sources = [(fixtures / "sources" / "cgct-extraits.md").read_text(encoding="utf-8")]
    known, unknown = check_references("Vu les articles L. 2121-29 et L. 2121-99 du CGCT ;", sources)
    assert known.verified is True and not known.problems
    assert unknown.verified is False and "introuvable" in unknown.problems[0]
    # A law's article (no letter) is not judged against a code's text.
    assert not check_references(
        "Vu la loi n° 2000-321 du 12 avril 2000, notamment son article 10 ;", sources
    )[1].problems
    # Without sources, a well-formed reference is not judged.
    assert check_references("Vu l'article L. 2121-99 du CGCT ;")[0].verified is None


def test_an_article_the_sources_list_as_repealed_is_said_repealed():
    from territoria.redaction.services.legal import check_references

    source = "Code général des collectivités territoriales\nL2121-29\nL2121-99 abrogé le 2010-01-01"
    references = check_references(
        "Vu les articles L. 2121-29 et L. 2121-99 du CGCT, vu l'article L. 2121-98 du CGCT,",
        [source],
    )
    assert [(r.number, r.verified) for r in references] == [
        ("L2121-29", True),
        ("L2121-99", False),
        ("L2121-98", False),
    ]
    assert "abrogé le 1er janvier 2010" in references[1].problems[0]
    assert "introuvable" in references[2].problems[0]
