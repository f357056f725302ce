from territoria.redaction.services import readability

LETTER = (
    "Madame, afin de procéder à l'instruction de votre demande en date du 3 mars 2024, il convient "
    "de transmettre les pièces justificatives susmentionnées dans les meilleurs délais. "
    "Votre dossier a été transmis au service de l'urbanisme, conformément à l'article L. 423-1 du code "
    "de l'urbanisme, et la réalisation de l'instruction nécessite la vérification de la conformité "
    "de la construction par la DDT. Le montant de la taxe s'élève à 1 250 €."
)


def test_report_measures_and_suggests_plainer_words():
    report = readability.report(LETTER)
    assert report.sentences == 3
    assert 0 < report.kandel_moles < 60  # an administrative letter is not easy
    kinds = {s.kind for s in report.suggestions}
    assert {"lexique", "phrase_longue", "passif", "nominalisation", "sigle"} <= kinds
    words = {s.original.lower(): s.replacement for s in report.suggestions if s.kind == "lexique"}
    assert words["afin de"] == "pour"
    assert words["il convient de"] == "il faut"
    assert report.acronyms == ["DDT"]


def test_accepting_three_suggestions_applies_exactly_those_and_reads_easier():
    report = readability.report(LETTER)
    lexical = [s for s in report.suggestions if s.kind == "lexique"]
    chosen = {s.id for s in lexical[:3]}
    rewritten = readability.apply_suggestions(LETTER, report.suggestions, chosen)
    for s in lexical[:3]:
        assert s.original not in rewritten or rewritten.count(s.original) < LETTER.count(s.original)
    for s in lexical[3:]:
        assert s.original in rewritten
    assert readability.report(rewritten).kandel_moles > report.kandel_moles
    assert readability.kept_items(LETTER, rewritten) == []


def test_a_rewrite_that_loses_or_changes_a_figure_is_refused():
    assert readability.kept_items(LETTER, LETTER.replace("1 250 €", "1 300 €"))
    assert readability.kept_items(
        LETTER, LETTER.replace(", conformément à l'article L. 423-1 du code de l'urbanisme,", "")
    )


def test_french_syllables():
    assert readability.syllables("administration") == 5
    assert readability.syllables("demande") == 2
    assert readability.syllables("eau") == 1


def test_no_rewrite_inside_a_cited_law_title_and_elision_is_kept():
    text = (
        "Sous réserve de la loi n° 78-17 du 6 janvier 1978 relative à l'informatique, aux fichiers "
        "et aux libertés, il n'y a pas lieu d'opérer des distinctions relative à la forme."
    )
    by_original = {
        s.original: s.replacement for s in readability.report(text).suggestions if s.replacement
    }
    assert by_original == {"d'opérer": "de faire", "relative à": "sur"}
    suggestion = next(s for s in readability.report(text).suggestions if s.original == "relative à")
    assert suggestion.start > text.index("distinctions")


def test_adverbs_in_ment_are_not_counted_as_nouns():
    assert readability.report("Le paiement du loyer est fait rapidement.").nominalisations == 1
