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
