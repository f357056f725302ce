from territoria.redaction.services.grounding import inventory, ungrounded

SOURCE = (
    "Le comité s'est réuni le 14 mai 2024. Mme Claire Morel rappelle que le chantier coûtera "
    "185 000 € dont 40 % financés par la région. Vu l'article L. 2121-29 du CGCT."
)


def kinds(draft):
    return [p.kind for p in ungrounded(draft, inventory(SOURCE))]


def test_a_faithful_draft_passes():
    assert (
        kinds(
            "Le 14 mai 2024, Mme Claire Morel a indiqué un coût de 185 000 € (40 % pour la région)."
        )
        == []
    )
    assert kinds("En 2024, Mme Morel a présenté le chantier.") == []


def test_a_wrong_figure_an_invented_name_a_shifted_date_and_a_new_reference_are_caught():
    assert kinds("Le chantier coûtera 195 000 €.") == ["figure"]
    assert kinds("M. Julien Vasseur présente le chantier.") == ["name"]
    assert kinds("Le comité s'est réuni le 15 mai 2024.") == ["date"]
    assert kinds("Vu l'article L. 2121-30 du CGCT.") == ["reference"]
    assert kinds("Le comité s'est réuni le 14/05/2024.") == []  # same date, another format


# --- figures read as quantities (figures.py): scale, unit, what they count -----------------
REPORT = (
    "La stratégie se décline en 2 grandes ambitions et 9 actions, pour 3 directions. "
    "Le programme Plantons 1 million d'arbres a été lancé en 2020. "
    "Le budget est de 2,2 M€, dont 85 % pour la formation. "
    "La plateforme Numérique360 publie ses ressources sur <https://exemple.fr/forms/mRk8Qv>. "
    "Vingt-quatre directions participent."
)


def report_problems(draft):
    return [p.message for p in ungrounded(draft, inventory(REPORT))]


def test_a_figure_written_another_way_is_the_same_figure():
    assert report_problems("Le budget s'élève à 2 200 000 euros.") == []
    assert report_problems("Le budget est de 2,2 millions d'euros.") == []
    assert report_problems("85 pour cent du budget va à la formation.") == []
    assert report_problems("Le programme Plantons 1 000 000 d'arbres a démarré.") == []
    assert report_problems("Au total, 24 directions participent.") == []  # written in words


def test_a_figure_that_exists_elsewhere_but_counts_another_thing_is_caught():
    (message,) = report_problems("La stratégie se décline en 3 grandes ambitions.")
    assert "pour autre chose" in message
    assert report_problems("La stratégie se décline en 2 grandes ambitions.") == []
    (message,) = report_problems("Le budget est de 85 €.")  # 85 is a percentage in the source
    assert "unité" in message
    assert report_problems("Le programme Plantons 2 millions d'arbres a été lancé.")


def test_numbers_glued_to_words_and_web_addresses_must_be_written_as_in_the_source():
    assert report_problems("La plateforme Numérique360 publie ses ressources.") == []
    assert report_problems("La plateforme Numérique720 publie ses ressources.")
    assert report_problems("Voir <https://exemple.fr/forms/mRk8Qv>.") == []
    assert report_problems("Voir <https://exemple.fr/forms/mRk9Qv>.")


def test_amounts_of_a_deliberation_are_compared_in_euros():
    from territoria.redaction.services.grounding import amount_values

    assert amount_values("2,2 M€") == amount_values("2 200 000 euros") == {"2200000"}
    assert amount_values("15 k€ et 3,5 millions d'euros") == {"15000", "3500000"}


def test_the_words_of_one_figure_are_not_the_context_of_the_next():
    source = inventory("Selon l'étude, le taux varie de 0 % à 75 %.")
    assert ungrounded("Selon l'étude, le taux varie de 0 pour cent à 75 %.", source) == []
    assert ungrounded("Selon l'étude, le taux varie de 0 pour cent à 76 %.", source)
