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


# --- figures that label an item, scores and fractions ---------------------------------------
PROGRAMME = (
    "Proposition #1 : mieux connaître les données du territoire.\n"
    "Proposition #2 : affirmer le principe de propriété collective des données.\n"
    "3/ Aider à servir les engagements de transparence.\n"
    "L'article 3 du règlement intérieur fixe les horaires des séances. "
    "La note moyenne donnée par les agents est de 4/5. "
    "L'équipe l'emporte 6-2 en finale. La voiture no 7 mène, 7 dixièmes devant. "
    "Le style mesure 1 mm de longueur et la fleur 2 cm de diamètre."
)


def label_messages(draft):
    return [p.message for p in ungrounded(draft, inventory(PROGRAMME))]


def test_a_label_is_grounded_by_the_same_label_about_the_same_thing():
    assert label_messages("Proposition #2 : affirmer la propriété collective des données.") == []
    assert label_messages("La proposition n° 2 affirme le principe de propriété collective.") == []
    assert label_messages("L'article 3 du règlement intérieur fixe les horaires.") == []
    assert label_messages("3/ Aider à servir les engagements de transparence.") == []


def test_a_label_moved_to_another_item_is_caught():
    # the source has a « Proposition #2 », about something else
    assert label_messages("Proposition #2 : mieux connaître les données du territoire.") == [
        "numéro présent dans les sources, mais pour un autre élément : Proposition #2"
    ]
    assert label_messages("L'article 4 du règlement intérieur fixe les horaires.") == [
        "chiffre absent des sources : article 4"
    ]
    # « 1 » is in the source, but not as a list number about transparency
    assert label_messages("1/ Aider à servir les engagements de transparence.") != []


def test_a_label_does_not_ground_a_plain_figure():
    source = inventory("La voiture no 7 est en tête de la course depuis le départ.")
    # the source's 7 numbers a car; it is not a count of laps
    assert [p.message for p in ungrounded("La voiture est en tête depuis 7 tours.", source)] == [
        "chiffre présent dans les sources, mais seulement comme numéro (« no 7 ») : 7"
    ]
    assert ungrounded("La voiture no 7 est en tête de la course.", source) == []
    assert ungrounded("La voiture numéro 7 est en tête de la course.", source) == []


def test_scores_and_fractions_are_read_as_one_figure():
    assert label_messages("Les agents donnent une note moyenne de 4/5.") == []
    assert label_messages("Les agents donnent une note moyenne de 3/5.") == [
        "chiffre absent des sources : 3/5"
    ]
    assert label_messages("L'équipe l'emporte 6-2 en finale.") == []
    assert label_messages("L'équipe l'emporte 7-2 en finale.") == [
        "chiffre absent des sources : 7-2"
    ]
    # a range with a unit stays a range
    assert label_messages("La fleur mesure 2 cm de diamètre.") == []


def test_millimetres_and_centimetres_are_lengths():
    assert label_messages("Le style mesure 1 mm de longueur.") == []
    # 2 mm = 0,002 m: not a length of the source (its « 2 cm » is 0,02 m)
    assert label_messages("Le style mesure 2 mm de longueur.") == [
        "chiffre absent des sources : 2 mm"
    ]
    assert label_messages("La fleur mesure 20 mm de diamètre.") == []  # = 2 cm


# --- ranges (« 10-15 % », « entre 10 et 15 % ») ------------------------------------------
SURVEY = (
    "Selon l'enquête, 10-15 % des agents télétravaillent. Le budget sera de 2 à 3 millions "
    "d'euros. 12 agents sont partis. Les articles 2 à 5 du règlement sont modifiés."
)


def survey_problems(draft):
    return [p.message for p in ungrounded(draft, inventory(SURVEY))]


def test_a_range_is_two_figures_with_the_unit_of_the_second():
    # the same range written another way: no false alarm
    assert survey_problems("Entre 10 et 15 % des agents télétravaillent.") == []
    assert survey_problems("De 10 à 15 % des agents télétravaillent.") == []
    assert survey_problems("10 – 15 % des agents télétravaillent.") == []
    assert survey_problems("Le budget sera de 2 000 000 à 3 000 000 €.") == []
    assert survey_problems("Le budget sera de 2 à 3 M€.") == []
    # a wrong bound is caught, whichever it is (the upper one was not read before)
    assert survey_problems("10-20 % des agents télétravaillent.") == [
        "fourchette différente dans les sources (de 10 à 15 %) : 20 %"
    ]
    assert survey_problems("Le budget sera de 2 à 4 M€.") == [
        "fourchette différente dans les sources (de 2\u00a0000\u00a0000 à 3\u00a0000\u00a0000 €) : 4 M€"
    ]
    # the lower bound carries the unit: « 12 » of « 12 à 15 % » is not the source's 12 agents
    assert survey_problems("Entre 12 et 15 % des agents télétravaillent.") == [
        "fourchette différente dans les sources (de 10 à 15 %) : 12"
    ]
    # a bound moved onto the other one (« de 15 à 15 % ») is caught, though 15 % is in the source
    assert survey_problems("De 15 à 15 % des agents télétravaillent.") == [
        "fourchette différente dans les sources (de 10 à 15 %) : 15"
    ]
    # decimals, « les 20 à 30 % »
    source = inventory("La biomasse est de 4,02 à 4,51 kg/ha ; les 20 à 30 % du réseau fuient.")
    assert ungrounded("La biomasse est de 4,02-4,51 kg/ha.", source) == []
    assert ungrounded("Les 20-30 % du réseau fuient.", source) == []
    assert [p.message for p in ungrounded("Les 20-40 % du réseau fuient.", source)] == [
        "fourchette différente dans les sources (de 20 à 30 %) : 40 %"
    ]
    # a range of labels: both are article numbers
    assert survey_problems("Les articles 2 à 5 du règlement sont modifiés.") == []
    assert survey_problems("Les articles 2 à 6 du règlement sont modifiés.") == [
        "fourchette différente dans les sources (de 2 à 5) : articles 6"
    ]


def test_what_is_not_a_range_stays_as_it_was():
    from territoria.redaction.services.figures import quantities

    def read(text):
        return [(q.value, q.unit, q.label) for q in quantities(text)]

    assert read("L'équipe l'emporte 6-2.") == [("6-2", "score", None)]  # a score
    assert read("Réunion le 3 à 10 h.") == [("3", None, None), ("10", "h", None)]  # a day
    assert read("Point 2 à 14 h.") == [("2", None, "point"), ("14", "h", None)]
    assert read("Il a 10 ans et 15 %.") == [("10", "an", None), ("15", "%", None)]


def test_a_share_written_as_a_count_is_caught():
    # « 15 % des agents » is not « 15 agents »
    assert survey_problems("12 agents sont partis.") == []
    assert survey_problems("15 agents télétravaillent.") == [
        "chiffre présent dans les sources, mais en pourcentage (« 15 % ») : 15"
    ]
